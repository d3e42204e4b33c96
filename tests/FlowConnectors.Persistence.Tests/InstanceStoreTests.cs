using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Tests;

public abstract class InstanceStoreTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private IInstanceStore Instances => Get<IInstanceStore>();

    private const string ApprovalFlow = """
    { "format": 1, "id": "approval", "inputs": [ { "name": "request", "type": "string" } ],
      "outputs": [ { "name": "decision", "type": "string" } ],
      "nodes": [ { "id": "ask", "type": "WaitForEvent", "inputs": { "eventName": "decision", "correlationId": { "js": "input.request" } } },
                 { "id": "out", "type": "SetOutput", "inputs": { "name": "decision", "value": { "js": "nodes.ask.payload.status" } } } ],
      "connections": [ { "from": "ask:done", "to": "out" } ] }
    """;

    internal static FlowInstanceState State(string id, string flowId = "flow", FlowStatus status = FlowStatus.Suspended,
        string? correlationId = null, DateTimeOffset? createdAt = null, params string[] bookmarkHashes)
    {
        var at = createdAt ?? T0;
        var state = new FlowInstanceState
        {
            InstanceId = id,
            FlowId = flowId,
            FlowVersion = "1",
            CorrelationId = correlationId,
            Status = status,
            CreatedAt = at,
            UpdatedAt = at,
            Input = new JsonObject { ["x"] = 1 },
        };
        state.Variables["count"] = 3;
        foreach (var (hash, index) in bookmarkHashes.Select((h, i) => (h, i)))
            state.Bookmarks.Add(new Bookmark { Id = $"{id}-b{index}", NodeId = "wait", ScopeId = 0, Name = "event", Hash = hash, CreatedAt = at });
        return state;
    }

    private static JournalEntry Entry(string nodeId, string? outcome = "done") => new()
    {
        NodeId = nodeId,
        ActivityType = "NoOp",
        StartedAt = T0,
        Duration = TimeSpan.FromMilliseconds(12.5),
        Inputs = new Dictionary<string, JsonNode?> { ["value"] = 42, ["none"] = null },
        Outputs = new Dictionary<string, JsonNode?> { ["result"] = new JsonObject { ["ok"] = true } },
        Outcome = outcome,
    };

    [Fact]
    public async Task Instances_created_at_the_same_time_are_all_stored_and_a_duplicate_fails_only_its_own_call()
    {
        await Instances.CreateAsync(State("dup-0", bookmarkHashes: "h-dup"), 1, [Entry("a")]);

        var creations = Enumerable.Range(0, 40)
            .Select(i => i == 17 ? State("dup-0") : State($"many-{i}", bookmarkHashes: $"h-many-{i}"))
            .Select(state => Instances.CreateAsync(state, 1, [Entry("a"), Entry("b")]))
            .ToList();
        await Task.WhenAll(creations).ContinueWith(_ => { }, TaskScheduler.Default);

        creations.Count(c => c.IsFaulted).ShouldBe(1);
        creations[17].IsFaulted.ShouldBeTrue();
        creations[17].Exception!.InnerException.ShouldBeOfType<DbUpdateException>();
        foreach (var i in Enumerable.Range(0, 40).Where(i => i != 17))
        {
            (await Instances.GetAsync($"many-{i}")).ShouldNotBeNull().State.Status.ShouldBe(FlowStatus.Suspended);
            (await Instances.GetJournalAsync($"many-{i}")).Select(j => j.NodeId).ShouldBe(["a", "b"]);
            (await Instances.FindBookmarksAsync($"h-many-{i}")).Single().InstanceId.ShouldBe($"many-{i}");
        }
        (await Instances.GetJournalAsync("dup-0")).Select(j => j.NodeId).ShouldBe(["a"]);
    }

    [Fact]
    public async Task A_suspended_instance_is_stored_found_by_its_bookmark_hash_and_resumes_from_the_stored_state()
    {
        var engine = new FlowEngine();
        var flow = engine.Compile(FlowJson.Parse(ApprovalFlow));
        var first = await engine.RunAsync(flow, new JsonObject { ["request"] = "r-7" }, new RunOptions { CorrelationId = "order-7" });
        first.Status.ShouldBe(FlowStatus.Suspended, first.Fault?.ToString());
        await Instances.CreateAsync(first.State, 1, first.Journal);

        var hash = Bookmark.ComputeHash("event", new JsonObject { ["event"] = "decision", ["correlationId"] = "r-7" });
        var match = (await Instances.FindBookmarksAsync(hash)).ShouldHaveSingleItem();
        match.InstanceId.ShouldBe(first.State.InstanceId);
        match.NodeId.ShouldBe("ask");

        // "Another process": only what the store returns.
        var stored = (await Instances.GetAsync(match.InstanceId))!;
        stored.FlowVersion.ShouldBe(1);
        stored.State.CorrelationId.ShouldBe("order-7");
        stored.State.ToJson().ShouldBe(first.State.ToJson());
        var later = new FlowEngine();
        var second = await later.ResumeAsync(later.Compile(FlowJson.Parse(ApprovalFlow)), stored.State, match.BookmarkId, new JsonObject { ["status"] = "APPROVED" });
        second.Status.ShouldBe(FlowStatus.Finished, second.Fault?.ToString());
        second.Outputs["decision"]!.GetValue<string>().ShouldBe("APPROVED");

        await Instances.SaveAsync(second.State, second.Journal);
        (await Instances.FindBookmarksAsync(hash)).ShouldBeEmpty();
        var finished = (await Instances.GetAsync(match.InstanceId))!;
        finished.State.Status.ShouldBe(FlowStatus.Finished);
        finished.State.Output["decision"]!.GetValue<string>().ShouldBe("APPROVED");
        var journal = await Instances.GetJournalAsync(match.InstanceId);
        journal.Select(j => j.NodeId).ShouldBe(first.Journal.Concat(second.Journal).Select(j => j.NodeId));
        var summary = (await Instances.ListAsync(new InstanceQuery(CorrelationId: "order-7"))).ShouldHaveSingleItem();
        summary.Status.ShouldBe(FlowStatus.Finished);
    }

    [Fact]
    public async Task Save_replaces_the_bookmarks_appends_the_journal_and_mirrors_the_state_on_the_row()
    {
        var state = State("i1", correlationId: "c-1", bookmarkHashes: ["h-a", "h-b"]);
        await Instances.CreateAsync(state, 3, [Entry("start")]);
        (await Instances.FindBookmarksAsync("h-a")).Single().BookmarkId.ShouldBe("i1-b0");
        (await Instances.FindBookmarksAsync("h-b")).ShouldHaveSingleItem();

        state.Bookmarks.Clear();
        state.Bookmarks.Add(new Bookmark { Id = "i1-new", NodeId = "later", ScopeId = 0, Name = "event", Hash = "h-c", CreatedAt = T0 });
        state.Status = FlowStatus.Suspended;
        state.CorrelationId = "c-2";
        state.UpdatedAt = T0.AddMinutes(5);
        state.Variables["count"] = 4;
        await Instances.SaveAsync(state, [Entry("a"), Entry("b", outcome: null)]);

        (await Instances.FindBookmarksAsync("h-a")).ShouldBeEmpty();
        (await Instances.FindBookmarksAsync("h-b")).ShouldBeEmpty();
        var c = (await Instances.FindBookmarksAsync("h-c")).ShouldHaveSingleItem();
        c.ShouldBe(new BookmarkMatch("i1", "i1-new", "event", "later"));

        var journal = await Instances.GetJournalAsync("i1");
        journal.Select(j => j.NodeId).ShouldBe(["start", "a", "b"]);
        journal[1].Duration.ShouldBe(TimeSpan.FromMilliseconds(12.5));
        journal[1].Inputs!["value"]!.GetValue<int>().ShouldBe(42);
        journal[1].Inputs!.ContainsKey("none").ShouldBeTrue();
        journal[1].Outputs!["result"]!["ok"]!.GetValue<bool>().ShouldBeTrue();
        journal[1].StartedAt.ShouldBe(T0);
        journal[2].Outcome.ShouldBeNull();

        var stored = (await Instances.GetAsync("i1"))!;
        stored.FlowVersion.ShouldBe(3);
        stored.State.Variables["count"]!.GetValue<int>().ShouldBe(4);
        stored.State.Input["x"]!.GetValue<int>().ShouldBe(1);
        stored.State.Bookmarks.Single().Id.ShouldBe("i1-new");

        var summary = (await Instances.ListAsync(new InstanceQuery(CorrelationId: "c-2"))).ShouldHaveSingleItem();
        summary.UpdatedAt.ShouldBe(T0.AddMinutes(5));
        summary.CreatedAt.ShouldBe(T0);
        (await Instances.ListAsync(new InstanceQuery(CorrelationId: "c-1"))).ShouldBeEmpty();

        state.Status = FlowStatus.Faulted;
        state.Fault = new FlowFault("a", "NoOp", "boom");
        await Instances.SaveAsync(state, []);
        var faulted = (await Instances.ListAsync(new InstanceQuery(Status: FlowStatus.Faulted))).ShouldHaveSingleItem();
        faulted.Fault.ShouldBe("node 'a' (NoOp): boom");
        // A faulted instance waits for nothing, even though its state still lists a bookmark.
        (await Instances.FindBookmarksAsync("h-c")).ShouldBeEmpty();
        (await Instances.GetJournalAsync("i1")).Count.ShouldBe(3);
    }

    [Fact]
    public async Task A_save_that_fails_midway_changes_nothing()
    {
        var state = State("i1", bookmarkHashes: ["h-a"]);
        await Instances.CreateAsync(state, 1, [Entry("start")]);

        // The old bookmarks are deleted and the journal written before the broken bookmark row fails
        // (NOT NULL): the transaction must undo all of it.
        var broken = State("i1", status: FlowStatus.Running, correlationId: "changed");
        broken.Bookmarks.Add(new Bookmark { Id = "bad", NodeId = "n", ScopeId = 0, Name = "x", Hash = null!, CreatedAt = T0 });
        await Should.ThrowAsync<DbUpdateException>(() => Instances.SaveAsync(broken, [Entry("a"), Entry("b")]));

        (await Instances.FindBookmarksAsync("h-a")).ShouldHaveSingleItem();
        (await Instances.GetJournalAsync("i1")).Select(j => j.NodeId).ShouldBe(["start"]);
        var row = (await Instances.ListAsync(new InstanceQuery())).ShouldHaveSingleItem();
        row.Status.ShouldBe(FlowStatus.Suspended);
        row.CorrelationId.ShouldBeNull();

        await Should.ThrowAsync<InvalidOperationException>(() => Instances.SaveAsync(State("missing"), [Entry("x")]));
        (await Instances.GetJournalAsync("missing")).ShouldBeEmpty();
        await Should.ThrowAsync<InvalidOperationException>(() => Instances.SaveAsync(State("i1", flowId: "another-flow"), [Entry("x")]));
        (await Instances.GetJournalAsync("i1")).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Deleting_an_instance_removes_its_bookmarks_and_journal()
    {
        await Instances.CreateAsync(State("i1", bookmarkHashes: ["h"]), 1, [Entry("start")]);
        await Instances.CreateAsync(State("i2", bookmarkHashes: ["h"]), 1, []);
        (await Instances.FindBookmarksAsync("h")).Count.ShouldBe(2);

        await using (var db = OpenDb())
            (await db.Instances.Where(i => i.Id == "i1").ExecuteDeleteAsync()).ShouldBe(1);

        (await Instances.FindBookmarksAsync("h")).ShouldHaveSingleItem().InstanceId.ShouldBe("i2");
        (await Instances.GetJournalAsync("i1")).ShouldBeEmpty();
        (await Instances.GetAsync("i1")).ShouldBeNull();
    }

    [Fact]
    public async Task List_filters_by_status_flow_and_correlation_newest_first_with_paging()
    {
        for (var i = 0; i < 7; i++)
        {
            await Instances.CreateAsync(State($"i{i}", flowId: i % 2 == 0 ? "even" : "odd", status: i < 5 ? FlowStatus.Suspended : FlowStatus.Finished,
                correlationId: i == 3 ? "c-3" : null, createdAt: T0.AddMinutes(i)), 1, []);
        }

        (await Instances.ListAsync(new InstanceQuery())).Select(i => i.InstanceId).ShouldBe(["i6", "i5", "i4", "i3", "i2", "i1", "i0"]);
        (await Instances.ListAsync(new InstanceQuery(Skip: 2, Take: 3))).Select(i => i.InstanceId).ShouldBe(["i4", "i3", "i2"]);
        (await Instances.ListAsync(new InstanceQuery(Status: FlowStatus.Finished))).Select(i => i.InstanceId).ShouldBe(["i6", "i5"]);
        (await Instances.ListAsync(new InstanceQuery(FlowId: "odd"))).Select(i => i.InstanceId).ShouldBe(["i5", "i3", "i1"]);
        (await Instances.ListAsync(new InstanceQuery(Status: FlowStatus.Suspended, FlowId: "even", Take: 2))).Select(i => i.InstanceId).ShouldBe(["i4", "i2"]);
        var one = (await Instances.ListAsync(new InstanceQuery(CorrelationId: "c-3"))).ShouldHaveSingleItem();
        one.ShouldBe(new InstanceSummary("i3", "odd", 1, FlowStatus.Suspended, "c-3", null, T0.AddMinutes(3), T0.AddMinutes(3)));
        (await Instances.GetAsync("nope")).ShouldBeNull();
    }
}

public sealed class SqliteInstanceStoreTests : InstanceStoreTests<SqliteTestDatabase>;

public sealed class PostgresInstanceStoreTests : InstanceStoreTests<PostgresTestDatabase>;
