using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace FlowConnectors.Persistence.Tests;

/// <summary>
/// Migration PartialStatusIndexes: the index of uncounted faults holds faulted instances only, the inbox's index by hash
/// waiting messages only. A database of the version before it keeps its instances, bookmarks and inbox messages, and the
/// lookups those indexes serve find the same rows afterwards.
/// </summary>
public abstract class PartialIndexMigrationTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private IInstanceStore Instances => Get<IInstanceStore>();
    private IInboxStore Inbox => Get<IInboxStore>();
    private IRetentionStore Retention => Get<IRetentionStore>();

    private static InboxMessage Message(string hash, InboxStatus status) => new()
    {
        Kind = "event",
        Hash = hash,
        Headers = new JsonObject { ["content-type"] = "application/json" },
        Body = Encoding.UTF8.GetBytes("""{"ok":true}"""),
        Payload = new JsonObject { ["ok"] = true },
        ReceivedAt = T0,
        Status = status,
    };

    [Fact]
    public async Task A_database_of_the_previous_version_keeps_its_rows_and_its_lookups_find_them_after_the_migration()
    {
        // The database as the version before this migration left it.
        string previous;
        await using (var db = OpenDb())
        {
            var all = db.Database.GetMigrations().ToList();
            var index = all.FindIndex(m => m.EndsWith("_PartialStatusIndexes", StringComparison.Ordinal));
            index.ShouldBeGreaterThan(0);
            previous = all[index - 1];
            await db.GetService<IMigrator>().MigrateAsync(previous);
            (await db.Database.GetAppliedMigrationsAsync()).Last().ShouldBe(previous);
            (await FilterOfAsync(db, "Instances", "IX_Instances_Status_IncidentCounted")).ShouldBeNull();
        }
        await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State("waiting-1", bookmarkHashes: "h-wait"), 1, []);
        await Instances.CreateAsync(RetentionStoreTests<TDatabase>.Run("faulted-1", "orders", FlowStatus.Faulted, T0), 1, []);
        var waiting = await Inbox.AddAsync(Message("h-event", InboxStatus.Waiting));
        var processed = await Inbox.AddAsync(Message("h-event", InboxStatus.Processed));

        await PersistenceInitializer.MigrateAsync(Services);

        await using (var db = OpenDb())
        {
            (await db.Database.GetPendingMigrationsAsync()).ShouldBeEmpty();
            (await FilterOfAsync(db, "Instances", "IX_Instances_Status_IncidentCounted")).ShouldNotBeNull().ShouldContain("Faulted");
            (await FilterOfAsync(db, "InboxMessages", "IX_InboxMessages_Hash_Status")).ShouldNotBeNull().ShouldContain("Waiting");
        }
        var kept = (await Instances.GetAsync("waiting-1")).ShouldNotBeNull();
        kept.State.Status.ShouldBe(FlowStatus.Suspended);
        kept.State.Variables["count"]!.GetValue<int>().ShouldBe(3);
        (await Instances.FindBookmarksAsync("h-wait")).Select(b => b.InstanceId).ShouldBe(["waiting-1"]);
        (await Inbox.ListWaitingAsync("h-event")).Select(m => m.Id).ShouldBe([waiting]);
        (await Inbox.GetAsync(processed)).ShouldNotBeNull().Status.ShouldBe(InboxStatus.Processed);
        // The faulted instance stored before the migration is in the new index: the incident scan counts it once.
        (await Retention.CollectIncidentsAsync(10)).ShouldBe(1);
        (await Retention.CollectIncidentsAsync(10)).ShouldBe(0);

        // Rows written after it: a message that starts waiting is found by its hash, and stops being found once processed.
        var later = await Inbox.AddAsync(Message("h-later", InboxStatus.Pending));
        (await Inbox.ListWaitingAsync("h-later")).ShouldBeEmpty();
        await Inbox.SetStatusAsync(later, InboxStatus.Waiting, null, null);
        (await Inbox.ListWaitingAsync("h-later")).Select(m => m.Id).ShouldBe([later]);
        await Inbox.SetStatusAsync(later, InboxStatus.Processed, null, "waiting-1");
        (await Inbox.ListWaitingAsync("h-later")).ShouldBeEmpty();
    }

    /// <summary>The index's definition (SQLite: its CREATE INDEX; PostgreSQL: pg_indexes) if it has a WHERE clause, else null.</summary>
    private static async Task<string?> FilterOfAsync(Data.FlowConnectorsDbContext db, string table, string index)
    {
        var sql = db is Data.SqliteDbContext
            ? "SELECT \"sql\" AS \"Value\" FROM sqlite_master WHERE type = 'index' AND tbl_name = {0} AND name = {1}"
            : "SELECT indexdef AS \"Value\" FROM pg_indexes WHERE schemaname = current_schema() AND tablename = {0} AND indexname = {1}";
        var definition = await db.Database.SqlQueryRaw<string>(sql, table, index).SingleAsync();
        var where = definition.IndexOf("WHERE", StringComparison.OrdinalIgnoreCase);
        return where < 0 ? null : definition[where..];
    }
}

public sealed class SqlitePartialIndexMigrationTests : PartialIndexMigrationTests<SqliteTestDatabase>;

public sealed class PostgresPartialIndexMigrationTests : PartialIndexMigrationTests<PostgresTestDatabase>;
