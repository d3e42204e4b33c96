using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Tests;

public abstract class RetentionStoreTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private IInstanceStore Instances => Get<IInstanceStore>();
    private IRetentionStore Retention => Get<IRetentionStore>();

    internal static FlowInstanceState Run(string id, string flowId, FlowStatus status, DateTimeOffset at, string? faultNode = null, string? faultMessage = null)
    {
        var state = new FlowInstanceState
        {
            InstanceId = id, FlowId = flowId, FlowVersion = "1", Status = status, CreatedAt = at, UpdatedAt = at,
            Input = new JsonObject { ["orderId"] = id, ["amount"] = 42 },
        };
        state.Output["result"] = "done";
        if (status == FlowStatus.Faulted) state.Fault = new FlowFault(faultNode ?? "send", "Http.SendRequest", faultMessage ?? "HTTP 500 from api.example.com");
        return state;
    }

    internal static IReadOnlyList<JournalEntry> Journal(DateTimeOffset at) =>
    [
        new JournalEntry { NodeId = "start", ActivityType = "SetVariable", StartedAt = at, Outcome = "done",
            Inputs = new() { ["name"] = "total", ["value"] = 42 } },
        new JournalEntry { NodeId = "send", ActivityType = "Http.SendRequest", StartedAt = at, Outcome = "done",
            Inputs = new() { ["url"] = "https://api.example.com/orders", ["method"] = "POST" }, Outputs = new() { ["statusCode"] = 201, ["body"] = new JsonObject { ["id"] = "o-1" } } },
    ];

    private static async Task DrainAsync(Func<Task<bool>> pass)
    {
        for (var i = 0; i < 1000 && await pass(); i++) { }
    }

    private async Task CollectAndPruneAsync(RetentionSettings settings, DateTimeOffset now)
    {
        await DrainAsync(async () => await Retention.CollectIncidentsAsync(500) > 0);
        await DrainAsync(async () => (await Retention.PruneAsync(settings, now)).Any);
    }

    [Fact]
    public async Task Ended_runs_past_their_keep_time_are_deleted_and_waiting_or_running_ones_never()
    {
        var old = T0.AddDays(-40);
        await Instances.CreateAsync(Run("finished-old", "orders", FlowStatus.Finished, T0.AddDays(-8)), 1, Journal(T0.AddDays(-8)));
        await Instances.CreateAsync(Run("finished-new", "orders", FlowStatus.Finished, T0.AddDays(-6)), 1, Journal(T0.AddDays(-6)));
        await Instances.CreateAsync(Run("cancelled-old", "orders", FlowStatus.Cancelled, T0.AddDays(-8)), 1, []);
        await Instances.CreateAsync(Run("faulted-mid", "orders", FlowStatus.Faulted, T0.AddDays(-8)), 1, Journal(T0.AddDays(-8)));
        await Instances.CreateAsync(Run("faulted-old", "orders", FlowStatus.Faulted, T0.AddDays(-31)), 1, []);
        await Instances.CreateAsync(Run("waiting-old", "orders", FlowStatus.Suspended, old), 1, []);
        await Instances.CreateAsync(Run("running-old", "orders", FlowStatus.Running, old), 1, []);
        // A flow with its own, longer keep time for finished runs.
        await Instances.CreateAsync(Run("audit-old", "audit", FlowStatus.Finished, T0.AddDays(-8)), 1, []);

        var settings = new RetentionSettings { Flows = { ["audit"] = new FlowRetention { FinishedDays = 90 } } };
        await CollectAndPruneAsync(settings, T0);

        var left = (await Instances.ListAsync(new InstanceQuery(Take: 100))).Select(i => i.InstanceId).Order().ToList();
        left.ShouldBe(["audit-old", "faulted-mid", "finished-new", "running-old", "waiting-old"]);
        (await Instances.GetJournalAsync("finished-old")).ShouldBeEmpty();
        (await Instances.GetJournalAsync("finished-new")).Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_flow_keeps_at_most_its_limit_of_ended_runs_newest_first()
    {
        for (var i = 0; i < 12; i++)
            await Instances.CreateAsync(Run($"r{i:00}", "busy", FlowStatus.Finished, T0.AddMinutes(i)), 1, []);
        await Instances.CreateAsync(Run("waiting", "busy", FlowStatus.Suspended, T0.AddMinutes(-5)), 1, []);
        for (var i = 0; i < 3; i++)
            await Instances.CreateAsync(Run($"other{i}", "quiet", FlowStatus.Finished, T0.AddMinutes(i)), 1, []);

        await CollectAndPruneAsync(new RetentionSettings { MaxRunsPerFlow = 5, BatchSize = 2 }, T0.AddHours(1));

        var busy = (await Instances.ListAsync(new InstanceQuery(FlowId: "busy"))).Select(i => i.InstanceId).Order().ToList();
        busy.ShouldBe(["r07", "r08", "r09", "r10", "r11", "waiting"]);
        (await Instances.ListAsync(new InstanceQuery(FlowId: "quiet"))).Count.ShouldBe(3);
    }

    [Fact]
    public async Task The_limit_keeps_the_newest_ended_runs_by_creation_then_id_when_times_tie_and_statuses_are_mixed()
    {
        // Six runs created at the same moment, stored in an order that is not their ids' order: the ids break the tie.
        foreach (var (id, status) in new[] { ("t5", FlowStatus.Finished), ("t2", FlowStatus.Cancelled), ("t6", FlowStatus.Finished),
                     ("t1", FlowStatus.Faulted), ("t4", FlowStatus.Suspended), ("t3", FlowStatus.Finished) })
            await Instances.CreateAsync(Run(id, "tied", status, T0), 1, []);
        await Instances.CreateAsync(Run("old-running", "tied", FlowStatus.Running, T0.AddMinutes(-10)), 1, []);
        await Instances.CreateAsync(Run("old-faulted", "tied", FlowStatus.Faulted, T0.AddMinutes(-5)), 1, []);
        await Instances.CreateAsync(Run("old-finished", "tied", FlowStatus.Finished, T0.AddMinutes(-4)), 1, []);
        await Instances.CreateAsync(Run("new", "tied", FlowStatus.Finished, T0.AddMinutes(1)), 1, []);
        var settings = new RetentionSettings { MaxRunsPerFlow = 3, BatchSize = 1 };

        // Faults not yet counted in their incidents count among the ended runs but are not deleted.
        await DrainAsync(async () => (await Retention.PruneAsync(settings, T0.AddHours(1))).Any);
        (await Instances.ListAsync(new InstanceQuery(FlowId: "tied"))).Select(i => i.InstanceId).Order()
            .ShouldBe(["new", "old-faulted", "old-running", "t1", "t4", "t5", "t6"]);

        await CollectAndPruneAsync(settings, T0.AddHours(1));
        (await Instances.ListAsync(new InstanceQuery(FlowId: "tied"))).Select(i => i.InstanceId).Order()
            .ShouldBe(["new", "old-running", "t4", "t5", "t6"]);
    }

    [Fact]
    public async Task Journal_detail_errors_only_keeps_the_journal_of_faulted_runs_and_none_keeps_no_journal()
    {
        await Instances.CreateAsync(Run("ok", "quiet", FlowStatus.Finished, T0), 1, Journal(T0));
        await Instances.CreateAsync(Run("bad", "quiet", FlowStatus.Faulted, T0), 1, Journal(T0));
        await Instances.CreateAsync(Run("waiting", "quiet", FlowStatus.Suspended, T0), 1, Journal(T0));
        await Instances.CreateAsync(Run("silent-bad", "silent", FlowStatus.Faulted, T0), 1, Journal(T0));
        await Instances.CreateAsync(Run("full", "chatty", FlowStatus.Finished, T0), 1, Journal(T0));

        var settings = new RetentionSettings
        {
            Journal = JournalDetail.ErrorsOnly,
            Flows = { ["silent"] = new FlowRetention { Journal = JournalDetail.None }, ["chatty"] = new FlowRetention { Journal = JournalDetail.Full } },
        };
        await CollectAndPruneAsync(settings, T0.AddMinutes(1));

        (await Instances.GetJournalAsync("ok")).ShouldBeEmpty();
        (await Instances.GetJournalAsync("bad")).Count.ShouldBe(2);
        (await Instances.GetJournalAsync("waiting")).Count.ShouldBe(2);
        (await Instances.GetJournalAsync("silent-bad")).ShouldBeEmpty();
        (await Instances.GetJournalAsync("full")).Count.ShouldBe(2);
        (await Instances.GetAsync("ok")).ShouldNotBeNull();
    }

    [Fact]
    public async Task Faulted_instances_become_incidents_grouped_by_flow_node_and_message_and_are_counted_once()
    {
        for (var i = 0; i < 3; i++)
            await Instances.CreateAsync(Run($"a{i}", "orders", FlowStatus.Faulted, T0.AddMinutes(i)), 1, []);
        await Instances.CreateAsync(Run("b0", "orders", FlowStatus.Faulted, T0.AddMinutes(5), "send", "HTTP 404 from api.example.com"), 1, []);
        await Instances.CreateAsync(Run("c0", "billing", FlowStatus.Faulted, T0.AddMinutes(7)), 1, []);
        await Instances.CreateAsync(Run("fine", "orders", FlowStatus.Finished, T0), 1, []);

        (await Retention.CollectIncidentsAsync(2)).ShouldBe(2);
        await CollectAndPruneAsync(new RetentionSettings(), T0.AddMinutes(10));
        (await Retention.CollectIncidentsAsync(100)).ShouldBe(0);
        // A later fault of the same kind adds to its incident.
        await Instances.CreateAsync(Run("a3", "orders", FlowStatus.Faulted, T0.AddMinutes(20)), 1, []);
        (await Retention.CollectIncidentsAsync(100)).ShouldBe(1);

        var page = await Retention.ListIncidentsAsync(new IncidentQuery());
        page.Total.ShouldBe(3);
        page.Items[0].LastAt.ShouldBe(T0.AddMinutes(20));
        var repeated = page.Items.Single(i => i.FlowId == "orders" && i.Message == "HTTP 500 from api.example.com");
        repeated.Count.ShouldBe(4);
        repeated.NodeId.ShouldBe("send");
        repeated.ActivityType.ShouldBe("Http.SendRequest");
        repeated.FirstAt.ShouldBe(T0);
        repeated.LastInstanceId.ShouldBe("a3");
        (await Retention.GetIncidentAsync(repeated.Id)).ShouldBe(repeated);

        (await Retention.ListIncidentsAsync(new IncidentQuery(FlowId: "billing"))).Items.Single().LastInstanceId.ShouldBe("c0");
        (await Retention.ListIncidentsAsync(new IncidentQuery(Search: "404"))).Items.Single().LastInstanceId.ShouldBe("b0");
        (await Retention.ListIncidentsAsync(new IncidentQuery(Since: T0.AddMinutes(6)))).Total.ShouldBe(2);
        (await Retention.ListIncidentsAsync(new IncidentQuery(NodeId: "nowhere"))).Total.ShouldBe(0);
    }

    [Fact]
    public async Task A_faulted_instance_is_not_pruned_before_it_is_counted_in_its_incident()
    {
        await Instances.CreateAsync(Run("lost", "orders", FlowStatus.Faulted, T0.AddDays(-60)), 1, []);
        (await Retention.PruneAsync(new RetentionSettings(), T0)).Instances.ShouldBe(0);
        (await Retention.CollectIncidentsAsync(10)).ShouldBe(1);
        (await Retention.PruneAsync(new RetentionSettings(), T0)).Instances.ShouldBe(1);
        (await Retention.ListIncidentsAsync(new IncidentQuery())).Items.Single().Count.ShouldBe(1);
    }

    [Fact]
    public async Task Gauges_count_waiting_stimuli_and_the_lag_of_the_oldest_overdue_timer()
    {
        await Get<IInboxStore>().AddAsync(new InboxMessage { Kind = "event", Hash = "h", ReceivedAt = T0 });
        await Get<ITimerStore>().AddAsync(new TimerRecord("t1", T0.AddSeconds(-30), "bookmark", null, null, null, null));
        await Get<ITimerStore>().AddAsync(new TimerRecord("t2", T0.AddSeconds(30), "bookmark", null, null, null, null));
        await Instances.CreateAsync(Run("w", "orders", FlowStatus.Suspended, T0), 1, []);
        var gauges = await Retention.ReadGaugesAsync(T0);
        gauges.InboxPending.ShouldBe(1);
        gauges.TimerLag.ShouldBe(TimeSpan.FromSeconds(30));
        gauges.InstancesSuspended.ShouldBe(1);
    }
}

public sealed class SqliteRetentionStoreTests : RetentionStoreTests<SqliteTestDatabase>;

public sealed class PostgresRetentionStoreTests : RetentionStoreTests<PostgresTestDatabase>;
