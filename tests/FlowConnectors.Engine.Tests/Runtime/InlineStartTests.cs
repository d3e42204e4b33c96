using Stopwatch = System.Diagnostics.Stopwatch;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>
/// A host may start a run on its caller's thread (no thread-pool hop for a run that ends at once): with
/// <see cref="FlowEngineOptions.YieldAfter"/> a run that computes longer hands the caller its task between two nodes.
/// </summary>
public sealed class InlineStartTests
{
    private const string Flow = """
        { "format": 1, "id": "inline",
          "nodes": [ { "id": "busy", "type": "Test.Busy", "inputs": {} }, { "id": "gate", "type": "Test.Gate", "inputs": {} } ],
          "connections": [ { "from": "busy:done", "to": "gate" } ] }
        """;

    /// <summary>Computes for 50 ms without awaiting.</summary>
    [Activity("Test.Busy", Category = "Test")]
    internal sealed class Busy : Activity
    {
        protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
        {
            var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 20;
            while (Stopwatch.GetTimestamp() < until) { }
            return ActivityResult.DoneTask;
        }
    }

    /// <summary>Blocks its thread until the test opens the gate (or a minute passes).</summary>
    [Activity("Test.Gate", Category = "Test")]
    internal sealed class Gate : Activity
    {
        internal static readonly ManualResetEventSlim Open = new();

        protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
        {
            if (!Open.Wait(TimeSpan.FromMinutes(1))) throw new TimeoutException("the gate was not opened");
            return ActivityResult.DoneTask;
        }
    }

    private static (FlowEngine Engine, CompiledFlow Flow) Compile(TimeSpan? yieldAfter)
    {
        var engine = new FlowEngine(new FlowEngineOptions { Registry = ActivityRegistry.CreateDefault().Add<Busy>().Add<Gate>(), YieldAfter = yieldAfter });
        return (engine, engine.Compile(FlowJson.Parse(Flow)));
    }

    [Fact]
    public async Task A_run_that_computes_past_YieldAfter_returns_its_task_to_the_caller_before_it_ends()
    {
        var (engine, flow) = Compile(TimeSpan.FromMilliseconds(1));

        // Started on this thread: without the yield after 'busy', 'gate' would block this very call.
        var run = engine.ContinueAsync(flow, engine.CreateInstance(flow, null));

        run.IsCompleted.ShouldBeFalse();
        Gate.Open.Set();
        var result = await run;
        result.Status.ShouldBe(FlowStatus.Finished);
        result.Journal.Select(e => e.NodeId).ShouldBe(["busy", "gate"]);
    }

    [Fact]
    public async Task Without_YieldAfter_a_run_that_never_awaits_ends_on_its_callers_thread()
    {
        var (engine, _) = Compile(null);
        var flow = engine.Compile(FlowJson.Parse("""
            { "format": 1, "id": "quick",
              "nodes": [ { "id": "busy", "type": "Test.Busy", "inputs": {} }, { "id": "done", "type": "NoOp", "inputs": {} } ],
              "connections": [ { "from": "busy:done", "to": "done" } ] }
            """));

        var run = engine.ContinueAsync(flow, engine.CreateInstance(flow, null));

        run.IsCompleted.ShouldBeTrue();
        (await run).Status.ShouldBe(FlowStatus.Finished);
    }
}
