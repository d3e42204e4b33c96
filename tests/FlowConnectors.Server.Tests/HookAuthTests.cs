using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// Http.Endpoint's auth: requests without the API key, secret or signature get 401 and run nothing. The specs share one
/// server (<see cref="HookServer"/>) with the three endpoint flows, each spec its own flow, path and runs.
/// </summary>
public sealed class HookAuthTests(HookAuthTests.HookServer shared) : IClassFixture<HookAuthTests.HookServer>
{
    private const string Secret = "hook-secret-4f1b";

    private static string Flow(string id, string path, string auth) => $$"""
        { "format": 1, "id": "{{id}}", "outputs": [ { "name": "got", "type": "string" } ],
          "nodes": [ { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "{{path}}", "methods": ["POST"], "auth": {{auth}} } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "got", "value": { "js": "String(nodes.hook.body.n)" } } } ],
          "connections": [ { "from": "hook:done", "to": "out" } ] }
        """;

    private static async Task<TestServer> StartAsync(params (string Id, string Json)[] flows)
    {
        var folder = TestServer.Temp("flows");
        foreach (var (id, json) in flows) File.WriteAllText(Path.Combine(folder, id + ".flow.json"), json);
        TestServer.CopyDirectory(Path.Combine(Repo.Root, "flows", "github"), Path.Combine(folder, "github"));
        var server = await TestServer.StartAsync(flowsFolder: folder);
        // The secret lives in a connection (encrypted at rest); the flow only names it.
        var (status, body) = await server.PostJsonAsync("/api/connections", new { id = "gh", connector = "github", values = new { token = "t", webhookSecret = Secret } });
        status.ShouldBe(201, body?.ToJsonString());
        return server;
    }

    private static HttpRequestMessage Post(Uri server, string path, string body, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    private static async Task<int> RunCountAsync(TestServer server, string flowId) => (await server.GetJsonAsync($"/api/instances?flowId={flowId}")).AsArray().Count;

    [Fact]
    public async Task An_hmac_endpoint_refuses_unsigned_and_forged_requests_and_runs_a_signed_one_once()
    {
        var server = shared.Server;
        using var anonymous = new HttpClient();
        const string body = """{ "n": 7 }""";
        var signature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(body)));

        ((int)(await anonymous.SendAsync(Post(server.Address, "/hooks/in/signed", body))).StatusCode).ShouldBe(401);
        ((int)(await anonymous.SendAsync(Post(server.Address, "/hooks/in/signed", body, ("X-Signature", "sha256=" + new string('a', 64))))).StatusCode).ShouldBe(401);
        ((int)(await anonymous.SendAsync(Post(server.Address, "/hooks/in/signed", """{ "n": 8 }""", ("X-Signature", signature)))).StatusCode).ShouldBe(401);
        (await RunCountAsync(server, "signed")).ShouldBe(0);

        var ok = await anonymous.SendAsync(Post(server.Address, "/hooks/in/signed", body, ("X-Signature", signature)));
        ((int)ok.StatusCode).ShouldBe(200, await ok.Content.ReadAsStringAsync());
        ((string?)JsonNode.Parse(await ok.Content.ReadAsStringAsync())!["got"]).ShouldBe("7");
        var replay = await anonymous.SendAsync(Post(server.Address, "/hooks/in/signed", body, ("X-Signature", signature)));
        ((int)replay.StatusCode).ShouldBe(409);
        (await RunCountAsync(server, "signed")).ShouldBe(1);
    }

    [Fact]
    public async Task A_shared_secret_endpoint_needs_the_secret_and_never_passes_it_to_the_flow()
    {
        var server = shared.Server;
        using var anonymous = new HttpClient();
        ((int)(await anonymous.SendAsync(Post(server.Address, "/hooks/in/shared", """{ "n": 1 }""", ("X-Hook-Secret", "wrong")))).StatusCode).ShouldBe(401);
        (await RunCountAsync(server, "shared")).ShouldBe(0);
        var ok = await anonymous.SendAsync(Post(server.Address, "/hooks/in/shared", """{ "n": 2 }""", ("X-Hook-Secret", Secret)));
        ((int)ok.StatusCode).ShouldBe(200, await ok.Content.ReadAsStringAsync());
        var instance = (await server.GetJsonAsync("/api/instances?flowId=shared")).AsArray().Single()!;
        var journal = await server.Client.GetStringAsync($"/api/instances/{(string)instance["instanceId"]!}/journal");
        journal.ShouldNotContain(Secret);
        var headers = JsonNode.Parse(journal)!.AsArray().Single(e => (string?)e!["nodeId"] == "hook")!["outputs"]!["headers"]!.AsObject();
        headers.Select(h => h.Key).ShouldNotContain("x-hook-secret");
    }

    [Fact]
    public async Task An_api_key_endpoint_needs_the_servers_api_key()
    {
        var server = shared.Server;
        using var anonymous = new HttpClient();
        ((int)(await anonymous.SendAsync(Post(server.Address, "/hooks/in/keyed", """{ "n": 1 }"""))).StatusCode).ShouldBe(401);
        ((int)(await anonymous.SendAsync(Post(server.Address, "/hooks/in/keyed", """{ "n": 1 }""", ("X-Api-Key", "guess")))).StatusCode).ShouldBe(401);
        (await RunCountAsync(server, "keyed")).ShouldBe(0);
        ((int)(await anonymous.SendAsync(Post(server.Address, "/hooks/in/keyed", """{ "n": 3 }""", ("X-Api-Key", TestServer.ApiKey)))).StatusCode).ShouldBe(200);
    }

    [Fact]
    public async Task A_secret_written_in_flow_json_is_refused_with_its_path()
    {
        var server = shared.Server;
        var response = await server.Client.PostAsync("/api/flows", new StringContent(
            Flow("literal", "in/literal", """{ "kind": "hmac", "secret": "plain-text-secret" }"""), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(422, text);
        text.ShouldContain("a secret written in flow JSON is not allowed");
        text.ShouldNotContain("plain-text-secret");
    }

    /// <summary>The server of the class: the endpoint flows signed (HMAC), shared (shared secret) and keyed (API key), and the connection gh holding the secret.</summary>
    public sealed class HookServer : IAsyncLifetime
    {
        private TestServer? _server;

        internal TestServer Server => _server ?? throw new InvalidOperationException("the server is not started");

        public async Task InitializeAsync() => _server = await StartAsync(
            ("signed", Flow("signed", "in/signed",
                """{ "kind": "hmac", "header": "X-Signature", "prefix": "sha256=", "secret": { "connection": "gh", "parameter": "webhookSecret" } }""")),
            ("shared", Flow("shared", "in/shared",
                """{ "kind": "sharedSecret", "header": "X-Hook-Secret", "secret": { "connection": "gh", "parameter": "webhookSecret" } }""")),
            ("keyed", Flow("keyed", "in/keyed", """{ "kind": "apiKey" }""")));

        public async Task DisposeAsync()
        {
            if (_server is not null) await _server.DisposeAsync();
        }
    }
}
