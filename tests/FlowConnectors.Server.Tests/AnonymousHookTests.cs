using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// A request to an HTTP endpoint trigger skips the caller checks of the management API (authentication, audit, CSRF,
/// the policy, connection rights): it is anonymous and checked by its own auth. What held for hooks before still holds:
/// NUL in the query is refused, a hook request is not audited while an /api change still is, and an endpoint that asks
/// for an API key still checks it.
/// </summary>
public sealed class AnonymousHookTests
{
    private static string Flow(string id, string path, string auth) => $$"""
        { "format": 1, "id": "{{id}}", "outputs": [ { "name": "got", "type": "string" } ],
          "nodes": [ { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "{{path}}", "methods": ["POST"], "auth": {{auth}} } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "got", "value": { "js": "String(nodes.hook.body.n)" } } } ],
          "connections": [ { "from": "hook:done", "to": "out" } ] }
        """;

    private static async Task<TestServer> StartAsync()
    {
        var folder = TestServer.Temp("flows");
        File.WriteAllText(Path.Combine(folder, "open.flow.json"), Flow("open", "anon/open", """{ "kind": "none" }"""));
        File.WriteAllText(Path.Combine(folder, "keyed.flow.json"), Flow("keyed", "anon/keyed", """{ "kind": "apiKey" }"""));
        return await TestServer.StartAsync(flowsFolder: folder);
    }

    private static async Task<HttpResponseMessage> PostAsync(Uri server, string path, string body, string? apiKey = null)
    {
        using var anonymous = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (apiKey is not null) request.Headers.TryAddWithoutValidation("X-Api-Key", apiKey);
        return await anonymous.SendAsync(request);
    }

    private static async Task<JsonNode?> LastUsedAsync(TestServer server, string keyId) =>
        (await server.GetJsonAsync("/api/keys")).AsArray().Single(k => (string?)k!["id"] == keyId)!["lastUsedAt"];

    [Fact]
    public async Task A_hook_that_asks_for_no_key_does_not_take_the_key_a_caller_sends_as_a_use_of_it()
    {
        await using var server = await StartAsync();
        var (status, created) = await server.PostJsonAsync("/api/keys", new { name = "vendor-sent" });
        status.ShouldBe(201, created?.ToJsonString());
        var key = (string)created!["key"]!;
        var keyId = (string)created["id"]!;

        // Before, authentication verified any key a hook request carried (and recorded its use) although the endpoint asked for none.
        var open = await PostAsync(server.Address, "/hooks/anon/open", """{ "n": 1 }""", key);
        ((int)open.StatusCode).ShouldBe(200, await open.Content.ReadAsStringAsync());
        (await LastUsedAsync(server, keyId)).ShouldBeNull();

        // An endpoint whose auth is apiKey checks it, and that is a use of the key.
        ((int)(await PostAsync(server.Address, "/hooks/anon/keyed", """{ "n": 2 }""", "fc_not-a-key")).StatusCode).ShouldBe(401);
        ((int)(await PostAsync(server.Address, "/hooks/anon/keyed", """{ "n": 2 }""")).StatusCode).ShouldBe(401);
        var keyed = await PostAsync(server.Address, "/hooks/anon/keyed", """{ "n": 3 }""", key);
        ((int)keyed.StatusCode).ShouldBe(200, await keyed.Content.ReadAsStringAsync());
        ((string?)JsonNode.Parse(await keyed.Content.ReadAsStringAsync())!["got"]).ShouldBe("3");
        (await LastUsedAsync(server, keyId)).ShouldNotBeNull();
    }

    [Fact]
    public async Task A_hook_still_refuses_NUL_in_its_query_and_is_not_audited_while_an_api_change_still_is()
    {
        await using var server = await StartAsync();
        var nul = await PostAsync(server.Address, "/hooks/anon/open?x=a%00b", """{ "n": 1 }""");
        var refused = await nul.Content.ReadAsStringAsync();
        ((int)nul.StatusCode).ShouldBe(400, refused);
        ((string?)JsonNode.Parse(refused)!["title"]).ShouldBe("Invalid text");
        ((int)(await PostAsync(server.Address, "/hooks/anon/open", """{ "n": 2 }""")).StatusCode).ShouldBe(200);
        ((int)(await PostAsync(server.Address, "/hooks/anon/keyed", """{ "n": 3 }""")).StatusCode).ShouldBe(401);
        (await server.GetJsonAsync("/api/instances?flowId=open")).AsArray().Count.ShouldBe(1, "the refused request ran nothing");

        var (status, created) = await server.PostJsonAsync("/api/keys", new { name = "audited" });
        status.ShouldBe(201, created?.ToJsonString());
        var entries = (await server.GetJsonAsync("/api/audit?take=1000")).AsArray();
        entries.ShouldContain(e => ((string?)e!["action"] ?? "").StartsWith("POST /api/keys", StringComparison.Ordinal) && (int)e["status"]! == 201);
        entries.ShouldNotContain(e => ((string?)e!["action"] ?? "").Contains("/hooks", StringComparison.Ordinal));
    }
    [Fact]
    public async Task A_callback_resumes_its_instance_without_taking_a_key_it_carries_as_a_use_of_it_and_an_api_call_still_needs_one()
    {
        var flows = TestServer.Temp("flows");
        File.WriteAllText(Path.Combine(flows, "wait.flow.json"), """
        { "format": 1, "id": "wait", "outputs": [ { "name": "callbackUrl", "type": "string" }, { "name": "got", "type": "string" } ],
          "nodes": [ { "id": "cb", "type": "CreateCallback", "inputs": {} },
                     { "id": "publish", "type": "SetOutput", "inputs": { "name": "callbackUrl", "value": { "js": "nodes.cb.url" } } },
                     { "id": "wait", "type": "WaitForCallback", "inputs": { "token": { "js": "nodes.cb.token" }, "timeout": "1.00:00:00" } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "got", "value": { "js": "String(nodes.wait.payload.n)" } } } ],
          "connections": [ { "from": "cb:done", "to": "publish" }, { "from": "publish:done", "to": "wait" }, { "from": "wait:received", "to": "out" } ] }
        """);
        await using var server = await TestServer.StartAsync(flowsFolder: flows);
        var (keyStatus, created) = await server.PostJsonAsync("/api/keys", new { name = "vendor-sent" });
        keyStatus.ShouldBe(201, created?.ToJsonString());
        var (status, started) = await server.PostJsonAsync("/api/flows/wait/run", new { mode = "async" });
        status.ShouldBe(202, started?.ToJsonString());
        var instanceId = (string)started!["instanceId"]!;
        var waiting = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{instanceId}"), i => (string?)i["status"] == "suspended", "the instance waiting");
        var callback = new Uri((string)waiting["outputs"]!["callbackUrl"]!).PathAndQuery;

        // A wrong token is refused as before; the right one resumes, and the key the caller happened to send is not checked.
        ((int)(await PostAsync(server.Address, "/callbacks/not-a-token", """{ "n": 0 }""", (string)created!["key"]!)).StatusCode).ShouldBe(404);
        var accepted = await PostAsync(server.Address, callback, """{ "n": 7 }""", (string)created["key"]!);
        ((int)accepted.StatusCode).ShouldBe(202, await accepted.Content.ReadAsStringAsync());
        var done = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{instanceId}"), i => (string?)i["status"] == "finished", "the instance finishing");
        ((string?)done["outputs"]!["got"]).ShouldBe("7");
        (await LastUsedAsync(server, (string)created["id"]!)).ShouldBeNull();

        // The management API beside it still asks for credentials.
        using var anonymous = new HttpClient { BaseAddress = server.Address };
        ((int)(await anonymous.GetAsync($"/api/instances/{instanceId}")).StatusCode).ShouldBe(401);
    }
}
