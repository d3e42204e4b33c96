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

    [Fact]
    public async Task A_direct_transaction_holds_the_write_gate_until_it_is_disposed_committed_or_not()
    {
        var triggers = Get<ITriggerStore>();
        foreach (var commit in new[] { true, false })
        {
            Task save;
            await using (var db = OpenDb())
            {
                var gate = Persistence.Data.SqliteWriteGate.Of(db).ShouldNotBeNull();
                await using var transaction = await Persistence.Data.DirectTransaction.BeginAsync(db, CancellationToken.None);
                // An EF writer of the same process queues behind it instead of reaching SQLite (and its busy wait).
                save = triggers.SaveAsync(new TriggerRecord($"queued-{commit}", "flow", "http", "h", [], true));
                (await gate.EnterAsync(transaction.Connection, CancellationToken.None)).ShouldBeFalse("the transaction's connection holds the gate");
                await using (var insert = transaction.Connection.CreateCommand())
                {
                    insert.Transaction = transaction.Transaction;
                    insert.CommandText = "DELETE FROM triggers";
                    await insert.ExecuteNonQueryAsync();
                }
                save.IsCompleted.ShouldBeFalse("a writer got past the gate while a direct transaction held it");
                if (commit) await transaction.CommitAsync(CancellationToken.None);
            }
            (await Task.WhenAny(save, Task.Delay(TimeSpan.FromSeconds(20)))).ShouldBe(save, "the gate was not given back when the transaction was disposed");
            await save;
        }
        (await triggers.ListAsync("flow")).Select(t => t.Id).Order().ShouldBe(["queued-False", "queued-True"]);
    }
}
