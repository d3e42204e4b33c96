using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Stimuli;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Runtime.Tests;

/// <summary>
/// The one run path (<see cref="WorkflowHost.RunUnderLeaseAsync"/>): every start, resume and recovery takes the
/// lease, runs, saves and releases there. Each test checks what is on disk afterwards.
/// </summary>
public sealed class RunUnderLeaseTests(RuntimeFixture runtime) : IClassFixture<RuntimeFixture>
{
    private const string Greet = """
        { "format": 1, "id": "greet", "inputs": [ { "name": "who", "type": "string" } ], "outputs": [ { "name": "greeting", "type": "string" } ],
          "nodes": [ { "id": "hello", "type": "SetOutput", "inputs": { "name": "greeting", "value": { "js": "'Hello ' + input.who" } } } ],
          "connections": [] }
        """;

    private const string Approval = """
        { "format": 1, "id": "approval", "inputs": [ { "name": "requestId", "type": "string" } ], "outputs": [ { "name": "by", "type": "string" } ],
          "nodes": [
            { "id": "wait", "type": "WaitForEvent", "inputs": { "eventName": "approval", "correlationId": { "js": "input.requestId" } } },
            { "id": "out", "type": "SetOutput", "inputs": { "name": "by", "value": { "js": "nodes.wait.payload.by" } } } ],
          "connections": [ { "from": "wait:done", "to": "out" } ] }
        """;

    private const string Pause = """
        { "format": 1, "id": "pause",
          "nodes": [ { "id": "nap", "type": "Delay", "inputs": { "duration": "00:00:01" } }, { "id": "after", "type": "NoOp" } ],
          "connections": [ { "from": "nap:done", "to": "after" } ] }
        """;

    [Fact]
    public async Task A_start_without_a_wait_is_stored_leased_before_it_is_acknowledged_then_saved_and_released()
    {
        await runtime.PublishAsync(Greet);
        var started = await runtime.Host.StartAsync("greet", null, new JsonObject { ["who"] = "Ada" }, new RunOptions(), TimeSpan.Zero, CancellationToken.None);
        started.Result.ShouldBeNull();
        (await runtime.Instances.GetAsync(started.InstanceId)).ShouldNotBeNull();
        var stored = await runtime.WaitForInstanceAsync(started.InstanceId, s => s.State.Status == FlowStatus.Finished);
        ((string?)stored.State.Output["greeting"]).ShouldBe("Hello Ada");
        stored.LeaseOwner.ShouldBeNull();
        (await runtime.Instances.GetJournalAsync(started.InstanceId)).ShouldContain(e => e.NodeId == "hello");
    }

    [Fact]
    public async Task A_start_a_caller_waits_for_is_stored_once_when_it_ends_and_answers_with_the_result()
    {
        await runtime.PublishAsync(Greet);
        var started = await runtime.Host.StartAsync("greet", null, new JsonObject { ["who"] = "Grace" }, new RunOptions(), TimeSpan.FromSeconds(30), CancellationToken.None);
        started.Result.ShouldNotBeNull().Status.ShouldBe(FlowStatus.Finished);
        var stored = (await runtime.Instances.GetAsync(started.InstanceId)).ShouldNotBeNull();
        stored.State.Status.ShouldBe(FlowStatus.Finished);
        stored.LeaseOwner.ShouldBeNull();
        stored.RunAttempts.ShouldBe(0);
    }

    [Fact]
    public async Task A_resume_through_a_bookmark_runs_the_stored_instance_with_the_payload_and_saves_it()
    {
        await runtime.PublishAsync(Approval);
        var started = await runtime.Host.StartAsync("approval", null, new JsonObject { ["requestId"] = "r-1" }, new RunOptions(), TimeSpan.FromSeconds(30), CancellationToken.None);
        var suspended = await runtime.WaitForInstanceAsync(started.InstanceId, s => s.State.Status == FlowStatus.Suspended);
        var bookmark = suspended.State.Bookmarks.ShouldHaveSingleItem();
        bookmark.Hash.ShouldBe(new EventStimulus("approval", "r-1").Hash);

        var outcome = await runtime.Host.ExecuteAsync(started.InstanceId, (bookmark.Id, new JsonObject { ["by"] = "grace" }));

        outcome.Busy.ShouldBeFalse();
        outcome.Result.ShouldNotBeNull().Status.ShouldBe(FlowStatus.Finished);
        var stored = (await runtime.Instances.GetAsync(started.InstanceId)).ShouldNotBeNull();
        ((string?)stored.State.Output["by"]).ShouldBe("grace");
        stored.State.Bookmarks.ShouldBeEmpty();
        stored.LeaseOwner.ShouldBeNull();
    }

    [Fact]
    public async Task An_instance_another_worker_holds_is_busy_and_is_not_run()
    {
        await runtime.PublishAsync(Approval);
        var started = await runtime.Host.StartAsync("approval", null, new JsonObject { ["requestId"] = "r-2" }, new RunOptions(), TimeSpan.FromSeconds(30), CancellationToken.None);
        var suspended = await runtime.WaitForInstanceAsync(started.InstanceId, s => s.State.Status == FlowStatus.Suspended);
        (await runtime.Instances.TryAcquireLeaseAsync(started.InstanceId, "other-node/1", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5))).ShouldBeTrue();

        var outcome = await runtime.Host.ExecuteAsync(started.InstanceId, (suspended.State.Bookmarks[0].Id, null));

        outcome.Busy.ShouldBeTrue();
        outcome.Result.ShouldBeNull();
        (await runtime.Instances.GetAsync(started.InstanceId)).ShouldNotBeNull().State.Status.ShouldBe(FlowStatus.Suspended);
    }

    [Fact]
    public async Task Crash_recovery_continues_an_instance_left_running_by_a_dead_worker_from_its_saved_state()
    {
        var (state, version) = await CreateLeftRunningAsync("Lin", deaths: 1);

        var outcome = await runtime.Host.ExecuteAsync(state.InstanceId, null);

        outcome.Result.ShouldNotBeNull().Status.ShouldBe(FlowStatus.Finished);
        var stored = (await runtime.Instances.GetAsync(state.InstanceId)).ShouldNotBeNull();
        ((string?)stored.State.Output["greeting"]).ShouldBe("Hello Lin");
        stored.FlowVersion.ShouldBe(version);
        stored.RunAttempts.ShouldBe(0);
        stored.LeaseOwner.ShouldBeNull();
    }

    [Fact]
    public async Task An_instance_whose_runs_killed_the_process_too_often_is_faulted_as_poisoned_instead_of_run()
    {
        var (state, _) = await CreateLeftRunningAsync("Mo", deaths: runtime.Options.MaxCrashRecoveries);

        var outcome = await runtime.Host.ExecuteAsync(state.InstanceId, null);

        outcome.Result.ShouldBeNull();
        var stored = (await runtime.Instances.GetAsync(state.InstanceId)).ShouldNotBeNull();
        stored.State.Status.ShouldBe(FlowStatus.Faulted);
        stored.State.Fault.ShouldNotBeNull().Message.ShouldContain("poisoned");
        stored.State.Output.ShouldNotContainKey("greeting");
    }

    [Fact]
    public async Task An_instance_that_has_ended_is_not_run_again()
    {
        await runtime.PublishAsync(Greet);
        var started = await runtime.Host.StartAsync("greet", null, new JsonObject { ["who"] = "Ida" }, new RunOptions(), TimeSpan.FromSeconds(30), CancellationToken.None);
        var before = (await runtime.Instances.GetJournalAsync(started.InstanceId)).Count;

        var outcome = await runtime.Host.ExecuteAsync(started.InstanceId, null);

        outcome.ShouldBe(new RunOutcome(null, false));
        (await runtime.Instances.GetJournalAsync(started.InstanceId)).Count.ShouldBe(before);
    }

    [Fact]
    public async Task A_due_timer_resumes_its_delay_through_the_same_path()
    {
        await runtime.PublishAsync(Pause);
        var started = await runtime.Host.StartAsync("pause", null, null, new RunOptions(), TimeSpan.FromSeconds(30), CancellationToken.None);
        await runtime.WaitForInstanceAsync(started.InstanceId, s => s.State.Status == FlowStatus.Suspended);
        var timer = (await runtime.Timers.ListAsync()).Where(t => t.InstanceId == started.InstanceId).ShouldHaveSingleItem();

        await runtime.Host.FireTimerAsync(timer);

        (await runtime.Instances.GetAsync(started.InstanceId)).ShouldNotBeNull().State.Status.ShouldBe(FlowStatus.Finished);
    }

    [Fact]
    public async Task What_an_instance_waits_for_is_described_by_the_waiting_activitys_stimulus()
    {
        await runtime.PublishAsync(Approval);
        var started = await runtime.Host.StartAsync("approval", null, new JsonObject { ["requestId"] = "r-1" }, new RunOptions(), TimeSpan.FromSeconds(30), CancellationToken.None);
        var suspended = await runtime.WaitForInstanceAsync(started.InstanceId, s => s.State.Status == FlowStatus.Suspended);
        var registry = runtime.Services.GetRequiredService<ActivityRegistry>();

        registry.DescribeWait(suspended.State.Bookmarks[0]).ShouldBe("event 'approval' with correlation id 'r-1'");
        registry.ReadStimulus(suspended.State.Bookmarks[0]).ShouldBe(new EventStimulus("approval", "r-1"));
    }

    /// <summary>An instance stored running and leased by a worker that died <paramref name="deaths"/> times.</summary>
    private async Task<(FlowInstanceState State, int Version)> CreateLeftRunningAsync(string who, int deaths)
    {
        await runtime.PublishAsync(Greet);
        var (flow, version) = await runtime.Host.CompileAsync("greet", null, CancellationToken.None);
        var state = runtime.Host.Engine.CreateInstance(flow, new JsonObject { ["who"] = who });
        var past = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10);
        await runtime.Instances.CreateAsync(state, version, [], CancellationToken.None, "dead-node/1", past);
        for (var i = 1; i < deaths; i++)
            (await runtime.Instances.TryAcquireLeaseAsync(state.InstanceId, $"dead-node/{i + 1}", past.AddSeconds(i * 10), TimeSpan.FromSeconds(1), countAttempt: true)).ShouldBeTrue();
        (await runtime.Instances.GetAsync(state.InstanceId)).ShouldNotBeNull().RunAttempts.ShouldBe(deaths);
        return (state, version);
    }
}
