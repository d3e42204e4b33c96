using System.Text.Json.Nodes;
using FlowConnectors.Engine;

namespace FlowConnectors.Persistence.Tests;

/// <summary>What retry and repair need from the store: a faulted instance reopened once, notes appended, who cancelled.</summary>
public abstract class RetryStoreTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private IInstanceStore Instances => Get<IInstanceStore>();
    private ITimerStore Timers => Get<ITimerStore>();

    [Fact]
    public async Task A_faulted_instance_is_reopened_once_on_its_new_version_with_its_bookmarks_and_timers()
    {
        var state = InstanceStoreTests<TDatabase>.State("r1");
        state.Status = FlowStatus.Faulted;
        state.Fault = new FlowFault("fetch", "Http.SendRequest", "HTTP 409");
        await Instances.CreateAsync(state, 1, []);

        var reopened = InstanceStoreTests<TDatabase>.State("r1");
        reopened.Status = FlowStatus.Running;
        reopened.Bookmarks.Add(new Bookmark
        {
            Id = "b1", NodeId = "pause", ScopeId = 0, Name = "delay", Hash = "delay-b1", CreatedAt = T0,
            Payload = new JsonObject { ["resumeAt"] = T0.AddMinutes(5).ToString("O") },
        });
        reopened.Record(new InstanceChange(T0, "retry", "ada"));
        var note = new JournalEntry { NodeId = "@retry", ActivityType = "Retry", StartedAt = T0, Outcome = "retry" };

        (await Instances.ReopenAsync(reopened, 2, [note])).ShouldBeTrue();
        var stored = (await Instances.GetAsync("r1")).ShouldNotBeNull();
        stored.FlowVersion.ShouldBe(2);
        stored.State.Status.ShouldBe(FlowStatus.Running);
        stored.State.History.ShouldNotBeNull().ShouldHaveSingleItem().By.ShouldBe("ada");
        (await Timers.ListAsync()).ShouldContain(t => t.InstanceId == "r1" && t.BookmarkId == "b1");
        (await Instances.GetJournalAsync("r1")).ShouldHaveSingleItem().NodeId.ShouldBe("@retry");

        // Running now, not faulted: a second retry finds nothing to reopen.
        (await Instances.ReopenAsync(reopened, 3, [])).ShouldBeFalse();
        (await Instances.GetAsync("r1")).ShouldNotBeNull().FlowVersion.ShouldBe(2);
        (await Instances.ReopenAsync(InstanceStoreTests<TDatabase>.State("absent"), 1, [])).ShouldBeFalse();
    }

    [Fact]
    public async Task A_note_is_appended_after_the_journal_and_a_cancellation_records_who()
    {
        await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State("n1"), 1, [new JournalEntry { NodeId = "a", ActivityType = "NoOp", StartedAt = T0 }]);
        await Instances.AppendJournalAsync("n1", [new JournalEntry { NodeId = "@recovery", ActivityType = "Recovery", StartedAt = T0 }]);
        (await Instances.GetJournalAsync("n1")).Select(j => j.NodeId).ShouldBe(["a", "@recovery"]);

        (await Instances.EndAsync("n1", FlowStatus.Cancelled, new FlowFault(null, null, "cancelled by ada"), change: new InstanceChange(T0, "cancel", "ada"))).ShouldBeTrue();
        var history = (await Instances.GetAsync("n1")).ShouldNotBeNull().State.History.ShouldNotBeNull();
        history.ShouldHaveSingleItem().ShouldBe(new InstanceChange(T0, "cancel", "ada"));
    }

    [Fact]
    public async Task Retry_all_selects_faulted_instances_by_flow_version_fault_node_and_time_oldest_first()
    {
        async Task FaultedAsync(string id, string flowId, int version, string? nodeId, int minutes, FlowStatus status = FlowStatus.Faulted)
        {
            var state = InstanceStoreTests<TDatabase>.State(id, flowId, status, createdAt: T0.AddMinutes(minutes));
            if (status == FlowStatus.Faulted) state.Fault = new FlowFault(nodeId, "Http.SendRequest", "HTTP 503");
            await Instances.CreateAsync(state, version, []);
        }
        await FaultedAsync("late", "sync", 1, "fetch", 30);
        await FaultedAsync("early", "sync", 1, "fetch", 10);
        await FaultedAsync("other-node", "sync", 1, "store", 20);
        await FaultedAsync("version-2", "sync", 2, "fetch", 25);
        await FaultedAsync("other-flow", "report", 1, "fetch", 15);
        await FaultedAsync("finished", "sync", 1, null, 12, FlowStatus.Finished);
        await FaultedAsync("too-old", "sync", 1, "fetch", -60);

        async Task<string[]> IdsAsync(FaultedInstanceQuery query) => [.. (await Instances.ListFaultedAsync(query)).Select(i => i.InstanceId)];

        (await IdsAsync(new FaultedInstanceQuery("sync", NodeId: "fetch", From: T0))).ShouldBe(["early", "version-2", "late"]);
        (await IdsAsync(new FaultedInstanceQuery("sync", 1, "fetch", T0, T0.AddMinutes(20)))).ShouldBe(["early"]);
        (await IdsAsync(new FaultedInstanceQuery(NodeId: "store"))).ShouldBe(["other-node"]);
        (await IdsAsync(new FaultedInstanceQuery())).ShouldBe(["too-old", "early", "other-flow", "other-node", "version-2", "late"]);
        (await IdsAsync(new FaultedInstanceQuery(Skip: 1, Take: 2))).ShouldBe(["early", "other-flow"]);
        (await Instances.ListFaultedAsync(new FaultedInstanceQuery("sync", NodeId: "fetch", From: T0))).ShouldAllBe(i => i.Status == FlowStatus.Faulted);
    }
}

public sealed class SqliteRetryStoreTests : RetryStoreTests<SqliteTestDatabase>;

public sealed class PostgresRetryStoreTests : RetryStoreTests<PostgresTestDatabase>;
