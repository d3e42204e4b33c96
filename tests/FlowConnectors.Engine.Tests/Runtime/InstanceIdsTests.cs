using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>
/// Instance ids grow with the engine's clock (issue 15): the stores index instances and journals by id, and ids that
/// sort by creation time are appended where the last ones went instead of landing on a random page each.
/// </summary>
public sealed class InstanceIdsTests
{
    private const string Flow = """
        { "format": 1, "id": "ids", "nodes": [ { "id": "count", "type": "SetVariable", "inputs": { "name": "n", "value": 1 } } ],
          "connections": [], "variables": [ { "name": "n", "type": "number" } ] }
        """;

    private sealed class SteppingClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Ids_of_instances_created_later_sort_after_earlier_ones_whichever_way_they_were_started()
    {
        var clock = new SteppingClock(new DateTimeOffset(2026, 12, 4, 23, 0, 0, TimeSpan.Zero));
        var engine = new FlowEngine(new FlowEngineOptions { Registry = ActivityRegistry.CreateDefault(), Clock = clock });
        var flow = engine.Compile(FlowJson.Parse(Flow));
        var ids = new List<string>();
        for (var n = 0; n < 60; n++)
        {
            clock.Now += TimeSpan.FromMilliseconds(1);
            if (n % 2 == 0) ids.Add(engine.CreateInstance(flow, null).InstanceId);
            else
            {
                var run = await engine.RunAsync(flow);
                run.Status.ShouldBe(FlowStatus.Finished, run.Fault?.Message);
                ids.Add(run.State.InstanceId);
            }
        }

        ids.ShouldAllBe(id => id.Length == 32 && id.All(char.IsAsciiHexDigitLower));
        ids.Distinct().Count().ShouldBe(ids.Count);
        ids.ShouldBe(ids.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void Ids_made_in_the_same_millisecond_are_still_unique()
    {
        var now = new DateTimeOffset(2026, 12, 4, 23, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 10_000).Select(_ => InstanceIds.New(now)).ToList();
        ids.Distinct().Count().ShouldBe(10_000);
        var millisecond = ids[0].Substring(0, 12);
        ids.ShouldAllBe(id => id.StartsWith(millisecond, StringComparison.Ordinal));
    }
}
