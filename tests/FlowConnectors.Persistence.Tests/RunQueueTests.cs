using FlowConnectors.Engine;

namespace FlowConnectors.Persistence.Tests;

public abstract class RunQueueTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private IRunQueue Queue => Get<IRunQueue>();
    private IInboxStore Inbox => Get<IInboxStore>();
    private IInstanceStore Instances => Get<IInstanceStore>();
    private ITimerStore Timers => Get<ITimerStore>();
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Workers_claiming_at_once_never_take_the_same_message_and_a_recorded_outcome_ends_the_claim()
    {
        for (var i = 0; i < 40; i++) await Inbox.AddAsync(new InboxMessage { Kind = "callback", Hash = $"h{i}", ReceivedAt = T0 });

        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Queue.ClaimInboxAsync($"node-{w}/p", 40, T0, T0 + Minute)));
        var all = claims.SelectMany(c => c.Select(m => m.Id)).ToList();
        all.Count.ShouldBe(40);
        all.Distinct().Count().ShouldBe(40, "a message is claimed by one worker only");
        (await Queue.ClaimInboxAsync("late/p", 40, T0.AddSeconds(30), T0 + Minute)).ShouldBeEmpty();

        // Back to pending (its instance was busy): claimable again at once.
        var first = claims.First(c => c.Count > 0)[0];
        await Inbox.SetStatusAsync(first.Id, InboxStatus.Pending, null, null);
        (await Queue.ClaimInboxAsync("late/p", 40, T0.AddSeconds(30), T0 + Minute)).Select(m => m.Id).ShouldBe([first.Id]);
    }

    [Fact]
    public async Task A_claim_takes_the_oldest_messages_only_while_their_sizes_fit_its_bytes_and_the_oldest_of_any_size_when_asked()
    {
        // Stored text: the payload "xx…" (its length + 2 quotes) and the headers {} (2): 1,004 and 5,004 bytes.
        Task<long> Add(string hash, int length) =>
            Inbox.AddAsync(new InboxMessage { Kind = "callback", Hash = hash, ReceivedAt = T0, Payload = System.Text.Json.Nodes.JsonValue.Create(new string('x', length)) });
        var a = await Add("a", 1000);
        var b = await Add("b", 1000);
        var large = await Add("c", 5000);
        var d = await Add("d", 1000);

        var first = await Queue.ClaimInboxAsync("node-a/p", 10, T0, T0 + Minute, maxBytes: 2500);
        first.Select(m => m.Id).ShouldBe([a, b]);
        first.Select(m => m.Size).ShouldBe([1004L, 1004L]);
        // The next does not fit, and a later one is not taken before it (a hash's messages stay in order).
        (await Queue.ClaimInboxAsync("node-a/p", 10, T0, T0 + Minute, maxBytes: 2500)).ShouldBeEmpty();
        var alone = await Queue.ClaimInboxAsync("node-a/p", 10, T0, T0 + Minute, maxBytes: 2500, oldestOfAnySize: true);
        alone.ShouldHaveSingleItem().Id.ShouldBe(large);
        alone[0].Size.ShouldBe(5004);
        (await Queue.ClaimInboxAsync("node-a/p", 10, T0, T0 + Minute)).Single().Id.ShouldBe(d);
    }

    [Fact]
    public async Task A_claim_whose_worker_died_is_taken_again_once_it_runs_out_and_a_stopping_worker_hands_back_at_once()
    {
        var id = await Inbox.AddAsync(new InboxMessage { Kind = "callback", Hash = "h", ReceivedAt = T0 });
        (await Queue.ClaimInboxAsync("dead/p", 10, T0, T0 + Minute)).ShouldHaveSingleItem();
        (await Queue.ClaimInboxAsync("other/p", 10, T0.AddSeconds(59), T0.AddMinutes(2))).ShouldBeEmpty();
        (await Queue.ClaimInboxAsync("other/p", 10, T0.AddSeconds(61), T0.AddMinutes(2))).Single().Id.ShouldBe(id);

        await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State("i1", status: FlowStatus.Running), 1, [], default, "stopping/p", T0 + Minute);
        await Timers.AddAsync(new TimerRecord("t1", T0, "bookmark", "i1", "b1", null, null));
        (await Timers.ClaimDueAsync("stopping/p", T0, 10, T0 + Minute)).ShouldHaveSingleItem();
        (await Queue.ClaimOrphanedAsync("other/p", 10, T0, T0 + Minute)).ShouldBeEmpty();

        (await Queue.HandBackAsync("stopping/p")).ShouldBe(1);
        (await Instances.GetAsync("i1"))!.LeaseOwner.ShouldBeNull();
        (await Queue.ClaimOrphanedAsync("other/p", 10, T0, T0 + Minute)).ShouldBe(["i1"]);
        (await Instances.GetAsync("i1"))!.LeaseOwner.ShouldBe("other/p");
        (await Timers.ClaimDueAsync("other/p", T0, 10, T0 + Minute)).Single().Id.ShouldBe("t1");
    }

    [Fact]
    public async Task A_message_stored_claimed_is_left_to_its_process_until_the_claim_runs_out_or_its_node_starts_again_or_hands_back()
    {
        // A callback the endpoint stored for its own node to resume at once.
        var id = await Inbox.AddAsync(new InboxMessage { Kind = "callback", Hash = "h", ReceivedAt = T0, ClaimedBy = "node-a/p1", ClaimedUntil = T0 + Minute });
        var stored = (await Inbox.GetAsync(id))!;
        stored.ClaimedBy.ShouldBe("node-a/p1");
        stored.ClaimedUntil.ShouldBe(T0 + Minute);
        stored.Status.ShouldBe(InboxStatus.Pending);
        (await Queue.ClaimInboxAsync("node-b/p", 10, T0.AddSeconds(59), T0.AddMinutes(2))).ShouldBeEmpty();
        // Its process died: the claim runs out and another node takes it.
        (await Queue.ClaimInboxAsync("node-b/p", 10, T0.AddSeconds(61), T0.AddMinutes(2))).Single().Id.ShouldBe(id);

        // Or its node starts again and takes back what its previous process held, at once.
        var again = await Inbox.AddAsync(new InboxMessage { Kind = "callback", Hash = "h2", ReceivedAt = T0, ClaimedBy = "node-a/p1", ClaimedUntil = T0 + Minute });
        await Instances.ReleaseLeasesOfAsync("node-a", "node-a/p2");
        (await Queue.ClaimInboxAsync("node-a/p2", 10, T0, T0 + Minute)).Single().Id.ShouldBe(again);

        // Or its process stops and hands it back.
        var handed = await Inbox.AddAsync(new InboxMessage { Kind = "callback", Hash = "h3", ReceivedAt = T0, ClaimedBy = "node-c/p", ClaimedUntil = T0 + Minute });
        await Queue.HandBackAsync("node-c/p");
        (await Queue.ClaimInboxAsync("node-b/p", 10, T0, T0 + Minute)).Single().Id.ShouldBe(handed);
    }

    [Fact]
    public async Task A_worker_extends_the_claims_it_still_holds_and_learns_which_it_lost()
    {
        Task<long> Held(string hash) => Inbox.AddAsync(new InboxMessage { Kind = "callback", Hash = hash, ReceivedAt = T0, ClaimedBy = "node-a/p", ClaimedUntil = T0 + Minute });
        var taken = await Held("h1");
        var done = await Held("h2");
        var mine = await Held("h3");
        // node-a still holds all three: one ran out and node-b took it (the oldest), one's outcome is recorded (no claim left).
        (await Queue.ClaimInboxAsync("node-b/p", 1, T0.AddSeconds(61), T0.AddMinutes(3))).Single().Id.ShouldBe(taken);
        await Inbox.SetStatusAsync(done, InboxStatus.Processed, null, "i1");

        var kept = await Queue.ExtendInboxClaimsAsync("node-a/p", [taken, done, mine], T0.AddMinutes(2));

        kept.ShouldBe([mine]);
        (await Inbox.GetAsync(mine))!.ClaimedUntil.ShouldBe(T0.AddMinutes(2));
        (await Inbox.GetAsync(taken))!.ClaimedBy.ShouldBe("node-b/p");
        (await Inbox.GetAsync(taken))!.ClaimedUntil.ShouldBe(T0.AddMinutes(3));
        (await Inbox.GetAsync(done))!.ClaimedBy.ShouldBeNull();
        // Extended past the first claim's time: no other worker takes it then.
        (await Queue.ClaimInboxAsync("node-c/p", 10, T0.AddSeconds(90), T0.AddMinutes(3))).ShouldBeEmpty();
        (await Queue.ExtendInboxClaimsAsync("node-a/p", [], T0.AddMinutes(2))).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_due_timer_is_claimed_by_one_scheduler_with_its_own_due_time_and_listed_as_due_when_the_claim_runs_out()
    {
        for (var i = 0; i < 20; i++) await Timers.AddAsync(new TimerRecord($"t{i:00}", T0.AddSeconds(-i), "bookmark", $"i{i}", "b", null, null));

        var claims = await Task.WhenAll(Enumerable.Range(0, 3).Select(w => Timers.ClaimDueAsync($"node-{w}/p", T0, 20, T0 + Minute)));
        claims.SelectMany(c => c).Select(t => t.Id).Distinct().Count().ShouldBe(20);
        claims.SelectMany(c => c).Count().ShouldBe(20, "each due timer fires on one node");
        claims.SelectMany(c => c).Single(t => t.Id == "t05").DueAt.ShouldBe(T0.AddSeconds(-5));
        (await Timers.ListDueAsync(T0.AddSeconds(59), 100)).ShouldBeEmpty();
        (await Timers.ListDueAsync(T0 + Minute, 100)).Count.ShouldBe(20);

        // Stored again (a trigger's next occurrence replaces it): unclaimed.
        await Timers.AddAsync(new TimerRecord("t00", T0, "bookmark", "i0", "b", null, null));
        (await Timers.ClaimDueAsync("node-9/p", T0, 20, T0 + Minute)).Select(t => t.Id).ShouldBe(["t00"]);
    }
}

public sealed class SqliteRunQueueTests : RunQueueTests<SqliteTestDatabase>;

public sealed class PostgresRunQueueTests : RunQueueTests<PostgresTestDatabase>;
