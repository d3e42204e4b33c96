using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using Xunit.Abstractions;
using FlowConnectors.Tests.Shared;

namespace FlowConnectors.Reliability.Tests;

/// <summary>
/// Issue 16: retention (pruning ended runs) runs once across the cluster, not once per node. Three server processes on
/// one PostgreSQL database, retention every second and at most 5 ended runs per flow: every pass that deleted anything
/// was run by one node, the one holding the cluster's retention lock; when that node stops, another takes the passes
/// over. Needs FLOWCONNECTORS_TEST_POSTGRES (`source scripts/postgres.sh`).
/// </summary>
public sealed partial class ClusterRetentionSpecs(ITestOutputHelper output)
{
    private const int KeptRuns = 5;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [GeneratedRegex(@"retention: deleted (\d+) runs, .*\(pass run by node (node-[a-z])\)")]
    private static partial Regex PassLine();

    private const string Flow = """
        { "format": 1, "id": "retained", "outputs": [ { "name": "v", "type": "number" } ],
          "nodes": [ { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "retained", "methods": [ "POST" ] } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "v", "value": 1 } } ],
          "connections": [ { "from": "hook:done", "to": "out" } ] }
        """;

    [Fact]
    public async Task Only_the_node_holding_the_retention_lock_deletes_and_another_takes_over_when_it_stops()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("fc_cluster_retention_");
        Dictionary<string, string> Settings(string node) => new()
        {
            ["FlowConnectors__Database"] = "postgres",
            ["FlowConnectors__ConnectionString"] = connectionString,
            ["FlowConnectors__NodeId"] = node,
            ["FlowConnectors__Retention__Interval"] = "00:00:01",
            ["FlowConnectors__Retention__MaxRunsPerFlow"] = KeptRuns.ToString(),
        };
        string[] names = ["node-a", "node-b", "node-c"];
        var starting = names.Select(node => ServerProcess.StartAsync(settings: Settings(node))).ToList();
        try
        {
            var nodes = (await Task.WhenAll(starting)).ToList();
            using (var published = await nodes[0].Client.PostAsync("api/flows?publish=true", new StringContent(Flow, Encoding.UTF8, "application/json")))
                published.IsSuccessStatusCode.ShouldBeTrue(await published.Content.ReadAsStringAsync());

            // 30 runs through all three nodes in turn; retention brings them down to the newest 5.
            await RunAsync(nodes, 30);
            (await WaitForAsync(async () => await EndedRunsAsync(nodes[1]) <= KeptRuns)).ShouldBeTrue("retention did not bring the runs down to 5");
            // A pass writes its line after its last delete.
            (await WaitForAsync(() => Task.FromResult(Passes(nodes).Sum(p => p.Deleted) >= 30 - KeptRuns))).ShouldBeTrue(string.Join("; ", Passes(nodes)));
            var passes = Passes(nodes);
            output.WriteLine($"first phase: {passes.Count} passes deleted runs, by {string.Join(", ", passes.Select(p => p.Node).Distinct())}");
            passes.ShouldNotBeEmpty();
            var holder = passes.Select(p => p.Node).Distinct().ShouldHaveSingleItem();
            passes.Sum(p => p.Deleted).ShouldBe(30 - KeptRuns);
            nodes.SelectMany(n => n.Output).Count(l => l.Contains("took the cluster's retention lock", StringComparison.Ordinal)).ShouldBe(1);

            // The holder stops (SIGTERM releases the lock); one of the two others takes the passes over.
            var stopped = nodes[Array.IndexOf(names, holder)];
            await stopped.StopAsync();
            var others = nodes.Where(n => n != stopped).ToList();
            await RunAsync(others, 10);
            (await WaitForAsync(async () => await EndedRunsAsync(others[0]) <= KeptRuns)).ShouldBeTrue("retention did not continue after the holder stopped");
            (await WaitForAsync(() => Task.FromResult(Passes(others).Sum(p => p.Deleted) >= 10))).ShouldBeTrue(string.Join("; ", Passes(others)));
            var later = Passes(others);
            output.WriteLine($"after {holder} stopped: {later.Count} passes deleted runs, by {string.Join(", ", later.Select(p => p.Node).Distinct())}");
            later.Select(p => p.Node).Distinct().ShouldHaveSingleItem().ShouldNotBe(holder);
            later.Sum(p => p.Deleted).ShouldBe(10);
        }
        finally
        {
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully)) await (await started).DisposeAsync();
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    private static async Task RunAsync(IReadOnlyList<ServerProcess> nodes, int runs)
    {
        for (var i = 0; i < runs; i++)
        {
            using var response = await nodes[i % nodes.Count].Anonymous.PostAsync("hooks/retained", new StringContent("{}", Encoding.UTF8, "application/json"));
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }
    }

    private static async Task<int> EndedRunsAsync(ServerProcess node) =>
        (await node.GetJsonAsync("api/instances?flowId=retained&take=1000")).AsArray().Count;

    private static List<(string Node, int Deleted)> Passes(IEnumerable<ServerProcess> nodes) =>
        nodes.SelectMany(n => n.Output).Select(l => PassLine().Match(l)).Where(m => m.Success)
            .Select(m => (m.Groups[2].Value, int.Parse(m.Groups[1].Value))).ToList();

    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            if (await condition()) return true;
            await Task.Delay(200);
        }
        return await condition();
    }
}
