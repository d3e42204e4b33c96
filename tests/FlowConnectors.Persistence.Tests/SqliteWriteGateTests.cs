using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Tests;

/// <summary>SQLite writers in one process queue on the write gate instead of failing or sleeping on SQLITE_BUSY.</summary>
public sealed class SqliteWriteGateTests : StoreTestBase<SqliteTestDatabase>
{
    [Fact]
    public async Task Many_concurrent_writers_all_land()
    {
        var triggers = Get<ITriggerStore>();
        await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            await triggers.SaveAsync(new TriggerRecord($"t{i}", "flow", "http", $"h-{i % 4}", [], true));
            await triggers.SaveAsync(new TriggerRecord($"t{i}", "flow", "http", $"h-{i % 4}", new JsonObject { ["round"] = 2 }, true));
            if (i % 2 == 0) await triggers.DeleteAsync($"t{i}");
        })));
        var left = await triggers.ListAsync("flow");
        left.Count.ShouldBe(32);
        left.ShouldAllBe(t => t.Config["round"]!.GetValue<int>() == 2);
    }

    [Fact]
    public async Task A_transaction_abandoned_without_commit_lets_the_next_writer_in()
    {
        await using (var db = OpenDb())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await db.Database.ExecuteSqlRawAsync("DELETE FROM triggers");
            // Disposed here without commit or rollback: the gate must not stay taken.
        }
        var save = Get<ITriggerStore>().SaveAsync(new TriggerRecord("after", "flow", "http", "h", [], true));
        (await Task.WhenAny(save, Task.Delay(TimeSpan.FromSeconds(20)))).ShouldBe(save, "the next write waited for an abandoned transaction");
        await save;
        (await Get<ITriggerStore>().ListAsync("flow")).Select(t => t.Id).ShouldBe(["after"]);
    }
}
