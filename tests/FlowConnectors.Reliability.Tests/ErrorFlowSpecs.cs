using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace FlowConnectors.Reliability.Tests;

/// <summary>
/// README "Error flows": an error flow starts exactly once per unhandled fault, also when the process is killed between
/// saving the fault and starting the error flow (the pending start is saved with the fault and started after the restart).
/// </summary>
public sealed class ErrorFlowSpecs(ITestOutputHelper output)
{
    private const string Failing = """
        { "format": 1, "id": "fault-burst", "start": "boom",
          "inputs": [ { "name": "key", "type": "string", "required": true } ],
          "nodes": [ { "id": "boom", "type": "Fail", "inputs": { "message": { "js": "'vendor refused ' + input.key" } } } ],
          "connections": [],
          "errorFlow": "count-fault" }
        """;

    private const string Counter = """
        { "format": 1, "id": "count-fault",
          "outputs": [ { "name": "of", "type": "string" }, { "name": "reason", "type": "string" } ],
          "nodes": [
            { "id": "trigger", "type": "ErrorTrigger" },
            { "id": "of", "type": "SetOutput", "inputs": { "name": "of", "value": { "js": "nodes.trigger.instance.id" } } },
            { "id": "reason", "type": "SetOutput", "inputs": { "name": "reason", "value": { "js": "nodes.trigger.reason" } } } ],
          "connections": [ { "from": "trigger:done", "to": "of" }, { "from": "of:done", "to": "reason" } ] }
        """;

    [Fact]
    public async Task Every_unhandled_fault_starts_its_error_flow_exactly_once_across_a_kill_during_a_burst_of_faults()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var server = await ServerProcess.StartAsync(DurabilityFlows.Folder(("fault-burst", Failing), ("count-fault", Counter)), DurabilityFlows.Settings());

        // A burst of faulting runs, synchronous (fault saved with the instance in one insert) and asynchronous (saved over
        // the stored instance), killed with SIGKILL half-way through while starts are in flight.
        const int Runs = 60;
        var acknowledged = new ConcurrentBag<string>();
        var refused = new ConcurrentBag<string>();
        var sent = 0;
        using var killed = new CancellationTokenSource();
        async Task SendAsync()
        {
            while (!killed.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref sent);
                if (n > Runs) return;
                var mode = n % 2 == 0 ? "sync" : "async";
                try
                {
                    using var answer = await server.Client.PostAsync("api/flows/fault-burst/run",
                        new StringContent($$"""{"inputs":{"key":"k{{n}}"},"mode":"{{mode}}"}""", Encoding.UTF8, "application/json"), killed.Token);
                    var text = await answer.Content.ReadAsStringAsync(killed.Token);
                    if (answer.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted) acknowledged.Add((string)JsonNode.Parse(text)!["instanceId"]!);
                    else refused.Add($"{(int)answer.StatusCode} {text}");
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException) { return; }
                if (acknowledged.Count >= Runs / 2 && !killed.IsCancellationRequested)
                {
                    server.Kill();
                    await killed.CancelAsync();
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(SendAsync)));
        server.Kill();
        output.WriteLine($"{acknowledged.Count} runs acknowledged before the kill; refused: {string.Join(" | ", refused.Take(3))}");
        acknowledged.Count.ShouldBeGreaterThanOrEqualTo(Runs / 2);

        await server.StartAgainAsync();

        // Every faulted instance (acknowledged or not) has exactly one error-flow instance, and there are no others.
        List<string> faulted = [];
        Dictionary<string, int> reports = [];
        await CrashSpecs.Eventually(async () =>
        {
            var instances = (await server.GetJsonAsync("api/instances?flowId=fault-burst&take=1000")).AsArray();
            if (instances.Any(i => (string?)i!["status"] != "faulted")) return false;
            faulted = instances.Select(i => (string)i!["instanceId"]!).ToList();
            reports = await ReportsAsync(server);
            return faulted.All(reports.ContainsKey) && acknowledged.All(faulted.Contains);
        }, "every faulted instance has its error flow", TimeSpan.FromSeconds(120),
            () => $"{faulted.Count} faulted, {reports.Count} reported; missing: {string.Join(", ", faulted.Where(f => !reports.ContainsKey(f)).Take(5))}");

        // A few more passes of the inbox worker start nothing more.
        await Task.Delay(TimeSpan.FromSeconds(1));
        reports = await ReportsAsync(server);
        reports.Count.ShouldBe(faulted.Count);
        reports.Values.ShouldAllBe(count => count == 1);
        output.WriteLine($"{faulted.Count} faults, {reports.Values.Sum()} error-flow starts; {clock.Elapsed.TotalSeconds:0.0} s in all");
    }

    /// <summary>Faulted instance id → how many finished error-flow instances report it.</summary>
    private static async Task<Dictionary<string, int>> ReportsAsync(ServerProcess server)
    {
        var reports = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var summary in (await server.GetJsonAsync("api/instances?flowId=count-fault&take=1000")).AsArray())
        {
            if ((string?)summary!["status"] != "finished") continue;
            var instance = await server.GetJsonAsync($"api/instances/{(string)summary["instanceId"]!}");
            var of = (string?)instance["outputs"]?["of"] ?? "(none)";
            ((string?)instance["outputs"]?["reason"]).ShouldBe("fault");
            reports[of] = reports.GetValueOrDefault(of) + 1;
        }
        return reports;
    }
}
