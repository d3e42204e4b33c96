using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities.Events;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// Issue 11, durability: events, dead letters, cancel, node identity, callback tokens, run budgets and limits. The tests
/// that neither restart the server, move its clock nor configure it share one server, each with its own correlation ids
/// and instance ids; the others start their own.
/// </summary>
public sealed class DurabilityHardeningTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const string SpinFlow = """
        { "format": 1, "id": "spin",
          "nodes": [ { "id": "start", "type": "NoOp", "inputs": {} },
                     { "id": "spin", "type": "RunJavaScript", "inputs": { "code": "const end = Date.now() + 200; let n = 0; while (Date.now() < end) { n++; } return n;" } } ],
          "connections": [ { "from": "start:done", "to": "spin" }, { "from": "spin:done", "to": "spin" } ] }
        """;

    private static async Task<string> StartWaitingAsync(TestServer server, string requestId)
    {
        var (status, body) = await server.PostJsonAsync("/api/flows/wait-for-event/run", new { inputs = new { requestId }, mode = "async" });
        status.ShouldBe(202, body?.ToJsonString());
        var id = (string)body!["instanceId"]!;
        await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{id}"), i => (string?)i["status"] == "suspended", "suspension");
        return id;
    }

    private static string EventHash(string correlationId) =>
        Bookmark.ComputeHash("event", new JsonObject { ["event"] = "approval", ["correlationId"] = correlationId });

    [Fact]
    public async Task One_event_resumes_every_instance_waiting_for_it()
    {
        var server = shared.Server;
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await StartWaitingAsync(server, "shared-1"));

        (await server.PostJsonAsync("/api/events", new { @event = "approval", correlationId = "shared-1", payload = new { by = "lin", approved = true } })).Status.ShouldBe(202);
        foreach (var id in ids)
        {
            var done = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{id}"), i => (string?)i["status"] == "finished", $"resume of {id}");
            ((string)done["outputs"]!["approvedBy"]!).ShouldBe("lin");
        }
    }

    [Fact]
    public async Task An_event_nobody_waits_for_expires_after_its_retention_and_no_later_instance_gets_it()
    {
        await using var server = await TestServer.StartAsync(configure: o => o.EventRetention = TimeSpan.FromMinutes(10));
        var (status, body) = await server.PostJsonAsync("/api/events", new { @event = "approval", correlationId = "stale-1", payload = new { by = "old" } });
        status.ShouldBe(202);
        var delivery = (long)body!["delivery"]!;
        var inbox = server.Services.GetRequiredService<IInboxStore>();
        await TestServer.EventuallyAsync(() => inbox.GetAsync(delivery), m => m!.Status == InboxStatus.Waiting, "the event waits");

        server.Clock.Advance(TimeSpan.FromMinutes(11));
        await TestServer.EventuallyAsync(() => inbox.GetAsync(delivery), m => m!.Status == InboxStatus.Expired, "the event expires");

        var id = await StartWaitingAsync(server, "stale-1");
        (await inbox.GetAsync(delivery))!.Status.ShouldBe(InboxStatus.Expired);
        ((string?)(await server.GetJsonAsync($"/api/instances/{id}"))["status"]).ShouldBe("suspended");
    }

    // The HTTP layer refuses it (400, MaxInputDepth) before the runtime's own stimulus check (422, MaxPayloadDepth) sees it.
    [Fact]
    public async Task An_event_payload_nested_too_deep_is_refused_with_its_path()
    {
        var server = shared.Server;
        var id = await StartWaitingAsync(server, "deep-1");
        JsonNode payload = 1;
        for (var i = 0; i < 62; i++) payload = new JsonObject { ["a"] = payload };
        var response = await server.Client.PostAsync("/api/events", new StringContent(
            new JsonObject { ["event"] = "approval", ["correlationId"] = "deep-1", ["payload"] = payload }.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(400, text);
        text.ShouldContain("$.payload.a.a");
        ((string?)(await server.GetJsonAsync($"/api/instances/{id}"))["status"]).ShouldBe("suspended");
    }

    [Fact]
    public async Task A_stored_poison_message_is_dead_lettered_with_its_reason_and_listed()
    {
        var server = shared.Server;
        var id = await StartWaitingAsync(server, "poison-1");
        JsonNode payload = 1;
        for (var i = 0; i < 62; i++) payload = new JsonObject { ["a"] = payload };
        // As a version without validation stored it: it would resume the instance, then fail to save, for ever.
        var inbox = server.Services.GetRequiredService<IInboxStore>();
        var message = await inbox.AddAsync(new InboxMessage { Kind = "event", Hash = EventHash("poison-1"), Payload = payload, ReceivedAt = server.Clock.GetUtcNow() });
        await TestServer.EventuallyAsync(() => inbox.GetAsync(message), m => m!.Status == InboxStatus.DeadLettered, "dead-lettering");

        var letters = (await server.GetJsonAsync("/api/inbox/dead-letters")).AsArray();
        var letter = letters.Single(l => (long)l!["id"]! == message)!;
        ((string)letter["error"]!).ShouldContain("nested deeper than 32 levels");
        ((string?)(await server.GetJsonAsync($"/api/instances/{id}"))["status"]).ShouldBe("suspended");
    }

    [Fact]
    public async Task Cancel_works_on_a_waiting_instance_and_on_one_leased_by_a_dead_process()
    {
        var server = shared.Server;
        var waiting = await StartWaitingAsync(server, "cancel-1");
        (await server.PostJsonAsync($"/api/instances/{waiting}/cancel", new { })).Status.ShouldBe(200);
        ((string?)(await server.GetJsonAsync($"/api/instances/{waiting}"))["status"]).ShouldBe("cancelled");
        (await server.PostJsonAsync($"/api/instances/{waiting}/cancel", new { })).Status.ShouldBe(409);
        (await server.PostJsonAsync("/api/instances/nope/cancel", new { })).Status.ShouldBe(404);

        // Running, leased for two more minutes by a process that no longer exists.
        var instances = server.Services.GetRequiredService<IInstanceStore>();
        var orphan = new FlowInstanceState { InstanceId = "leased-1", FlowId = "hello", Status = FlowStatus.Running, CreatedAt = server.Clock.GetUtcNow() };
        await instances.CreateAsync(orphan, 1, [], default, "node-gone/1", server.Clock.GetUtcNow().AddMinutes(2));
        (await server.PostJsonAsync("/api/instances/leased-1/cancel", new { })).Status.ShouldBe(200);
        ((string?)(await server.GetJsonAsync("/api/instances/leased-1"))["status"]).ShouldBe("cancelled");
    }

    [Fact]
    public async Task A_node_keeps_its_id_and_its_callback_tokens_across_restarts()
    {
        await using var server = await TestServer.StartAsync();
        var identity = server.Services.GetRequiredService<NodeIdentity>();
        var (nodeId, owner) = (identity.NodeId, identity.LeaseOwner);
        var tokens = server.Services.GetRequiredService<ICallbackTokens>();
        var token = tokens.SecretFor("i-1", "cb", 3);
        tokens.SecretFor("i-1", "cb", 3).ShouldBe(token);
        tokens.SecretFor("i-1", "cb", 4).ShouldNotBe(token);
        tokens.SecretFor("i-2", "cb", 3).ShouldNotBe(token);
        token.Length.ShouldBeGreaterThanOrEqualTo(43);

        await server.StopAsync();
        await server.StartAgainAsync();
        var again = server.Services.GetRequiredService<NodeIdentity>();
        again.NodeId.ShouldBe(nodeId);
        again.LeaseOwner.ShouldNotBe(owner);
        again.LeaseOwner.ShouldStartWith(nodeId + "/");
        server.Services.GetRequiredService<ICallbackTokens>().SecretFor("i-1", "cb", 3).ShouldBe(token);
        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(Path.Combine(server.DataFolder, "callback-secret")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task A_restarted_node_recovers_the_instances_it_held_at_once_not_when_their_leases_run_out()
    {
        await using var server = await TestServer.StartAsync();
        var identity = server.Services.GetRequiredService<NodeIdentity>();
        // What a killed process of this node left: a started instance leased to it for two more minutes.
        var instances = server.Services.GetRequiredService<IInstanceStore>();
        var host = server.Services.GetRequiredService<WorkflowHost>();
        var (flow, version) = await host.CompileAsync("hello", null, default);
        var state = host.Engine.CreateInstance(flow, new JsonObject { ["who"] = "Ada" });
        await instances.CreateAsync(state, version, [], default, identity.NodeId + "/killed-process", server.Clock.GetUtcNow().AddMinutes(2));
        await server.StopAsync();

        await server.StartAgainAsync();
        var done = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{state.InstanceId}"), i => (string?)i["status"] == "finished",
            "recovery without waiting for the lease (the fake clock does not move)");
        done["outputs"]!.ToJsonString().ShouldContain("Ada");
    }

    [Fact]
    public async Task A_run_is_stopped_by_its_budget_and_faulted_with_the_reason()
    {
        await using var server = await TestServer.StartAsync(configure: o => o.RunTimeout = TimeSpan.FromSeconds(2));
        var put = await server.Client.PutAsync("/api/flows/spin?publish=true", new StringContent(SpinFlow, Encoding.UTF8, "application/json"));
        put.IsSuccessStatusCode.ShouldBeTrue(await put.Content.ReadAsStringAsync());
        var (status, body) = await server.PostJsonAsync("/api/flows/spin/run", new { mode = "async" });
        status.ShouldBe(202);
        var id = (string)body!["instanceId"]!;
        var faulted = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{id}"), i => (string?)i["status"] == "faulted", "the budget");
        ((string)faulted["fault"]!["message"]!).ShouldContain("time budget of 00:00:02 (FlowConnectors:RunTimeout)");
    }

    [Fact]
    public async Task Runs_beyond_a_flows_limit_wait_for_a_slot_while_other_flows_run()
    {
        var limiter = new RunLimiter(new Hosting.ServerOptions { MaxConcurrentRuns = 4, MaxConcurrentRunsPerFlow = 1 }.ToRuntimeOptions());
        var first = await limiter.AcquireAsync("a", default);
        var second = limiter.AcquireAsync("a", default);
        var other = await limiter.AcquireAsync("b", default);
        second.IsCompleted.ShouldBeFalse();
        limiter.Waiting.ShouldBe(1);
        first.Dispose();
        (await second).Dispose();
        other.Dispose();
        limiter.Waiting.ShouldBe(0);

        using var cancelled = new CancellationTokenSource();
        var held = await limiter.AcquireAsync("a", default);
        var queued = limiter.AcquireAsync("a", cancelled.Token);
        await cancelled.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => queued);
        held.Dispose();
        (await limiter.AcquireAsync("a", default)).Dispose();
    }
}
