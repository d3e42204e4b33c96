using FlowConnectors.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;

namespace FlowConnectors.Persistence.Tests;

/// <summary>
/// Migration FewerPagesPerRun: the index by correlation id holds instances that have one only, and on SQLite the journal's
/// ids are a plain rowid (no AUTOINCREMENT, so no sqlite_sequence write per insert; a table rebuild). A database of the
/// version before it keeps its instances and journals, the lookups find the same rows, and new entries follow the old ones.
/// </summary>
public abstract class FewerPagesMigrationTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private IInstanceStore Instances => Get<IInstanceStore>();

    [Fact]
    public async Task A_database_of_the_previous_version_keeps_its_runs_and_journals_and_finds_them_by_correlation_id_after_the_migration()
    {
        await using (var db = OpenDb())
        {
            var all = db.Database.GetMigrations().ToList();
            var index = all.FindIndex(m => m.EndsWith("_FewerPagesPerRun", StringComparison.Ordinal));
            index.ShouldBeGreaterThan(0);
            await db.GetService<IMigrator>().MigrateAsync(all[index - 1]);
            (await db.Database.GetAppliedMigrationsAsync()).Last().ShouldBe(all[index - 1]);
            (await IndexFilterAsync(db)).ShouldBeNull();
            if (db is Data.SqliteDbContext) (await JournalTableSqlAsync(db)).ShouldContain("AUTOINCREMENT");
        }
        await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State("with-id", correlationId: "order-7"), 1, RetentionStoreTests<TDatabase>.Journal(T0));
        await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State("without-id"), 1, RetentionStoreTests<TDatabase>.Journal(T0));
        var idsBefore = await JournalIdsAsync();
        idsBefore.Count.ShouldBe(4);

        await PersistenceInitializer.MigrateAsync(Services);

        await using (var db = OpenDb())
        {
            (await db.Database.GetPendingMigrationsAsync()).ShouldBeEmpty();
            (await IndexFilterAsync(db)).ShouldNotBeNull().ShouldContain("IS NOT NULL");
            if (db is Data.SqliteDbContext)
            {
                (await JournalTableSqlAsync(db)).ShouldNotContain("AUTOINCREMENT");
                // Rebuilt with its foreign key and its index, in one transaction (no command of the migration runs outside it).
                (await JournalTableSqlAsync(db)).ShouldContain("REFERENCES \"Instances\" (\"Id\") ON DELETE CASCADE");
                (await db.Database.SqlQueryRaw<string>("SELECT \"sql\" AS \"Value\" FROM sqlite_master WHERE type = 'index' AND name = 'IX_JournalEntries_InstanceId_Sequence'").SingleAsync())
                    .ShouldContain("UNIQUE");
                var migrations = db.GetService<IMigrationsAssembly>();
                var id = migrations.Migrations.Keys.Single(m => m.EndsWith("_FewerPagesPerRun", StringComparison.Ordinal));
                var migration = migrations.CreateMigration(migrations.Migrations[id], db.Database.ProviderName!);
                db.GetService<IMigrationsSqlGenerator>().Generate(migration.UpOperations, db.GetService<IDesignTimeModel>().Model)
                    .ShouldAllBe(command => !command.TransactionSuppressed);
                // The plan of "instances by correlation id" still uses the index: the query's `CorrelationId = @p` implies the filter.
                var plan = await PlanAsync(db, "SELECT \"Id\" FROM \"Instances\" WHERE \"CorrelationId\" = $c ORDER BY \"CreatedAt\" DESC, \"Id\" LIMIT 100");
                plan.ShouldContain(p => p.Contains("IX_Instances_CorrelationId"));
            }
        }
        // The journals came across with their ids, in order.
        (await JournalIdsAsync()).ShouldBe(idsBefore);
        var journal = await Instances.GetJournalAsync("with-id");
        journal.Select(j => j.NodeId).ShouldBe(["start", "send"]);
        journal[1].Outputs!["statusCode"]!.GetValue<int>().ShouldBe(201);
        (await Instances.ListAsync(new InstanceQuery(CorrelationId: "order-7"))).Select(i => i.InstanceId).ShouldBe(["with-id"]);

        // Entries and runs written after it: new ids follow the old ones, a later correlation id is found.
        await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State("later", correlationId: "order-8"), 1, RetentionStoreTests<TDatabase>.Journal(T0));
        var idsAfter = await JournalIdsAsync();
        idsAfter.Count.ShouldBe(6);
        idsAfter.Skip(4).ShouldAllBe(id => id > idsBefore.Max());
        (await Instances.GetJournalAsync("later")).Count.ShouldBe(2);
        (await Instances.ListAsync(new InstanceQuery(CorrelationId: "order-8"))).Select(i => i.InstanceId).ShouldBe(["later"]);
        (await Instances.ListAsync(new InstanceQuery(Take: 10))).Count.ShouldBe(3);
    }

    private async Task<List<long>> JournalIdsAsync()
    {
        await using var db = OpenDb();
        return await db.JournalEntries.AsNoTracking().OrderBy(j => j.Id).Select(j => j.Id).ToListAsync();
    }

    /// <summary>SQLite's EXPLAIN QUERY PLAN of <paramref name="sql"/> (parameter $c bound to a correlation id), one line per step.</summary>
    private static async Task<List<string>> PlanAsync(Data.FlowConnectorsDbContext db, string sql)
    {
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "$c";
        parameter.Value = "order-7";
        command.Parameters.Add(parameter);
        var steps = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) steps.Add(reader.GetString(3));
        return steps;
    }

    private static async Task<string> JournalTableSqlAsync(Data.FlowConnectorsDbContext db) =>
        await db.Database.SqlQueryRaw<string>("SELECT \"sql\" AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = 'JournalEntries'").SingleAsync();

    /// <summary>The correlation index's WHERE clause (SQLite: its CREATE INDEX; PostgreSQL: pg_indexes), or null.</summary>
    private static async Task<string?> IndexFilterAsync(Data.FlowConnectorsDbContext db)
    {
        var sql = db is Data.SqliteDbContext
            ? "SELECT \"sql\" AS \"Value\" FROM sqlite_master WHERE type = 'index' AND name = 'IX_Instances_CorrelationId'"
            : "SELECT indexdef AS \"Value\" FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'IX_Instances_CorrelationId'";
        var definition = await db.Database.SqlQueryRaw<string>(sql).SingleAsync();
        var where = definition.IndexOf("WHERE", StringComparison.OrdinalIgnoreCase);
        return where < 0 ? null : definition[where..];
    }
}

public sealed class SqliteFewerPagesMigrationTests : FewerPagesMigrationTests<SqliteTestDatabase>;

public sealed class PostgresFewerPagesMigrationTests : FewerPagesMigrationTests<PostgresTestDatabase>;
