using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Xunit.Abstractions;
using FlowConnectors.Tests.Shared;

namespace FlowConnectors.Reliability.Tests;

/// <summary>
/// Issue 16, shared state: three server processes on one PostgreSQL database serve any request whichever node took
/// the change. Connectors, the data-protection key ring, sign-in links and sessions, callback signatures and the
/// caches of published flows and triggers are the cluster's, not a node's. Propagation times are measured and
/// written to the test output, never asserted. Needs FLOWCONNECTORS_TEST_POSTGRES (`source scripts/postgres.sh`).
/// </summary>
public sealed partial class ClusterStateSpecs(ClusterStateSpecs.Cluster cluster, ITestOutputHelper output) : IClassFixture<ClusterStateSpecs.Cluster>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_connector_installed_through_one_node_is_usable_on_another_at_once()
    {
        var key = "cluster-use-" + Guid.NewGuid().ToString("N")[..6];
        await InstallConnectorAsync(cluster.A, key);
        var installed = Stopwatch.StartNew();
        var seen = await WaitForAsync(async () =>
        {
            using var response = await cluster.B.Client.GetAsync($"api/connectors/{key}");
            return response.StatusCode == HttpStatusCode.OK;
        });
        output.WriteLine($"connector installed on A was served by B after {installed.ElapsedMilliseconds} ms, at {DateTime.UtcNow:HH:mm:ss.fff}");
        foreach (var line in cluster.B.Output.Where(l => l.Contains(key, StringComparison.Ordinal))) output.WriteLine("B: " + line);
        seen.ShouldBeTrue($"connector {key} installed through A never appeared on B");

        // Usable, not only listed: B runs its authentication check against the vendor with a connection made on B.
        var before = cluster.Vendor.Received.Count;
        await CreateConnectionAsync(cluster.B, key, "conn-" + key, "token-on-b");
        using var test = await cluster.B.Client.PostAsync($"api/connections/conn-{key}/test", null);
        var tested = await test.Content.ReadAsStringAsync();
        test.StatusCode.ShouldBe(HttpStatusCode.OK, tested);
        SentToken(before, "token-on-b").ShouldBeTrue(tested + " / " + Seen(before));
    }

    [Fact]
    public async Task A_connection_created_on_one_node_is_decrypted_and_tested_on_another()
    {
        var key = "cluster-conn-" + Guid.NewGuid().ToString("N")[..6];
        var clock = Stopwatch.StartNew();
        await InstallConnectorAsync(cluster.A, key);
        output.WriteLine($"install on A: {clock.ElapsedMilliseconds} ms, returned at {DateTime.UtcNow:HH:mm:ss.fff}");
        clock.Restart();
        (await WaitForAsync(async () => (await cluster.C.Client.GetAsync($"api/connectors/{key}")).StatusCode == HttpStatusCode.OK)).ShouldBeTrue();
        output.WriteLine($"connector seen on C after {clock.ElapsedMilliseconds} ms, at {DateTime.UtcNow:HH:mm:ss.fff}");
        // What C did meanwhile, its lines timestamped (UTC), to tell the notification's delay from the load's.
        foreach (var line in cluster.C.Output.TakeLast(30)) output.WriteLine("C: " + line);
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        clock.Restart();
        await CreateConnectionAsync(cluster.A, key, "conn-" + key, secret);
        output.WriteLine($"connection created (and tested) on A: {clock.ElapsedMilliseconds} ms");
        clock.Restart();

        var before = cluster.Vendor.Received.Count;
        using var test = await cluster.C.Client.PostAsync($"api/connections/conn-{key}/test", null);
        var text = await test.Content.ReadAsStringAsync();
        test.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        output.WriteLine($"connection tested on C: {clock.ElapsedMilliseconds} ms");
        // C could only send the secret A encrypted by decrypting it with the key ring they share.
        SentToken(before, secret).ShouldBeTrue(text + " / " + Seen(before));
        text.ShouldNotContain(secret);
    }

    [Fact]
    public async Task A_flow_published_on_one_node_is_run_by_a_webhook_trigger_on_another()
    {
        var id = "cluster-hook-" + Guid.NewGuid().ToString("N")[..6];
        // A has looked the hook up before it exists: its trigger cache holds "nobody listens".
        using (var early = await cluster.A.Anonymous.PostAsync($"hooks/{id}", Json("{}"))) early.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        await PublishAsync(cluster.B, HookFlow(id, 1));
        var published = Stopwatch.StartNew();
        var call = new Stopwatch();
        (await WaitForAsync(async () => { call.Restart(); return await HookVersionAsync(cluster.A, id) == 1; })).ShouldBeTrue("A never ran the flow B published");
        output.WriteLine($"new flow published on B: its webhook trigger ran on A after {published.ElapsedMilliseconds} ms (the request that ran it took {call.ElapsedMilliseconds} ms)");

        // A now caches version 1 as the published one; B publishes version 2.
        await PublishAsync(cluster.B, HookFlow(id, 2));
        var republished = Stopwatch.StartNew();
        (await WaitForAsync(async () => { call.Restart(); return await HookVersionAsync(cluster.A, id) == 2; })).ShouldBeTrue("A kept running the version it had cached");
        output.WriteLine($"version 2 published on B: A ran it after {republished.ElapsedMilliseconds} ms (the request that ran it took {call.ElapsedMilliseconds} ms)");
    }

    [Fact]
    public async Task A_sign_in_link_printed_by_one_node_signs_in_on_another_and_the_session_works_on_a_third()
    {
        var link = cluster.A.Output.Select(line => line.Trim()).LastOrDefault(line => line.StartsWith("Sign in: ", StringComparison.Ordinal));
        link.ShouldNotBeNull("node A printed no sign-in link");
        var token = new Uri(link["Sign in: ".Length..].Split(' ')[0]).Query.TrimStart('?').Split('&').Single(p => p.StartsWith("token=", StringComparison.Ordinal))["token=".Length..];

        var cookies = new CookieContainer();
        using var onB = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = cluster.B.Address };
        using (var signIn = await onB.GetAsync($"signin?token={token}")) signIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        // Once, cluster-wide: the same link is refused on A.
        using (var onA = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = cluster.A.Address })
        using (var again = await onA.GetAsync($"signin?token={token}"))
            again.Headers.Location?.ToString().ShouldBe("/?signIn=failed&reason=link");

        var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
        foreach (Cookie cookie in cookies.GetCookies(cluster.B.Address)) handler.CookieContainer.Add(cluster.C.Address, new Cookie(cookie.Name, cookie.Value, "/"));
        using var onC = new HttpClient(handler) { BaseAddress = cluster.C.Address };
        var session = JsonNode.Parse(await onC.GetStringAsync("auth/session"))!;
        ((bool?)session["signedIn"]).ShouldBe(true, session.ToJsonString());
        ((string?)session["user"]?["userName"]).ShouldBe("owner");
    }

    [Fact]
    public async Task A_callback_url_made_on_one_node_resumes_the_instance_through_another()
    {
        var id = "cluster-cb-" + Guid.NewGuid().ToString("N")[..6];
        await PublishAsync(cluster.A, $$"""
            { "format": 1, "id": "{{id}}", "outputs": [ { "name": "url", "type": "string" }, { "name": "got", "type": "string" } ],
              "nodes": [ { "id": "create", "type": "CreateCallback" },
                         { "id": "url", "type": "SetOutput", "inputs": { "name": "url", "value": { "js": "nodes.create.url" } } },
                         { "id": "wait", "type": "WaitForCallback", "inputs": { "token": { "js": "nodes.create.token" } } },
                         { "id": "got", "type": "SetOutput", "inputs": { "name": "got", "value": { "js": "nodes.wait.payload.n" } } } ],
              "connections": [ { "from": "create:done", "to": "url" }, { "from": "url:done", "to": "wait" }, { "from": "wait:received", "to": "got" } ] }
            """);
        var clock = Stopwatch.StartNew();
        using var run = await cluster.A.Client.PostAsync($"api/flows/{id}/run", Json("""{ "mode": "async" }"""));
        var started = await run.Content.ReadAsStringAsync();
        run.StatusCode.ShouldBe(HttpStatusCode.Accepted, started);
        var instanceId = (string)JsonNode.Parse(started)!["instanceId"]!;
        string? callback = null;
        (await WaitForAsync(async () =>
        {
            var instance = await cluster.A.GetJsonAsync($"api/instances/{instanceId}");
            callback = (string?)instance["status"] == "suspended" ? (string?)instance["outputs"]?["url"] : null;
            return callback is not null;
        })).ShouldBeTrue($"instance {instanceId} never waited for its callback");
        var url = new Uri(callback!);
        output.WriteLine($"started on A and waiting: {clock.ElapsedMilliseconds} ms");
        clock.Restart();
        // The URL names A; B checks its signature with the key the nodes share.
        using (var answer = await cluster.B.Anonymous.PostAsync(url.PathAndQuery.TrimStart('/'), Json("""{ "n": "from-b" }""")))
            ((int)answer.StatusCode).ShouldBeInRange(200, 299, await answer.Content.ReadAsStringAsync());
        output.WriteLine($"callback answered by B: {clock.ElapsedMilliseconds} ms");
        clock.Restart();
        (await WaitForAsync(async () =>
        {
            var instance = await cluster.C.GetJsonAsync($"api/instances/{instanceId}");
            return (string?)instance["status"] == "finished" && (string?)instance["outputs"]?["got"] == "from-b";
        })).ShouldBeTrue($"instance {instanceId} did not finish after its callback went to B");
        output.WriteLine($"instance finished (seen on C) after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Every_node_answers_its_health_probes_without_credentials_and_names_itself_in_every_log_line()
    {
        output.WriteLine(cluster.StartTimes);
        foreach (var (node, name) in new[] { (cluster.A, "node-a"), (cluster.B, "node-b"), (cluster.C, "node-c") })
        {
            foreach (var probe in new[] { "health/live", "health/ready" })
            {
                using var response = await node.Anonymous.GetAsync(probe);
                var text = await response.Content.ReadAsStringAsync();
                response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{name} {probe}: {text}");
                ((string?)JsonNode.Parse(text)!["node"]).ShouldBe(name);
            }
            // The simple console formatter writes a line's scopes on the line after its level and category.
            var lines = node.Output.ToList();
            // These nodes prefix each line with its UTC time (see the fixture), then the level.
            var headers = Enumerable.Range(0, lines.Count - 1).Where(i => LogHeader().IsMatch(lines[i])).ToList();
            headers.Count.ShouldBeGreaterThan(3);
            headers.Where(i => !lines[i + 1].Contains($"=> node {name}", StringComparison.Ordinal)).Select(i => lines[i] + " / " + lines[i + 1]).ShouldBeEmpty();
        }
    }

    // --- helpers ---------------------------------------------------------------------------------

    [System.Text.RegularExpressions.GeneratedRegex(@"^(\d\d:\d\d:\d\d\.\d{3} )?(info|warn|fail): ")]
    private static partial System.Text.RegularExpressions.Regex LogHeader();

    /// <summary>Whether the vendor got a request carrying the token (after a token type such as Bearer, when the manifest sets one).</summary>
    private bool SentToken(int before, string token) =>
        cluster.Vendor.Received.Skip(before).Any(r => r.Headers.GetValueOrDefault("X-Api-Token") is { } value && (value == token || value.EndsWith(" " + token, StringComparison.Ordinal)));

    private string Seen(int before) =>
        "the vendor got: " + string.Join("; ", cluster.Vendor.Received.Skip(before).Select(r => $"{r.Method} {r.Path} X-Api-Token={r.Headers.GetValueOrDefault("X-Api-Token")}"));

    private async Task InstallConnectorAsync(ServerProcess node, string key)
    {
        using var response = await node.Client.PostAsync("api/connectors", Json($$"""
            { "key": "{{key}}", "baseUrl": "{{cluster.Vendor.Address.ToString().TrimEnd('/')}}", "authPingPath": "/me",
              "auth": { "kind": "apiKey", "parameter": "token", "in": "header", "name": "X-Api-Token" } }
            """));
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private static async Task CreateConnectionAsync(ServerProcess node, string connector, string id, string token)
    {
        using var response = await node.Client.PostAsync("api/connections", Json($$"""{ "id": "{{id}}", "connector": "{{connector}}", "values": { "token": "{{token}}" } }"""));
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private static async Task PublishAsync(ServerProcess node, string flow)
    {
        using var response = await node.Client.PostAsync("api/flows?publish=true", Json(flow));
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    private static string HookFlow(string id, int version) => $$"""
        { "format": 1, "id": "{{id}}", "outputs": [ { "name": "v", "type": "number" } ],
          "nodes": [ { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "{{id}}", "methods": [ "POST" ] } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "v", "value": {{version}} } } ],
          "connections": [ { "from": "hook:done", "to": "out" } ] }
        """;

    /// <summary>The version number the hook's flow answered with; 0 while no flow listens there.</summary>
    private static async Task<int> HookVersionAsync(ServerProcess node, string path)
    {
        using var response = await node.Anonymous.PostAsync($"hooks/{path}", Json("{}"));
        if (response.StatusCode == HttpStatusCode.NotFound) return 0;
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        var body = JsonNode.Parse(text)!;
        return (int?)(body["outputs"]?["v"] ?? body["v"]) ?? -1;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Polls <paramref name="condition"/> until it holds or <see cref="Patience"/> runs out.</summary>
    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Patience)
        {
            if (await condition()) return true;
            await Task.Delay(20);
        }
        return await condition();
    }

    /// <summary>Three nodes started together on a fresh database, a vendor stub; the database is dropped afterwards.</summary>
    public sealed class Cluster : IAsyncLifetime
    {
        /// <summary>The connection string of the cluster's database.</summary>
        private string? _database;

        internal ServerProcess A { get; private set; } = null!;
        internal ServerProcess B { get; private set; } = null!;
        internal ServerProcess C { get; private set; } = null!;
        internal Stub Vendor { get; private set; } = null!;
        internal string StartTimes { get; private set; } = "";

        public async Task InitializeAsync()
        {
            _database = await TestPostgres.CreateDatabaseAsync("fc_cluster_state_");
            Vendor = await Stub.StartAsync();
            var connectionString = _database;
            Dictionary<string, string> Settings(string node) => new()
            {
                ["FlowConnectors__Database"] = "postgres",
                ["FlowConnectors__ConnectionString"] = connectionString,
                ["FlowConnectors__NodeId"] = node,
                ["Logging__Console__FormatterName"] = "simple",
                ["Logging__Console__FormatterOptions__IncludeScopes"] = "true",
                ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
                ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
            };
            // All three at once: they take turns through migrations and first-start setup themselves.
            var clock = Stopwatch.StartNew();
            var starting = new[] { "node-a", "node-b", "node-c" }.Select(node => ServerProcess.StartAsync(settings: Settings(node))).ToList();
            try
            {
                await Task.WhenAll(starting);
            }
            catch
            {
                foreach (var started in starting.Where(t => t.IsCompletedSuccessfully)) await started.Result.DisposeAsync();
                throw;
            }
            (A, B, C) = (starting[0].Result, starting[1].Result, starting[2].Result);
            StartTimes = $"three nodes up after {clock.Elapsed.TotalSeconds:0.0} s";
        }

        public async Task DisposeAsync()
        {
            foreach (var node in new[] { A, B, C }.Where(n => n is not null)) await node.DisposeAsync();
            if (Vendor is not null) await Vendor.DisposeAsync();
            if (_database is not null) await TestPostgres.DropDatabaseAsync(_database);
        }
    }
}
