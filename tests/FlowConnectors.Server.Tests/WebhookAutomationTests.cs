using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.Server.Tests;

public sealed class WebhookAutomationTests
{
    private const string OnPush = """
        { "format": 1, "id": "on-push", "outputs": [ { "name": "ref", "type": "string" }, { "name": "pusher", "type": "string" } ],
          "nodes": [ { "id": "push", "type": "Connector.Event", "inputs": { "connector": "github", "card": "push" } },
                     { "id": "out", "type": "Return", "inputs": { "outputs": { "ref": { "js": "nodes.push.event.ref" }, "pusher": { "js": "nodes.push.event.pusher" } } } } ],
          "connections": [ { "from": "push:done", "to": "out" } ] }
        """;

    private const string Push = """{"ref":"refs/heads/main","before":"a1","after":"b2","repository":{"full_name":"octo/hello"},"pusher":{"name":"ada"},"commits":[]}""";

    [Fact]
    public async Task A_signed_push_delivery_starts_the_automation_and_a_forged_one_is_refused()
    {
        await using var vendor = await VendorStub.StartAsync();
        await using var server = await TestServer.StartAsync(vendor.Address);
        (await server.Client.PostAsync("/api/flows?publish=true", new StringContent(OnPush, Encoding.UTF8, "application/json"))).IsSuccessStatusCode.ShouldBeTrue();
        (await server.PostJsonAsync("/api/connections", new { id = "gh", connector = "github", values = new { token = "ghp_test_token", webhookSecret = "whsec-123456" } })).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/automations", new { id = "a1", flowId = "on-push", connectionId = "gh", @event = new { connector = "github", card = "push", options = new { owner = "octo", repo = "hello" } } })).Status.ShouldBe(201);

        var (activated, body) = await server.PostJsonAsync("/api/automations/a1/activate", new { });
        activated.ShouldBe(200, body?.ToJsonString());
        var registration = vendor.Received.Single(r => r.Method == "POST" && r.Path == "/repos/octo/hello/hooks");
        var eventUrl = (string)registration.Body!["config"]!["url"]!;
        eventUrl.ShouldStartWith(server.Address.ToString().TrimEnd('/') + "/webhooks/");
        ((string)registration.Body["config"]!["secret"]!).ShouldBe("whsec-123456");

        using var github = new HttpClient();
        var forged = new HttpRequestMessage(HttpMethod.Post, eventUrl) { Content = new StringContent(Push, Encoding.UTF8, "application/json") };
        forged.Headers.Add("X-GitHub-Event", "push");
        forged.Headers.Add("X-Hub-Signature-256", "sha256=" + new string('0', 64));
        ((int)(await github.SendAsync(forged)).StatusCode).ShouldBe(401);

        var signed = new HttpRequestMessage(HttpMethod.Post, eventUrl) { Content = new StringContent(Push, Encoding.UTF8, "application/json") };
        signed.Headers.Add("X-GitHub-Event", "push");
        signed.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData("whsec-123456"u8.ToArray(), Encoding.UTF8.GetBytes(Push))));
        ((int)(await github.SendAsync(signed)).StatusCode).ShouldBe(202);

        var runs = await TestServer.EventuallyAsync(() => server.GetJsonAsync("/api/instances?flowId=on-push&status=finished"), r => r.AsArray().Count == 1, "the automation run");
        var run = await server.GetJsonAsync($"/api/instances/{(string)runs[0]!["instanceId"]!}");
        ((string)run["outputs"]!["ref"]!).ShouldBe("refs/heads/main");
        ((string)run["outputs"]!["pusher"]!).ShouldBe("ada");

        (await server.PostJsonAsync("/api/automations/a1/deactivate", new { })).Status.ShouldBe(200);
        vendor.Received.ShouldContain(r => r.Method == "DELETE" && r.Path == "/repos/octo/hello/hooks/77");
        ((int)(await github.PostAsync(eventUrl, new StringContent(Push, Encoding.UTF8, "application/json"))).StatusCode).ShouldBe(404);
    }

    [Fact]
    public async Task Deauthorizing_a_connection_disables_its_automations_and_records_why()
    {
        await using var vendor = await VendorStub.StartAsync();
        await using var server = await TestServer.StartAsync(vendor.Address);
        (await server.Client.PostAsync("/api/flows?publish=true", new StringContent(OnPush, Encoding.UTF8, "application/json"))).IsSuccessStatusCode.ShouldBeTrue();
        (await server.PostJsonAsync("/api/connections", new { id = "gh", connector = "github", values = new { token = "ghp_test_token", webhookSecret = "whsec-123456" } })).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/automations", new { id = "a2", flowId = "on-push", connectionId = "gh", @event = new { connector = "github", card = "push", options = new { owner = "octo", repo = "hello" } } })).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/automations/a2/activate", new { })).Status.ShouldBe(200);

        var (status, body) = await server.PostJsonAsync("/api/connections/gh/deauthorize", new { });
        status.ShouldBe(200, body?.ToJsonString());
        body!["disabledAutomations"]!.AsArray().Select(a => (string?)a).ShouldBe(["a2"]);
        var automation = await server.GetJsonAsync("/api/automations/a2");
        automation["active"]!.GetValue<bool>().ShouldBeFalse();
        ((string)automation["disabledReason"]!).ShouldBe("connection 'gh' was deauthorized");
        vendor.Received.ShouldContain(r => r.Method == "DELETE" && r.Path == "/repos/octo/hello/hooks/77");
    }
}
