using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace FlowConnectors.Reliability.Tests;

/// <summary>Inbound requests: signed deliveries cannot be replayed, and an HTTP endpoint can require a signature.</summary>
/// <remarks>
/// One server for both specs (a start costs about 4.5 s of CPU): the flows on-push (GitHub, pointed at the class's
/// GitHub stub) and signed, and the server secret hookSecret. Each spec counts only the instances of its own flow, and
/// only the first one creates a GitHub automation (the one POST the stub receives).
/// </remarks>
public sealed class WebhookReplaySpecs(WebhookReplaySpecs.HookServer fixture) : IClassFixture<WebhookReplaySpecs.HookServer>
{
    private const string WebhookSecret = "whsec-reliability";
    private const string HookSecret = "hook-secret-reliability";

    private const string OnPush = """
        { "format": 1, "id": "on-push", "outputs": [ { "name": "ref", "type": "string" } ],
          "nodes": [ { "id": "push", "type": "Connector.Event", "inputs": { "connector": "github", "card": "push" } },
                     { "id": "out", "type": "Return", "inputs": { "outputs": { "ref": { "js": "nodes.push.event.ref" } } } } ],
          "connections": [ { "from": "push:done", "to": "out" } ] }
        """;

    private const string SignedHook = """
        { "format": 1, "id": "signed", "outputs": [ { "name": "n", "type": "number" } ],
          "nodes": [ { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "in/signed", "methods": ["POST"],
                       "auth": { "kind": "hmac", "header": "X-Signature", "timestampHeader": "X-Timestamp", "prefix": "v0=", "secret": { "serverSecret": "hookSecret" } } } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "n", "value": { "js": "nodes.hook.body.n" } } } ],
          "connections": [ { "from": "hook:done", "to": "out" } ] }
        """;

    private static string Push(string after) =>
        $$"""{"ref":"refs/heads/main","before":"a1","after":"{{after}}","repository":{"full_name":"octo/hello"},"pusher":{"name":"ada"},"commits":[]}""";

    private static async Task<int> PostAsync(HttpClient client, string url, string body, params (string, string)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await client.SendAsync(request);
        return (int)response.StatusCode;
    }

    private static async Task<JsonNode> SendJsonAsync(ServerProcess server, string path, string json)
    {
        using var response = await server.Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"{path}: {text}");
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task A_replayed_github_delivery_never_starts_a_second_run()
    {
        var (github, server) = (fixture.GitHub, fixture.Server);
        await SendJsonAsync(server, "api/connections", $$"""{ "id": "gh", "connector": "github", "values": { "token": "ghp_x", "webhookSecret": "{{WebhookSecret}}" } }""");
        await SendJsonAsync(server, "api/automations", """{ "id": "a1", "flowId": "on-push", "connectionId": "gh", "event": { "connector": "github", "card": "push", "options": { "owner": "octo", "repo": "hello" } } }""");
        await SendJsonAsync(server, "api/automations/a1/activate", "{}");
        var eventUrl = (string)JsonNode.Parse(github.Received.Single(r => r.Method == "POST").Body)!["config"]!["url"]!;

        var body = Push("b1");
        var signature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(WebhookSecret), Encoding.UTF8.GetBytes(body)));
        (await PostAsync(server.Anonymous, eventUrl, body, ("X-GitHub-Event", "push"), ("X-GitHub-Delivery", "d-1"), ("X-Hub-Signature-256", signature))).ShouldBe(202);
        for (var replay = 1; replay <= 5; replay++)
            (await PostAsync(server.Anonymous, eventUrl, body, ("X-GitHub-Event", "push"), ("X-GitHub-Delivery", replay % 2 == 0 ? "d-1" : $"other-{replay}"), ("X-Hub-Signature-256", signature))).ShouldBe(200);

        var sentinel = Push("b2");
        (await PostAsync(server.Anonymous, eventUrl, sentinel, ("X-GitHub-Event", "push"), ("X-GitHub-Delivery", "d-2"),
            ("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(WebhookSecret), Encoding.UTF8.GetBytes(sentinel)))))).ShouldBe(202);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        JsonArray runs;
        do
        {
            runs = (await server.GetJsonAsync("api/instances?flowId=on-push&status=finished")).AsArray();
            if (runs.Count >= 2) break;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);
        runs.Count.ShouldBe(2, (await server.GetJsonAsync("api/instances")).ToJsonString() + string.Join('\n', server.Output.TakeLast(30)));
        (await server.GetJsonAsync("api/instances?flowId=on-push")).AsArray().Count.ShouldBe(2);
    }

    [Fact]
    public async Task An_http_endpoint_requiring_a_signature_refuses_unsigned_stale_and_replayed_requests()
    {
        var server = fixture.Server;
        const string body = """{ "n": 5 }""";
        string Sign(long timestamp) => "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(HookSecret), Encoding.UTF8.GetBytes($"v0:{timestamp}:{body}")));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var stale = now - 3600;

        (await PostAsync(server.Anonymous, "hooks/in/signed", body)).ShouldBe(401);
        (await PostAsync(server.Anonymous, "hooks/in/signed", body, ("X-Timestamp", now.ToString(CultureInfo.InvariantCulture)), ("X-Signature", "v0=" + new string('0', 64)))).ShouldBe(401);
        (await PostAsync(server.Anonymous, "hooks/in/signed", body, ("X-Timestamp", stale.ToString(CultureInfo.InvariantCulture)), ("X-Signature", Sign(stale)))).ShouldBe(401);
        (await server.GetJsonAsync("api/instances?flowId=signed")).AsArray().ShouldBeEmpty();

        (await PostAsync(server.Anonymous, "hooks/in/signed", body, ("X-Timestamp", now.ToString(CultureInfo.InvariantCulture)), ("X-Signature", Sign(now)))).ShouldBe(200);
        (await PostAsync(server.Anonymous, "hooks/in/signed", body, ("X-Timestamp", now.ToString(CultureInfo.InvariantCulture)), ("X-Signature", Sign(now)))).ShouldBe(409);
        (await server.GetJsonAsync("api/instances?flowId=signed")).AsArray().Count.ShouldBe(1);
        server.Output.ShouldNotContain(line => line.Contains(HookSecret, StringComparison.Ordinal));
    }

    /// <summary>The server of the class: on-push (GitHub at <see cref="GitHub"/>) and signed, with the server secret hookSecret.</summary>
    public sealed class HookServer : IAsyncLifetime
    {
        internal Stub GitHub { get; private set; } = null!;
        internal ServerProcess Server { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            GitHub = await Stub.StartAsync(async context =>
            {
                context.Response.ContentType = "application/json";
                context.Response.StatusCode = context.Request.Method == "POST" ? 201 : 204;
                await context.Response.WriteAsync("""{"id":77,"type":"Repository","name":"web","active":true,"events":["push"]}""");
            });
            var flows = Temp.Folder("flows");
            RedirectSpecs.CopyConnector("github", flows, GitHub.Address);
            File.WriteAllText(Path.Combine(flows, "on-push.flow.json"), OnPush);
            File.WriteAllText(Path.Combine(flows, "signed.flow.json"), SignedHook);
            Server = await ServerProcess.StartAsync(flows, new Dictionary<string, string> { ["FlowConnectors__Secrets__hookSecret"] = HookSecret });
        }

        public async Task DisposeAsync()
        {
            if (Server is not null) await Server.DisposeAsync();
            if (GitHub is not null) await GitHub.DisposeAsync();
        }
    }
}
