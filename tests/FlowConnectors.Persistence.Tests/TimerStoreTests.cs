using System.Text.Json.Nodes;

namespace FlowConnectors.Persistence.Tests;

public abstract class TimerStoreTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private ITimerStore Timers => Get<ITimerStore>();

    [Fact]
    public async Task Due_timers_come_in_due_order_and_are_deleted_one_by_one_or_per_instance()
    {
        await Timers.AddAsync(new TimerRecord("t3", T0.AddMinutes(3), "resume", "i1", "b3", null, null));
        await Timers.AddAsync(new TimerRecord("t1", T0.AddMinutes(1), "resume", "i1", "b1", null, new JsonObject { ["x"] = 1 }));
        await Timers.AddAsync(new TimerRecord("t2", T0.AddMinutes(2), "trigger", null, null, "trig-1", null));
        // An offset other than UTC is the same instant.
        await Timers.AddAsync(new TimerRecord("t0", new DateTimeOffset(2026, 3, 1, 14, 0, 30, TimeSpan.FromHours(2)), "resume", "i2", "b0", null, null));

        (await Timers.ListDueAsync(T0.AddMinutes(2), 10)).Select(t => t.Id).ShouldBe(["t0", "t1", "t2"]);
        (await Timers.ListDueAsync(T0.AddMinutes(2), 2)).Select(t => t.Id).ShouldBe(["t0", "t1"]);
        (await Timers.ListDueAsync(T0.AddSeconds(-1), 10)).ShouldBeEmpty();
        (await Timers.ListAsync()).Select(t => t.Id).ShouldBe(["t0", "t1", "t2", "t3"]);

        var t1 = (await Timers.ListAsync())[1];
        t1.ShouldBe(t1 with { DueAt = T0.AddMinutes(1), Kind = "resume", InstanceId = "i1", BookmarkId = "b1", TriggerId = null });
        t1.Data!["x"]!.GetValue<int>().ShouldBe(1);
        (await Timers.ListAsync())[0].DueAt.ShouldBe(T0.AddSeconds(30));

        (await Timers.DeleteAsync("t2")).ShouldBeTrue();
        (await Timers.DeleteAsync("t2")).ShouldBeFalse();
        await Timers.DeleteForInstanceAsync("i1");
        (await Timers.ListAsync()).Select(t => t.Id).ShouldBe(["t0"]);
    }

    [Fact]
    public async Task Adding_a_timer_with_an_existing_id_replaces_it()
    {
        await Timers.AddAsync(new TimerRecord("t", T0, "resume", "i1", "b1", null, null));
        await Timers.AddAsync(new TimerRecord("t", T0.AddHours(1), "resume", "i1", "b2", null, null));
        var only = (await Timers.ListAsync()).ShouldHaveSingleItem();
        only.DueAt.ShouldBe(T0.AddHours(1));
        only.BookmarkId.ShouldBe("b2");
    }
}

public sealed class SqliteTimerStoreTests : TimerStoreTests<SqliteTestDatabase>;

public sealed class PostgresTimerStoreTests : TimerStoreTests<PostgresTestDatabase>;
