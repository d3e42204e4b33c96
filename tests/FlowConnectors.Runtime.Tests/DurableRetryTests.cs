using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Runtime.Tests;

/// <summary>README "Error policies and error flows": a retry wait longer than the in-process limit is a durable timer of the runtime.</summary>
public sealed class DurableRetryTests(RuntimeFixture runtime) : IClassFixture<RuntimeFixture>
{
    private const string SlowRetry = """
        { "format": 1, "id": "slow-retry", "start": "call", "outputs": [ { "name": "seen", "type": "string" } ],
          "nodes": [
            { "id": "call", "type": "Fail", "inputs": { "message": "vendor is down" }, "onError": { "retries": 1, "delayMs": 60000, "then": "continue" } },
            { "id": "after", "type": "SetOutput", "inputs": { "name": "seen", "value": { "js": "nodes.call.error.message" } } } ],
          "connections": [ { "from": "call:fault", "to": "after" } ] }
        """;

    [Fact]
    public async Task A_long_retry_wait_suspends_the_instance_on_a_stored_timer_and_the_node_runs_again_when_it_fires()
    {
        await runtime.PublishAsync(SlowRetry);
        var before = DateTimeOffset.UtcNow;
        var started = await runtime.Host.StartAsync("slow-retry", null, null, new RunOptions(), TimeSpan.FromSeconds(30), CancellationToken.None);
        started.Result.ShouldBeNull("a suspended run is not an ended one");
        var suspended = await WaitForAsync(started.InstanceId, FlowStatus.Suspended);
        suspended.State.Bookmarks.ShouldHaveSingleItem().Name.ShouldBe("delay");
        var timer = (await runtime.Timers.ListAsync()).Where(t => t.InstanceId == started.InstanceId).ShouldHaveSingleItem();
        timer.DueAt.ShouldBeGreaterThanOrEqualTo(before + TimeSpan.FromSeconds(60));

        await runtime.Host.FireTimerAsync(timer);

        var ended = await WaitForAsync(started.InstanceId, FlowStatus.Finished);
        ((string?)ended.State.Output["seen"]).ShouldBe("vendor is down");
        var attempts = (await runtime.Instances.GetJournalAsync(started.InstanceId)).Where(e => e.NodeId == "call").ToList();
        attempts.Select(e => e.Outcome).ShouldBe(["retry", "fault"]);
        attempts[0].Error!.ShouldContain("next attempt in 60 s on a durable timer");
    }

    private async Task<StoredInstance> WaitForAsync(string instanceId, FlowStatus status)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (await runtime.Instances.GetAsync(instanceId) is { } stored && stored.State.Status == status && stored.LeaseOwner is null) return stored;
            if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException($"instance {instanceId} did not become {status}");
            await Task.Delay(20);
        }
    }
}
