using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.Server.Tests;

/// <summary>A captured, validly signed delivery sent again never starts a second run.</summary>
public sealed class WebhookReplayTests
{
    private const string OnPush = """
        { "format": 1, "id": "on-push", "outputs": [ { "name": "ref", "type": "string" } ],
          "nodes": [ { "id": "push", "type": "Connector.Event", "inputs": { "connector": "github", "card": "push" } },
                     { "id": "out", "type": "Return", "inputs": { "outputs": { "ref": { "js": "nodes.push.event.ref" } } } } ],
          "connections": [ { "from": "push:done", "to": "out" } ] }
        """;

    private static string Push(string after) =>
        $$"""{"ref":"refs/heads/main","before":"a1","after":"{{after}}","repository":{"full_name":"octo/hello"},"pusher":{"name":"ada"},"commits":[]}""";

    private static HttpRequestMessage Delivery(string url, string body, string deliveryId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-GitHub-Event", "push");
        request.Headers.Add("X-GitHub-Delivery", deliveryId);
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData("whsec-123456"u8.ToArray(), Encoding.UTF8.GetBytes(body))));
        return request;
    }

    [Fact]
    public async Task A_replayed_github_delivery_is_acknowledged_without_a_second_run()
    {
        await using var vendor = await VendorStub.StartAsync();
        await using var server = await TestServer.StartAsync(vendor.Address);
        (await server.Client.PostAsync("/api/flows?publish=true", new StringContent(OnPush, Encoding.UTF8, "application/json"))).IsSuccessStatusCode.ShouldBeTrue();
        (await server.PostJsonAsync("/api/connections", new { id = "gh", connector = "github", values = new { token = "ghp_test_token", webhookSecret = "whsec-123456" } })).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/automations", new { id = "a1", flowId = "on-push", connectionId = "gh", @event = new { connector = "github", card = "push", options = new { owner = "octo", repo = "hello" } } })).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/automations/a1/activate", new { })).Status.ShouldBe(200);
        var eventUrl = (string)vendor.Received.Single(r => r.Method == "POST" && r.Path == "/repos/octo/hello/hooks").Body!["config"]!["url"]!;
        using var github = new HttpClient();

        var first = await github.SendAsync(Delivery(eventUrl, Push("b1"), "d-1"));
        ((int)first.StatusCode).ShouldBe(202);
        for (var replay = 0; replay < 5; replay++)
        {
            // The same delivery, and the same body under a fresh delivery id (GitHub does not sign that header).
            foreach (var deliveryId in new[] { "d-1", $"forged-{replay}" })
            {
                var answer = await github.SendAsync(Delivery(eventUrl, Push("b1"), deliveryId));
                ((int)answer.StatusCode).ShouldBe(200);
                var body = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
                body["duplicate"]!.GetValue<bool>().ShouldBeTrue();
                body["accepted"]!.GetValue<bool>().ShouldBeFalse();
            }
        }
        // A redelivery under the same id with another body is a duplicate too.
        ((int)(await github.SendAsync(Delivery(eventUrl, Push("b1-changed"), "d-1"))).StatusCode).ShouldBe(200);

        // A new delivery still runs; once it has, the automation ran exactly twice.
        ((int)(await github.SendAsync(Delivery(eventUrl, Push("b2"), "d-2"))).StatusCode).ShouldBe(202);
        var runs = await TestServer.EventuallyAsync(() => server.GetJsonAsync("/api/instances?flowId=on-push&status=finished"), r => r.AsArray().Count >= 2, "two runs");
        runs.AsArray().Count.ShouldBe(2);
        (await server.GetJsonAsync("/api/instances?flowId=on-push")).AsArray().Count.ShouldBe(2);
    }
}
