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

    [Fact]
    public void An_instance_id_is_a_version_7_uuid_of_its_creation_millisecond()
    {
        var now = new DateTimeOffset(2026, 12, 5, 2, 40, 0, 123, TimeSpan.Zero);
        foreach (var id in Enumerable.Range(0, 200).Select(_ => InstanceIds.New(now)))
        {
            var uuid = Guid.ParseExact(id, "N");
            uuid.Version.ShouldBe(7);
            (uuid.Variant & 0xC).ShouldBe(0x8, id);
            Convert.ToInt64(id[..12], 16).ShouldBe(now.ToUnixTimeMilliseconds());
            // The same layout as the runtime's own version-7 UUIDs: they differ only in the random bits.
            Guid.CreateVersion7(now).ToString("N")[..13].ShouldBe(id[..13]);
        }
    }

    [Fact]
    public void Random_ids_are_version_4_uuids_unique_across_threads()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (var n = 0; n < 2_000; n++) ids.Add(n % 2 == 0 ? InstanceIds.NewRandom() : InstanceIds.New(DateTimeOffset.UnixEpoch));
        });

        ids.Count.ShouldBe(16_000);
        ids.Distinct().Count().ShouldBe(16_000);
        ids.Where(id => id.StartsWith("000000000000", StringComparison.Ordinal)).ShouldAllBe(id => Guid.ParseExact(id, "N").Version == 7);
        ids.Where(id => !id.StartsWith("000000000000", StringComparison.Ordinal)).ShouldAllBe(id => Guid.ParseExact(id, "N").Version == 4 && (Guid.ParseExact(id, "N").Variant & 0xC) == 0x8);
    }

    [Fact]
    public void A_time_before_1970_is_refused_as_version_7_uuids_refuse_it()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => InstanceIds.New(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
    }
}
