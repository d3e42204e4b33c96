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
    public void Ids_are_version_7_uuids_of_the_given_millisecond_as_Guid_CreateVersion7_lays_them_out()
    {
        foreach (var now in new[]
                 {
                     DateTimeOffset.UnixEpoch, new DateTimeOffset(2026, 12, 5, 2, 30, 0, 123, TimeSpan.Zero),
                     new DateTimeOffset(2026, 12, 5, 3, 30, 0, 456, TimeSpan.FromHours(1)), DateTimeOffset.MaxValue,
                 })
        {
            var reference = Guid.CreateVersion7(now).ToString("N");
            for (var n = 0; n < 100; n++)
            {
                var id = InstanceIds.New(now);
                id.Length.ShouldBe(32);
                id.ShouldAllBe(c => char.IsAsciiHexDigitLower(c));
                var guid = Guid.ParseExact(id, "N");
                guid.Version.ShouldBe(7);
                (guid.Variant >> 2).ShouldBe(0b10);
                id[..12].ShouldBe(reference[..12]);
                id[..12].ShouldBe(now.ToUnixTimeMilliseconds().ToString("x12"));
            }
        }
        Should.Throw<ArgumentOutOfRangeException>(() => InstanceIds.New(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
    }

    [Fact]
    public async Task Ids_made_on_many_threads_at_once_are_unique_and_their_random_bits_vary()
    {
        var now = new DateTimeOffset(2026, 12, 5, 2, 30, 0, TimeSpan.Zero);
        var perThread = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Enumerable.Range(0, 5_000).Select(_ => InstanceIds.New(now)).ToList())));
        var ids = perThread.SelectMany(list => list).ToList();
        ids.Distinct().Count().ShouldBe(ids.Count);
        // Every one of the 74 random bits is 0 in some ids and 1 in others (a constant or repeated block would not be).
        var bits = ids.Select(id => Guid.ParseExact(id, "N").ToByteArray(bigEndian: true)).ToList();
        foreach (var (index, mask) in RandomBits())
        {
            bits.ShouldContain(b => (b[index] & mask) != 0, $"byte {index} mask {mask:x2} is never 1");
            bits.ShouldContain(b => (b[index] & mask) == 0, $"byte {index} mask {mask:x2} is never 0");
        }
    }

    private static IEnumerable<(int Index, int Mask)> RandomBits()
    {
        for (var bit = 0; bit < 4; bit++) yield return (6, 1 << bit);
        for (var bit = 0; bit < 8; bit++) yield return (7, 1 << bit);
        for (var bit = 0; bit < 6; bit++) yield return (8, 1 << bit);
        for (var index = 9; index < 16; index++)
            for (var bit = 0; bit < 8; bit++) yield return (index, 1 << bit);
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
        ids.Where(id => !id.StartsWith("000000000000", StringComparison.Ordinal))
            .ShouldAllBe(id => Guid.ParseExact(id, "N").Version == 4 && (Guid.ParseExact(id, "N").Variant >> 2) == 0b10);
    }
}
