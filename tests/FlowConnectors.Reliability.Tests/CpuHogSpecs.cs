using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace FlowConnectors.Reliability.Tests;

/// <summary>Flows that compute without end: stopped by their run budget, visible and cancellable, and the API keeps answering.</summary>
/// <remarks>
/// One server for the three specs (a start costs about 4.5 s of CPU): each spec waits until every run it started has
/// ended (faulted by its budget or cancelled), so the next finds no run of its own flow still going.
/// </remarks>
[Collection(HeavyLoad.Name)]
public sealed class CpuHogSpecs(CpuHogSpecs.HogServer fixture, ITestOutputHelper output) : IClassFixture<CpuHogSpecs.HogServer>
{
    private static readonly Dictionary<string, string> Budget = DurabilityFlows.Settings(
        ("FlowConnectors__RunTimeout", "00:00:06"), ("FlowConnectors__SyncTimeout", "00:00:30"));

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>
    /// How long each step of a hog computes. Short enough that a step stays far under the script statement limit (1,000,000)
    /// also once the server's JIT is warm: with 300 ms steps a warm server counted past the limit within a step, and the
    /// hog was stopped by the statement limit in 0.6 s instead of by its run budget (as a faster machine would do too).
    /// </summary>
    private const int StepMs = 50;

    /// <summary>
    /// The hog flows: three, so that six hogs all compute at once (two per flow, the default per-flow limit on 2 cores)
    /// instead of two at a time while four wait for a slot.
    /// </summary>
    private static readonly string[] HogFlows = ["hog-1", "hog-2", "hog-3"];

    /// <summary>The server of the class: the flows hog-1…3 (at POST /hooks/hog-1…3) and spin, a 6 s run budget.</summary>
    public sealed class HogServer : IAsyncLifetime
    {
        internal ServerProcess Server { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Server = await ServerProcess.StartAsync(DurabilityFlows.Folder(
                [.. HogFlows.Select(id => DurabilityFlows.Spin(id, stepMs: StepMs, hookPath: id)), DurabilityFlows.Spin("spin", stepMs: StepMs)]), Budget);

        public async Task DisposeAsync()
        {
            if (Server is not null) await Server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_sync_run_answers_at_its_timeout_and_the_hog_is_stopped_by_its_budget()
    {
        var server = fixture.Server;
        using var run = await server.Client.PostAsync("api/flows/spin/run", Json("""{"timeoutSeconds":2}"""));
        var body = JsonNode.Parse(await run.Content.ReadAsStringAsync())!;
        run.StatusCode.ShouldBe(HttpStatusCode.Accepted, body.ToJsonString());
        var id = (string)body["instanceId"]!;
        // Answered while the run goes on: it is listed as running.
        var running = await server.GetJsonAsync("api/instances?status=running&flowId=spin");
        running.AsArray().Select(i => (string?)i!["instanceId"]).ShouldContain(id);

        JsonNode instance = null!;
        await CrashSpecs.Eventually(async () => (string?)(instance = await server.GetJsonAsync($"api/instances/{id}"))["status"] == "faulted",
            "the budget stops the run", TimeSpan.FromSeconds(90));
        output.WriteLine(instance["fault"]!.ToJsonString());
        ((string)instance["fault"]!["message"]!).ShouldContain("time budget of 00:00:06");
    }

    [Fact]
    public async Task While_six_hogs_run_the_management_api_answers_before_they_end()
    {
        var server = fixture.Server;
        // Six runs that compute, more than the machine has cores, all at once: two of each hog flow.
        var hogs = Enumerable.Range(0, 6).Select(async i =>
        {
            using var response = await server.Anonymous.PostAsync($"hooks/{HogFlows[i % HogFlows.Length]}", Json("{}"));
            return (int)response.StatusCode;
        }).ToList();
        // The hogs are running (one of them is listed) before the probe.
        await CrashSpecs.Eventually(async () => (await RunsOfHogsAsync(server, "&status=running")).Count > 0,
            "a hog is listed as running", TimeSpan.FromSeconds(60));

        var watch = Stopwatch.StartNew();
        using var probe = await server.Client.GetAsync("api/flows");
        watch.Stop();
        var hogsEndedBeforeProbe = hogs.Count(h => h.IsCompleted);
        output.WriteLine($"GET /api/flows answered {(int)probe.StatusCode} in {watch.Elapsed.TotalMilliseconds:0} ms while 6 hogs ran ({hogsEndedBeforeProbe} had ended)");
        probe.StatusCode.ShouldBe(HttpStatusCode.OK);
        hogsEndedBeforeProbe.ShouldBeLessThan(6);

        // Each hog ends by its budget: faulted, answered 422 within the sync timeout, or 202 if it queued past it.
        var statuses = await Task.WhenAll(hogs);
        output.WriteLine("hook answers: " + string.Join(", ", statuses));
        statuses.ShouldAllBe(s => s == 422 || s == 202);
        await CrashSpecs.Eventually(async () => await RunsOfHogsAsync(server, "") is { Count: 6 } runs && runs.All(i => (string?)i!["status"] == "faulted"),
            "all six hogs are stopped by their budget", TimeSpan.FromSeconds(120));
    }

    private static async Task<List<JsonNode?>> RunsOfHogsAsync(ServerProcess server, string query)
    {
        var runs = new List<JsonNode?>();
        foreach (var flow in HogFlows) runs.AddRange((await server.GetJsonAsync($"api/instances?flowId={flow}{query}")).AsArray());
        return runs;
    }

    [Fact]
    public async Task A_running_hog_is_listed_and_cancel_stops_it()
    {
        var server = fixture.Server;
        // A synchronous run: stored once it outlasts the visibility threshold, so its id can be found and cancelled.
        var run = server.Client.PostAsync("api/flows/spin/run", Json("""{"timeoutSeconds":60}"""));
        string? id = null;
        await CrashSpecs.Eventually(async () =>
        {
            var running = (await server.GetJsonAsync("api/instances?status=running&flowId=spin")).AsArray();
            id = running.Count > 0 ? (string?)running[0]!["instanceId"] : null;
            return id is not null;
        }, "the sync run is listed as running", TimeSpan.FromSeconds(30));

        using var cancel = await server.Client.PostAsync($"api/instances/{id}/cancel", null);
        cancel.StatusCode.ShouldBe(HttpStatusCode.OK, await cancel.Content.ReadAsStringAsync());
        using var answer = await run;
        var body = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
        output.WriteLine(body.ToJsonString());
        ((string?)body["status"]).ShouldBe("cancelled");
        ((string?)(await server.GetJsonAsync($"api/instances/{id}"))["status"]).ShouldBe("cancelled");

        // An asynchronous one likewise.
        using var started = await server.Client.PostAsync("api/flows/spin/run", Json("""{"mode":"async"}"""));
        var asyncId = (string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["instanceId"]!;
        using var cancelAsync = await server.Client.PostAsync($"api/instances/{asyncId}/cancel", null);
        cancelAsync.StatusCode.ShouldBe(HttpStatusCode.OK);
        ((string?)(await server.GetJsonAsync($"api/instances/{asyncId}"))["status"]).ShouldBe("cancelled");
        using var again = await server.Client.PostAsync($"api/instances/{asyncId}/cancel", null);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }
}
