using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>
/// A host keeps the arguments of a start instead of a copy of every starting state (issue 15): the state made again from
/// them after the run has changed the first one is the starting state, and the caller's input and payload were not touched.
/// </summary>
public sealed class RecreateInstanceTests
{
    private const string Flow = """
        { "format": 1, "id": "recreate",
          "inputs": [ { "name": "order", "type": "object" } ],
          "variables": [ { "name": "seen", "type": "number", "default": 1 } ],
          "nodes": [ { "id": "script", "type": "RunJavaScript", "inputs": { "code": "input.order.n = 9; return input.order;" } },
                     { "id": "count", "type": "SetVariable", "inputs": { "name": "seen", "value": 5 } } ],
          "connections": [ { "from": "script:done", "to": "count" } ] }
        """;

    [Fact]
    public async Task A_state_made_again_after_the_run_is_the_starting_state_and_is_not_counted_as_another_run()
    {
        var engine = new FlowEngine(new FlowEngineOptions { Registry = ActivityRegistry.CreateDefault() });
        var flow = engine.Compile(FlowJson.Parse(Flow));
        var input = new JsonObject { ["order"] = new JsonObject { ["n"] = 1 } };
        var options = new RunOptions
        {
            TriggerPayload = new JsonObject { ["body"] = new JsonObject { ["a"] = 21 } },
            CorrelationId = "c-1",
            Properties = new Dictionary<string, string>(StringComparer.Ordinal) { ["p"] = "v" },
        };
        var inputBefore = input.ToJsonString();
        var payloadBefore = options.TriggerPayload.ToJsonString();

        var started = CountStarts(out var counter);
        var state = engine.CreateInstance(flow, input, options);
        var starting = state.ToJson();
        var result = await engine.ContinueAsync(flow, state);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
        state.ToJson().ShouldNotBe(starting);

        var again = engine.RecreateInstance(flow, input, options, state);

        again.ToJson().ShouldBe(starting);
        input.ToJsonString().ShouldBe(inputBefore);
        options.TriggerPayload.ToJsonString().ShouldBe(payloadBefore);
        counter.RecordObservableInstruments();
        started().ShouldBe(1);
        counter.Dispose();
    }

    /// <summary>Counts the runs started of this test's flow (other tests may run flows meanwhile).</summary>
    private static Func<long> CountStarts(out MeterListener listener)
    {
        long count = 0;
        listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == EngineTelemetry.Name && instrument.Name == "flowconnectors.runs.started") l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == EngineTelemetry.FlowTag && (string?)tag.Value == "recreate") Interlocked.Add(ref count, value);
        });
        listener.Start();
        return () => Interlocked.Read(ref count);
    }
}
