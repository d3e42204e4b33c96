using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Server.Tests;

/// <summary>A real server (over the repository's flows) with Slack and an orders API stubbed on 127.0.0.1.</summary>
public sealed class ErrorPolicyServerFixture : IAsyncLifetime
{
    private WebApplication? _stub;
    internal TestServer Server { get; private set; } = null!;
    public Uri Stub { get; private set; } = null!;
    public ConcurrentQueue<JsonNode?> SlackPosts { get; } = new();
    private int _flakyHits;
    public int FlakyHits => Volatile.Read(ref _flakyHits);
    public const string TokenCanary = "xoxb-canary-31d4c2e0";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _stub = builder.Build();
        _stub.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var text = await reader.ReadToEndAsync();
            context.Response.ContentType = "application/json";
            switch (context.Request.Path.Value)
            {
                case "/chat.postMessage":
                    SlackPosts.Enqueue(text.Length == 0 ? null : JsonNode.Parse(text));
                    await context.Response.WriteAsync("""{ "ok": true, "ts": "1733220000.000100", "channel": "C0123456789" }""");
                    break;
                case "/orders-flaky":
                    // Fails twice, then answers.
                    if (Interlocked.Increment(ref _flakyHits) <= 2) { context.Response.StatusCode = 503; await context.Response.WriteAsync("""{ "error": "busy" }"""); }
                    else await context.Response.WriteAsync("[1, 2, 3]");
                    break;
                default:
                    context.Response.StatusCode = 400;
                    await context.Response.WriteAsync("""{ "error": "orders query rejected" }""");
                    break;
            }
        });
        await _stub.StartAsync();
        Stub = new Uri(_stub.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Server = await TestServer.StartAsync(vendor: Stub);
        // The sample error flow posts with the connection 'slack-ops' (its input's default).
        using var created = await Server.Client.PostAsync("/api/connections", Json($$"""
            { "id": "slack-ops", "connector": "slack", "name": "Ops Slack", "values": { "token": "{{TokenCanary}}" } }
            """));
        created.IsSuccessStatusCode.ShouldBeTrue(await created.Content.ReadAsStringAsync());
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        if (_stub is not null) await _stub.DisposeAsync();
    }
}

/// <summary>
/// README "Error policies and error flows", end to end through the server's API: a node's retry policy meets a vendor
/// that fails twice then answers, and the shipped error-flow sample posts each unhandled fault to Slack once.
/// </summary>
public sealed class ErrorPolicyServerTests(ErrorPolicyServerFixture fixture) : IClassFixture<ErrorPolicyServerFixture>
{
    private async Task<JsonNode> RunAsync(string flowId, string inputs)
    {
        using var response = await fixture.Server.Client.PostAsync($"/api/flows/{flowId}/run", ErrorPolicyServerFixture.Json($$"""{ "inputs": {{inputs}} }"""));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return body;
    }

    private async Task PublishAsync(string json)
    {
        var id = (string)JsonNode.Parse(json)!["id"]!;
        using var response = await fixture.Server.Client.PutAsync($"/api/flows/{id}?publish=true", ErrorPolicyServerFixture.Json(json));
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_node_retry_policy_meets_a_vendor_that_fails_twice_and_then_answers()
    {
        // POST without an idempotency key: the HTTP client does not retry it itself, so every failure reaches the policy.
        await PublishAsync($$"""
            { "format": 1, "id": "policy-e2e", "outputs": [ { "name": "count", "type": "integer" } ],
              "nodes": [
                { "id": "fetch", "type": "Http.SendRequest", "inputs": { "method": "POST", "url": "{{fixture.Stub}}orders-flaky" },
                  "onError": { "retries": 3, "delayMs": 0 } },
                { "id": "count", "type": "SetOutput", "inputs": { "name": "count", "value": { "js": "nodes.fetch.body.length" } } } ],
              "connections": [ { "from": "fetch:2xx", "to": "count" } ] }
            """);
        var run = await RunAsync("policy-e2e", "{}");
        ((string?)run["status"]).ShouldBe("finished", run.ToJsonString());
        ((int?)run["outputs"]!["count"]).ShouldBe(3);
        fixture.FlakyHits.ShouldBe(3);
        var journal = JsonNode.Parse(await fixture.Server.Client.GetStringAsync($"/api/instances/{run["instanceId"]}/journal"))!;
        var outcomes = (journal as JsonArray ?? journal["entries"]!.AsArray()).Where(e => (string?)e!["nodeId"] == "fetch").Select(e => (string?)e!["outcome"]).ToList();
        outcomes.ShouldBe(["retry", "retry", "2xx"]);
    }

    [Fact]
    public async Task The_sample_error_flow_posts_each_unhandled_fault_to_Slack_once_without_secrets()
    {
        // nightly-sync (flows/error-flows) names notify-slack-on-fault; a vendor 400 is not retried, so it faults at once.
        var before = fixture.SlackPosts.Count;
        var first = await RunAsync("nightly-sync", $$"""{ "ordersUrl": "{{fixture.Stub}}orders-rejected" }""");
        ((string?)first["status"]).ShouldBe("faulted", first.ToJsonString());
        var second = await RunAsync("nightly-sync", $$"""{ "ordersUrl": "{{fixture.Stub}}orders-rejected" }""");
        ((string?)second["status"]).ShouldBe("faulted");

        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (fixture.SlackPosts.Count < before + 2 && DateTimeOffset.UtcNow < deadline) await Task.Delay(50);
        var posts = fixture.SlackPosts.Skip(before).ToList();
        posts.Count.ShouldBe(2);
        foreach (var (post, run) in posts.Zip(new[] { first, second }))
        {
            ((string?)post!["channel"]).ShouldBe("C0123456789");
            var text = (string)post["text"]!;
            text.ShouldContain("*Nightly sync*");
            text.ShouldContain("faulted at node `fetch`");
            text.ShouldContain("HTTP 400");
            text.ShouldNotContain(ErrorPolicyServerFixture.TokenCanary);
        }
        posts.Select(p => (string)p!["text"]!).ShouldContain(t => t.Contains($"/api/instances/{first["instanceId"]}"));
        posts.Select(p => (string)p!["text"]!).ShouldContain(t => t.Contains($"/api/instances/{second["instanceId"]}"));
    }
}
