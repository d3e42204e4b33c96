using System.Text.Json.Nodes;
using FlowConnectors.Engine;

namespace FlowConnectors.Persistence.Tests;

/// <summary>
/// What the durable runtime relies on after a crash: timers written with their instance, an end that no worker
/// overwrites, run attempts counted on disk, leases of a restarted node given back, dead letters and expiry.
/// </summary>
public abstract class HardeningStoreTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private IInstanceStore Instances => Get<IInstanceStore>();
    private ITimerStore Timers => Get<ITimerStore>();
    private IInboxStore Inbox => Get<IInboxStore>();
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static FlowInstanceState Delayed(string id, string bookmarkId, DateTimeOffset resumeAt)
    {
        var state = InstanceStoreTests<TDatabase>.State(id);
        state.Bookmarks.Add(new Bookmark
        {
            Id = bookmarkId, NodeId = "pause", ScopeId = 0, Name = "delay", Hash = "delay-" + bookmarkId, CreatedAt = T0,
            Payload = new JsonObject { ["resumeAt"] = resumeAt.ToString("O") },
        });
        return state;
    }

    [Fact]
    public async Task A_suspended_instance_is_stored_with_the_timer_of_its_delay_in_one_transaction()
    {
        await Instances.CreateAsync(Delayed("d1", "b1", T0.AddMinutes(5)), 1, []);
        var timer = (await Timers.ListAsync()).ShouldHaveSingleItem();
        timer.ShouldBe(new TimerRecord("b1", T0.AddMinutes(5), "bookmark", "d1", "b1", null, null));

        // Running again, then suspended on a new delay: the old timer goes, the new one comes, with the save.
        var resumed = Delayed("d1", "b2", T0.AddMinutes(9));
        resumed.Bookmarks.RemoveAll(b => b.Id == "b1");
        await Instances.SaveAsync(resumed, []);
        (await Timers.ListAsync()).ShouldHaveSingleItem().Id.ShouldBe("b2");

        resumed.Status = FlowStatus.Finished;
        await Instances.SaveAsync(resumed, []);
        (await Timers.ListAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Recovery_restores_the_timer_of_a_suspended_instance_that_lost_it()
    {
        await Instances.CreateAsync(Delayed("lost", "b-lost", T0.AddSeconds(20)), 1, []);
        await Instances.CreateAsync(Delayed("kept", "b-kept", T0.AddSeconds(30)), 1, []);
        // As an older version left it: saved suspended, then killed before the timer row was written.
        (await Timers.DeleteAsync("b-lost")).ShouldBeTrue();

        var restored = await Instances.RestoreMissingTimersAsync();
        restored.ShouldHaveSingleItem().ShouldBe(new TimerRecord("b-lost", T0.AddSeconds(20), "bookmark", "lost", "b-lost", null, null));
        (await Timers.ListAsync()).Select(t => t.Id).OrderBy(x => x).ShouldBe(["b-kept", "b-lost"]);
        (await Instances.RestoreMissingTimersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_ended_instance_is_final_and_a_worker_cannot_overwrite_it()
    {
        var running = InstanceStoreTests<TDatabase>.State("c1", status: FlowStatus.Running);
        await Instances.CreateAsync(running, 1, [], default, "node-a/1", T0.AddMinutes(2));
        (await Instances.EndAsync("c1", FlowStatus.Cancelled, new FlowFault(null, null, "the instance was cancelled"))).ShouldBeTrue();
        (await Instances.EndAsync("c1", FlowStatus.Cancelled, new FlowFault(null, null, "again"))).ShouldBeFalse();
        (await Instances.EndAsync("missing", FlowStatus.Cancelled, new FlowFault(null, null, "x"))).ShouldBeFalse();

        // The worker that held the lease finishes its run: its result is refused, the cancellation stands.
        running.Status = FlowStatus.Finished;
        await Should.ThrowAsync<InstanceEndedException>(() => Instances.SaveAsync(running, []));
        var stored = (await Instances.GetAsync("c1"))!;
        stored.State.Status.ShouldBe(FlowStatus.Cancelled);
        stored.State.Fault!.Message.ShouldBe("the instance was cancelled");
        (await Instances.ListAsync(new InstanceQuery(FlowStatus.Cancelled))).ShouldHaveSingleItem().InstanceId.ShouldBe("c1");
    }

    [Fact]
    public async Task Ending_a_waiting_instance_removes_its_bookmarks_and_timers()
    {
        await Instances.CreateAsync(Delayed("w1", "bw", T0.AddMinutes(1)), 1, []);
        (await Instances.EndAsync("w1", FlowStatus.Faulted, new FlowFault("pause", "Delay", "poisoned"))).ShouldBeTrue();
        (await Instances.FindBookmarksAsync("delay-bw")).ShouldBeEmpty();
        (await Timers.ListAsync()).ShouldBeEmpty();
        (await Instances.GetAsync("w1"))!.State.Status.ShouldBe(FlowStatus.Faulted);
    }

    [Fact]
    public async Task Run_attempts_are_counted_on_disk_and_start_again_from_zero_at_a_save()
    {
        var state = InstanceStoreTests<TDatabase>.State("r1", status: FlowStatus.Running);
        await Instances.CreateAsync(state, 1, [], default, "node-a/1", T0.AddMinutes(2));
        (await Instances.GetAsync("r1"))!.RunAttempts.ShouldBe(1);
        (await Instances.TryAcquireLeaseAsync("r1", "node-a/2", T0.AddMinutes(3), Minute)).ShouldBeTrue();
        (await Instances.GetAsync("r1"))!.RunAttempts.ShouldBe(1);
        (await Instances.TryAcquireLeaseAsync("r1", "node-a/2", T0.AddMinutes(3), Minute, countAttempt: true)).ShouldBeTrue();
        (await Instances.GetAsync("r1"))!.RunAttempts.ShouldBe(2);
        await Instances.SaveAsync(state, []);
        (await Instances.GetAsync("r1"))!.RunAttempts.ShouldBe(0);
    }

    [Fact]
    public async Task A_restarted_node_gets_back_the_leases_of_its_previous_process_only()
    {
        foreach (var (id, owner) in new[] { ("a", "node-a/100"), ("b", "node-a/100"), ("c", "node-b/7"), ("d", "node-a/200"), ("e", "node-ab/1") })
            await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State(id, status: FlowStatus.Running), 1, [], default, owner, T0.AddMinutes(2));

        (await Instances.ReleaseLeasesOfAsync("node-a", "node-a/200")).ShouldBe(2);
        (await Instances.FindOrphanedAsync(T0)).OrderBy(x => x).ShouldBe(["a", "b"]);
        (await Instances.GetAsync("c"))!.LeaseOwner.ShouldBe("node-b/7");
        (await Instances.GetAsync("d"))!.LeaseOwner.ShouldBe("node-a/200");
        (await Instances.GetAsync("e"))!.LeaseOwner.ShouldBe("node-ab/1");
    }

    [Fact]
    public async Task Renewing_leases_reports_the_instances_that_ended_or_were_taken()
    {
        foreach (var id in new[] { "x", "y", "z" })
            await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State(id, status: FlowStatus.Running), 1, [], default, "me/1", T0.AddMinutes(1));
        await Instances.EndAsync("y", FlowStatus.Cancelled, new FlowFault(null, null, "the instance was cancelled"));
        (await Instances.TryAcquireLeaseAsync("z", "other/1", T0.AddMinutes(2), Minute)).ShouldBeTrue();

        var lost = await Instances.RenewLeasesAsync("me/1", ["x", "y", "z", "not-stored-yet"], T0.AddMinutes(5));
        lost.OrderBy(x => x).ShouldBe(["y", "z"]);
        (await Instances.GetAsync("x"))!.LeaseExpiresAt.ShouldBe(T0.AddMinutes(5));
    }

    [Fact]
    public async Task Dead_letters_are_listed_and_unclaimed_events_expire()
    {
        var poison = await Inbox.AddAsync(new InboxMessage { Kind = "event", Hash = "h", ReceivedAt = T0 });
        await Inbox.UpdateAsync(poison, InboxStatus.DeadLettered, "dead-lettered after 5 failed attempts: boom", null);
        (await Inbox.ListDeadLettersAsync(0, 10)).ShouldHaveSingleItem().Error.ShouldBe("dead-lettered after 5 failed attempts: boom");

        var old = await Inbox.AddAsync(new InboxMessage { Kind = "event", Hash = "h", ReceivedAt = T0, Status = InboxStatus.Waiting });
        var fresh = await Inbox.AddAsync(new InboxMessage { Kind = "event", Hash = "h", ReceivedAt = T0.AddMinutes(9), Status = InboxStatus.Waiting });
        var callback = await Inbox.AddAsync(new InboxMessage { Kind = "callback", Hash = "h", ReceivedAt = T0, Status = InboxStatus.Waiting });
        (await Inbox.ExpireWaitingAsync("event", T0.AddMinutes(5))).ShouldBe(1);
        (await Inbox.GetAsync(old))!.Status.ShouldBe(InboxStatus.Expired);
        (await Inbox.GetAsync(fresh))!.Status.ShouldBe(InboxStatus.Waiting);
        (await Inbox.GetAsync(callback))!.Status.ShouldBe(InboxStatus.Waiting);

        // Setting a status is not an attempt.
        await Inbox.SetStatusAsync(fresh, InboxStatus.Pending, null, "i-1");
        var pending = (await Inbox.GetAsync(fresh))!;
        (pending.Status, pending.Attempts, pending.InstanceId).ShouldBe((InboxStatus.Pending, 0, "i-1"));
    }
}

public sealed class SqliteHardeningStoreTests : HardeningStoreTests<SqliteTestDatabase>;

public sealed class PostgresHardeningStoreTests : HardeningStoreTests<PostgresTestDatabase>;
