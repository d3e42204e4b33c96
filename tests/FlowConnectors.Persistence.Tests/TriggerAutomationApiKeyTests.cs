using System.Text.Json.Nodes;

namespace FlowConnectors.Persistence.Tests;

public abstract class TriggerAutomationApiKeyTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Triggers_are_found_by_hash_listed_by_flow_replaced_and_deleted()
    {
        var triggers = Get<ITriggerStore>();
        await triggers.SaveAsync(new TriggerRecord("t1", "flow-a", "http", "h-1", new JsonObject { ["path"] = "/hooks/a" }, true));
        await triggers.SaveAsync(new TriggerRecord("t2", "flow-b", "http", "h-1", [], true));
        await triggers.SaveAsync(new TriggerRecord("t3", "flow-a", "cron", "h-2", new JsonObject { ["cron"] = "0 * * * *" }, true));
        await triggers.SaveAsync(new TriggerRecord("t4", "flow-c", "http", "h-1", [], false));

        var byHash = await triggers.FindByHashAsync("h-1");
        byHash.Select(t => t.Id).ShouldBe(["t1", "t2"]);
        byHash[0].Config["path"]!.GetValue<string>().ShouldBe("/hooks/a");
        (await triggers.ListAsync("flow-a")).Select(t => t.Id).ShouldBe(["t1", "t3"]);
        (await triggers.ListAsync()).Select(t => t.Id).ShouldBe(["t1", "t2", "t3", "t4"]);

        await triggers.SaveAsync(new TriggerRecord("t1", "flow-a", "http", "h-9", [], false));
        (await triggers.FindByHashAsync("h-1")).Select(t => t.Id).ShouldBe(["t2"]);
        (await triggers.ListAsync("flow-a")).First().Enabled.ShouldBeFalse();
        (await triggers.DeleteAsync("t2")).ShouldBeTrue();
        (await triggers.DeleteAsync("t2")).ShouldBeFalse();
        (await triggers.FindByHashAsync("h-1")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Automations_round_trip_and_list_by_connection()
    {
        var automations = Get<IAutomationStore>();
        await automations.SaveAsync(new AutomationRecord("a1", "flow", "conn-1", true, null, new JsonObject { ["channel"] = "#ops" }, T0));
        await automations.SaveAsync(new AutomationRecord("a2", "flow", "conn-2", true, null, [], T0));
        await automations.SaveAsync(new AutomationRecord("a3", "flow", null, true, null, [], T0));

        var a1 = (await automations.GetAsync("a1"))!;
        a1.Settings["channel"]!.GetValue<string>().ShouldBe("#ops");
        a1.UpdatedAt.ShouldBe(T0);
        (await automations.ListAsync("conn-1")).Select(a => a.Id).ShouldBe(["a1"]);
        (await automations.ListAsync()).Select(a => a.Id).ShouldBe(["a1", "a2", "a3"]);

        await automations.SaveAsync(a1 with { Enabled = false, DisabledReason = "connection deauthorized", UpdatedAt = T0.AddHours(1) });
        var disabled = (await automations.GetAsync("a1"))!;
        disabled.Enabled.ShouldBeFalse();
        disabled.DisabledReason.ShouldBe("connection deauthorized");
        disabled.UpdatedAt.ShouldBe(T0.AddHours(1));

        (await automations.DeleteAsync("a2")).ShouldBeTrue();
        (await automations.DeleteAsync("a2")).ShouldBeFalse();
        (await automations.GetAsync("a2")).ShouldBeNull();
    }

    [Fact]
    public async Task Api_keys_are_stored_by_hash()
    {
        var keys = Get<IApiKeyStore>();
        (await keys.AnyAsync()).ShouldBeFalse();
        await keys.AddAsync("ci", "hash-1");
        await keys.AddAsync("ci again", "hash-1");
        (await keys.AnyAsync()).ShouldBeTrue();
        (await keys.ExistsAsync("hash-1")).ShouldBeTrue();
        (await keys.ExistsAsync("hash-2")).ShouldBeFalse();
        await using var db = OpenDb();
        db.ApiKeys.Count().ShouldBe(1);
    }
}

public sealed class SqliteTriggerAutomationApiKeyTests : TriggerAutomationApiKeyTests<SqliteTestDatabase>;

public sealed class PostgresTriggerAutomationApiKeyTests : TriggerAutomationApiKeyTests<PostgresTestDatabase>;
