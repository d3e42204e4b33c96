using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Tests;

/// <summary>The resume path's store calls: lease and load in one statement, group-committed saves that acknowledge their stimulus.</summary>
public abstract class ResumePathStoreTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private IInstanceStore Instances => Get<IInstanceStore>();
    private IInboxStore Inbox => Get<IInboxStore>();
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static InboxMessage Callback(string hash) => new() { Kind = "callback", Hash = hash, Payload = new JsonObject { ["ok"] = true }, ReceivedAt = T0 };

    [Fact]
    public async Task Leasing_reads_the_stored_instance_back_and_refuses_a_held_lease()
    {
        await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State("i1", status: FlowStatus.Suspended, bookmarkHashes: "h"), 3, []);

        var leased = (await Instances.TryLeaseAndGetAsync("i1", "worker-a", T0, Minute, countAttempt: true))!;
        leased.State.InstanceId.ShouldBe("i1");
        leased.State.Status.ShouldBe(FlowStatus.Suspended);
        leased.FlowVersion.ShouldBe(3);
        leased.LeaseOwner.ShouldBe("worker-a");
        leased.LeaseExpiresAt.ShouldBe(T0 + Minute);
        leased.RunAttempts.ShouldBe(1);

        (await Instances.TryLeaseAndGetAsync("i1", "worker-b", T0.AddSeconds(30), Minute)).ShouldBeNull();
        (await Instances.TryLeaseAndGetAsync("missing", "worker-a", T0, Minute)).ShouldBeNull();
        // Expired: another worker takes it over.
        (await Instances.TryLeaseAndGetAsync("i1", "worker-b", T0.AddSeconds(61), Minute))!.LeaseOwner.ShouldBe("worker-b");
    }

    [Fact]
    public async Task A_save_marks_the_stimulus_it_consumed_processed_in_the_same_write()
    {
        await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State("i1", status: FlowStatus.Suspended, bookmarkHashes: "h"), 1, []);
        var id = await Inbox.AddAsync(Callback("h"));
        (await Instances.TryLeaseAndGetAsync("i1", "worker-a", T0, Minute, countAttempt: true)).ShouldNotBeNull();

        var finished = InstanceStoreTests<TDatabase>.State("i1", status: FlowStatus.Finished);
        await Instances.SaveAsync(finished, [new JournalEntry { NodeId = "done", ActivityType = "Return", StartedAt = T0 }], default,
            leaseOwner: "worker-a", processedMessageId: id);

        var message = (await Inbox.GetAsync(id))!;
        message.Status.ShouldBe(InboxStatus.Processed);
        message.InstanceId.ShouldBe("i1");
        message.Attempts.ShouldBe(0);
        var saved = (await Instances.GetAsync("i1"))!;
        saved.State.Status.ShouldBe(FlowStatus.Finished);
        saved.LeaseOwner.ShouldBeNull();
        (await Instances.FindBookmarksAsync("h")).ShouldBeEmpty();
        (await Instances.GetJournalAsync("i1")).Select(j => j.NodeId).ShouldBe(["done"]);
    }

    [Fact]
    public async Task A_refused_save_leaves_its_stimulus_pending_and_does_not_fail_the_saves_committed_beside_it()
    {
        for (var n = 0; n < 20; n++)
            await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State($"i{n}", status: FlowStatus.Suspended, bookmarkHashes: $"h{n}"), 1, [], default,
                "worker-a", T0.AddMinutes(5));
        // i7 was taken over by another node meanwhile.
        await Instances.ReleaseLeaseAsync("i7", "worker-a");
        (await Instances.TryAcquireLeaseAsync("i7", "worker-b", T0, Minute)).ShouldBeTrue();
        var messages = new long[20];
        for (var n = 0; n < 20; n++) messages[n] = await Inbox.AddAsync(Callback($"h{n}"));

        // Saved all at once: they share transactions; i7's is refused alone.
        var saves = Enumerable.Range(0, 20).Select(n => Task.Run(() => Instances.SaveAsync(
            InstanceStoreTests<TDatabase>.State($"i{n}", status: FlowStatus.Finished),
            [new JournalEntry { NodeId = "done", ActivityType = "Return", StartedAt = T0 }], default, leaseOwner: "worker-a", processedMessageId: messages[n]))).ToList();
        await Should.ThrowAsync<LeaseLostException>(() => saves[7]);
        for (var n = 0; n < 20; n++)
        {
            if (n == 7) continue;
            await saves[n];
            (await Instances.GetAsync($"i{n}"))!.State.Status.ShouldBe(FlowStatus.Finished);
            (await Inbox.GetAsync(messages[n]))!.Status.ShouldBe(InboxStatus.Processed);
            (await Instances.GetJournalAsync($"i{n}")).Count.ShouldBe(1);
        }
        (await Instances.GetAsync("i7"))!.State.Status.ShouldBe(FlowStatus.Suspended);
        (await Inbox.GetAsync(messages[7]))!.Status.ShouldBe(InboxStatus.Pending);
        (await Instances.GetJournalAsync("i7")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Journal_entries_appended_by_successive_saves_keep_their_order()
    {
        await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State("i1", status: FlowStatus.Running), 1,
            [new JournalEntry { NodeId = "a", ActivityType = "NoOp", StartedAt = T0 }]);
        await Instances.SaveAsync(InstanceStoreTests<TDatabase>.State("i1", status: FlowStatus.Running),
            [new JournalEntry { NodeId = "b", ActivityType = "NoOp", StartedAt = T0 }, new JournalEntry { NodeId = "c", ActivityType = "NoOp", StartedAt = T0 }]);
        await Instances.SaveAsync(InstanceStoreTests<TDatabase>.State("i1", status: FlowStatus.Finished),
            [new JournalEntry { NodeId = "d", ActivityType = "NoOp", StartedAt = T0 }]);
        (await Instances.GetJournalAsync("i1")).Select(j => j.NodeId).ShouldBe(["a", "b", "c", "d"]);
    }

    [Fact]
    public async Task Fired_timers_are_deleted_together()
    {
        var timers = Get<ITimerStore>();
        for (var n = 0; n < 5; n++) await timers.AddAsync(new TimerRecord($"t{n}", T0.AddMinutes(n), "resume", $"i{n}", $"b{n}", null, null));
        await timers.DeleteManyAsync(["t0", "t2", "t4", "missing"]);
        (await timers.ListAsync()).Select(t => t.Id).ShouldBe(["t1", "t3"]);
    }

    [Fact]
    public async Task A_save_keeps_exactly_one_timer_per_delay_bookmark()
    {
        var state = InstanceStoreTests<TDatabase>.State("i1", status: FlowStatus.Suspended);
        state.Bookmarks.Add(new Bookmark { Id = "d1", ScopeId = 0, Name = "delay", NodeId = "wait", Hash = "hd1", Payload = new JsonObject { ["resumeAt"] = T0.AddMinutes(1).ToString("O") } });
        state.Bookmarks.Add(new Bookmark { Id = "d2", ScopeId = 0, Name = "delay", NodeId = "wait2", Hash = "hd2", Payload = new JsonObject { ["resumeAt"] = T0.AddMinutes(2).ToString("O") } });
        await Instances.CreateAsync(state, 1, []);
        (await Get<ITimerStore>().ListAsync()).Select(t => t.Id).ShouldBe(["d1", "d2"]);

        // d1 fired and is gone from the state; d2 is moved later.
        state.Bookmarks.Clear();
        state.Bookmarks.Add(new Bookmark { Id = "d2", ScopeId = 0, Name = "delay", NodeId = "wait2", Hash = "hd2", Payload = new JsonObject { ["resumeAt"] = T0.AddMinutes(5).ToString("O") } });
        await Instances.SaveAsync(state, []);
        var kept = (await Get<ITimerStore>().ListAsync()).ShouldHaveSingleItem();
        kept.Id.ShouldBe("d2");
        kept.DueAt.ShouldBe(T0.AddMinutes(5));

        state.Status = FlowStatus.Finished;
        state.Bookmarks.Clear();
        await Instances.SaveAsync(state, []);
        (await Get<ITimerStore>().ListAsync()).ShouldBeEmpty();
    }

    private static FlowInstanceState WaitingForCallback(string id, FlowStatus status = FlowStatus.Suspended)
    {
        var state = InstanceStoreTests<TDatabase>.State(id, status: status);
        state.Bookmarks.Add(new Bookmark
        {
            Id = "cb", NodeId = "wait", ScopeId = 0, Name = "callback", Hash = "h-cb", CreatedAt = T0,
            Data = new JsonObject { ["accept"] = new JsonObject { ["required"] = new JsonArray("decision") } },
        });
        state.Bookmarks.Add(new Bookmark { Id = "plain", NodeId = "wait2", ScopeId = 0, Name = "callback", Hash = "h-plain", CreatedAt = T0 });
        return state;
    }

    [Fact]
    public async Task A_bookmark_is_checked_by_its_hash_with_the_instance_status_and_the_bookmark_data()
    {
        (await Instances.CheckBookmarkAsync("missing", "h-cb")).ShouldBeNull();
        await Instances.CreateAsync(WaitingForCallback("i1"), 1, []);

        var check = (await Instances.CheckBookmarkAsync("i1", "h-cb"))!;
        check.Status.ShouldBe(FlowStatus.Suspended);
        check.Waiting.ShouldBeTrue();
        // The bookmark's id: the endpoint hands the callback to the worker with it, so the worker looks nothing up.
        check.BookmarkId.ShouldBe("cb");
        JsonNode.DeepEquals(check.Data, new JsonObject { ["accept"] = new JsonObject { ["required"] = new JsonArray("decision") } }).ShouldBeTrue();
        var plain = (await Instances.CheckBookmarkAsync("i1", "h-plain"))!;
        plain.Waiting.ShouldBeTrue();
        plain.Data.ShouldBeNull();
        plain.BookmarkId.ShouldBe("plain");
        var other = (await Instances.CheckBookmarkAsync("i1", "h-other"))!;
        other.Status.ShouldBe(FlowStatus.Suspended);
        other.Waiting.ShouldBeFalse();
        other.Data.ShouldBeNull();
        other.BookmarkId.ShouldBeNull();
        // Another instance's bookmark with the same hash is not this one's.
        await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State("i2", status: FlowStatus.Running), 1, []);
        (await Instances.CheckBookmarkAsync("i2", "h-cb"))!.ShouldBe(new BookmarkCheck(FlowStatus.Running, false, null));

        // Saved through the grouped save path (leased worker): the data is written with the bookmark again.
        (await Instances.TryLeaseAndGetAsync("i1", "worker-a", T0, Minute, countAttempt: true)).ShouldNotBeNull();
        var resaved = WaitingForCallback("i1");
        resaved.Bookmarks.RemoveAll(b => b.Id == "plain");
        await Instances.SaveAsync(resaved, [], default, leaseOwner: "worker-a");
        (await Instances.CheckBookmarkAsync("i1", "h-cb"))!.Data!["accept"]!["required"]![0]!.GetValue<string>().ShouldBe("decision");
        (await Instances.CheckBookmarkAsync("i1", "h-plain"))!.Waiting.ShouldBeFalse();

        // Ended: the status says so and nothing waits.
        await Instances.SaveAsync(InstanceStoreTests<TDatabase>.State("i1", status: FlowStatus.Finished), []);
        (await Instances.CheckBookmarkAsync("i1", "h-cb"))!.ShouldBe(new BookmarkCheck(FlowStatus.Finished, false, null));
    }

    [Fact]
    public async Task A_bookmark_stored_before_its_data_column_is_checked_from_the_state()
    {
        await Instances.CreateAsync(WaitingForCallback("i1"), 1, []);
        await using (var db = OpenDb())
            (await db.Database.ExecuteSqlRawAsync("UPDATE \"Bookmarks\" SET \"DataJson\" = NULL")).ShouldBe(2);

        var check = (await Instances.CheckBookmarkAsync("i1", "h-cb"))!;
        check.Waiting.ShouldBeTrue();
        check.BookmarkId.ShouldBe("cb");
        check.Data!["accept"]!["required"]![0]!.GetValue<string>().ShouldBe("decision");
        (await Instances.CheckBookmarkAsync("i1", "h-plain"))!.ShouldBe(new BookmarkCheck(FlowStatus.Suspended, true, null, "plain"));
    }

    [Fact]
    public async Task Stimuli_stored_at_once_each_get_their_own_id()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 30).Select(n => Task.Run(() => Inbox.AddAsync(Callback($"h{n}")))));
        ids.Distinct().Count().ShouldBe(30);
        for (var n = 0; n < 30; n++) (await Inbox.GetAsync(ids[n]))!.Hash.ShouldBe($"h{n}");
    }
}

public sealed class SqliteResumePathStoreTests : ResumePathStoreTests<SqliteTestDatabase>;

public sealed class PostgresResumePathStoreTests : ResumePathStoreTests<PostgresTestDatabase>;
