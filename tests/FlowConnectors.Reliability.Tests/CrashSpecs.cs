using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace FlowConnectors.Reliability.Tests;

/// <summary>
/// kill -9 in the middle of 500 asynchronous starts of Delay, event and callback flows: nothing acknowledged is
/// lost, every instance finishes, and each side effect happens once at the receiver.
/// </summary>
[Collection(HeavyLoad.Name)]
public sealed class CrashSpecs(ITestOutputHelper output)
{
    private const int Starts = 500;
    private static readonly string[] FlowIds = ["crash-delay", "crash-event", "crash-callback"];

    [Fact]
    public async Task Kill_9_during_500_starts_loses_no_acknowledged_instance_and_repeats_no_side_effect()
    {
        var clock = Stopwatch.StartNew();
        await using var stub = await EffectStub.StartAsync();
        var flows = DurabilityFlows.Folder(DurabilityFlows.Delay(stub.EffectUrl), DurabilityFlows.Event(stub.EffectUrl), DurabilityFlows.Callback(stub.EffectUrl));
        await using var server = await ServerProcess.StartAsync(flows, DurabilityFlows.Settings());

        // key → (flow, instance id) for every start the server acknowledged with 2xx.
        var acknowledged = new ConcurrentDictionary<string, (string Flow, string Instance)>(StringComparer.Ordinal);
        var killed = 0;
        var killedAt = DateTime.MaxValue;
        var next = 0;
        async Task StartOneAsync(int n, string suffix)
        {
            var flow = FlowIds[n % FlowIds.Length];
            var key = $"k{n}{suffix}";
            try
            {
                using var response = await server.Client.PostAsync($"api/flows/{flow}/run",
                    new StringContent($$"""{"inputs":{"key":"{{key}}"},"mode":"async"}""", Encoding.UTF8, "application/json"));
                if (!response.IsSuccessStatusCode) return;
                var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                acknowledged[key] = (flow, (string)body["instanceId"]!);
            }
            catch (HttpRequestException) { /* not acknowledged: the client retries it after the restart */ }
            catch (TaskCanceledException) { }
        }

        // 16 clients at a time until the process dies. The crash comes once 40 % are acknowledged and some
        // callback flows have handed out their URL, while further starts are in flight.
        var clients = Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (Volatile.Read(ref killed) == 0 && Interlocked.Increment(ref next) is var n && n <= Starts) await StartOneAsync(n, "");
        }));
        while (!(acknowledged.Count >= Starts * 2 / 5 && stub.CallbackUrls.Count >= 3))
        {
            (clock.Elapsed < TimeSpan.FromMinutes(4)).ShouldBeTrue($"no crash point: {acknowledged.Count} acknowledged, {stub.CallbackUrls.Count} callback URLs");
            await Task.Delay(20);
        }
        killedAt = DateTime.UtcNow;
        Volatile.Write(ref killed, 1);
        server.Kill();
        await clients;
        var beforeCrash = acknowledged.Count;
        var urlsBeforeCrash = stub.CallbackUrls.Count(c => c.Value.TryPeek(out var first) && first.At < killedAt);
        output.WriteLine($"killed after {beforeCrash} acknowledged starts ({clock.Elapsed.TotalSeconds:0.0} s); {stub.Deliveries.Count} POSTs and " +
                         $"{urlsBeforeCrash} callback URLs received before");

        await server.StartAgainAsync();
        output.WriteLine($"restarted at {clock.Elapsed.TotalSeconds:0.0} s");
        // What was not acknowledged is started again (new keys), until 500 are acknowledged.
        var retry = Starts;
        while (acknowledged.Count < Starts)
        {
            await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
            {
                while (acknowledged.Count < Starts) await StartOneAsync(Interlocked.Increment(ref retry), "r");
            }));
        }
        acknowledged.Count.ShouldBeGreaterThanOrEqualTo(Starts);

        // Events for the event flows; callbacks to the first URL each callback flow handed out (before the crash, for some).
        foreach (var (key, _) in acknowledged.Where(a => a.Value.Flow == "crash-event"))
        {
            using var sent = await server.Client.PostAsync("api/events", new StringContent(new JsonObject { ["event"] = "crash-go", ["correlationId"] = key, ["payload"] = new JsonObject { ["n"] = 1 } }.ToJsonString(), Encoding.UTF8, "application/json"));
            sent.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }
        var callbackKeys = acknowledged.Where(a => a.Value.Flow == "crash-callback").Select(a => a.Key).ToList();
        await Eventually(() => callbackKeys.All(stub.CallbackUrls.ContainsKey), "every callback flow hands out its URL", TimeSpan.FromSeconds(120));
        foreach (var key in callbackKeys)
        {
            var urls = stub.CallbackUrls[key].Select(u => u.Url).Distinct().ToList();
            urls.Count.ShouldBe(1, $"{key} handed out different callback URLs: {string.Join(", ", urls)}");
            using var called = await server.Anonymous.PostAsync(new Uri(urls[0]).PathAndQuery.TrimStart('/'),
                new StringContent("""{"ok":true}""", Encoding.UTF8, "application/json"));
            called.StatusCode.ShouldBe(HttpStatusCode.Accepted, $"{key}: {await called.Content.ReadAsStringAsync()}");
        }

        // Every acknowledged instance finishes.
        Dictionary<string, string> statuses = [];
        await Eventually(async () =>
        {
            statuses = await StatusesAsync(server);
            return acknowledged.Values.All(a => statuses.GetValueOrDefault(a.Instance) == "finished");
        }, "every acknowledged instance finishes", TimeSpan.FromSeconds(240),
            () => string.Join(", ", acknowledged.Values.Where(a => statuses.GetValueOrDefault(a.Instance) != "finished").Take(10)
                .Select(a => $"{a.Instance} ({a.Flow}): {statuses.GetValueOrDefault(a.Instance) ?? "missing"}")));

        var duplicates = acknowledged.Keys.Count(k => stub.DeliveriesOf(k + ":before") > 1);
        foreach (var key in acknowledged.Keys)
        {
            // At least once per node: a run cut by the crash sends its first POST again, with the same Idempotency-Key.
            stub.DeliveriesOf(key + ":before").ShouldBeGreaterThanOrEqualTo(1, key);
            stub.Applied.GetValueOrDefault(key + ":before").ShouldBe(1, key);
            // After the restart nothing crashed: the POST after the wait happened exactly once.
            stub.DeliveriesOf(key + ":after").ShouldBe(1, key);
            stub.Applied.GetValueOrDefault(key + ":after").ShouldBe(1, key);
        }
        urlsBeforeCrash.ShouldBeGreaterThan(0, "the crash should come after some callback URLs were handed out");
        output.WriteLine($"{acknowledged.Count} acknowledged, 0 lost, all finished; {duplicates} first POSTs sent again after the crash (same key, applied once); " +
                         $"{clock.Elapsed.TotalSeconds:0.0} s in all");
    }

    private static async Task<Dictionary<string, string>> StatusesAsync(ServerProcess server)
    {
        var statuses = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var flow in FlowIds)
            foreach (var instance in (await server.GetJsonAsync($"api/instances?flowId={flow}&take=1000")).AsArray())
                statuses[(string)instance!["instanceId"]!] = (string)instance["status"]!;
        return statuses;
    }

    private static Task Eventually(Func<bool> condition, string what, TimeSpan timeout) =>
        Eventually(() => Task.FromResult(condition()), what, timeout);

    internal static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan timeout, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new ShouldAssertException($"{what}: not within {timeout.TotalSeconds:0} s. {describe?.Invoke()}");
            await Task.Delay(100);
        }
    }
}

/// <summary>
/// Specs that load the machine (CPU hogs) or measure recovery under load (the crash spec) run one after the
/// other, not beside each other: on a 2-core machine six hogs would starve the crash spec's recovery.
/// </summary>
[CollectionDefinition(Name)]
public sealed class HeavyLoad
{
    public const string Name = "heavy load";
}
