using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace FlowConnectors.Persistence.Tests;

public abstract class MigrationTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    protected override bool StartsEmpty => true;

    [Fact]
    public async Task Migrations_create_the_schema_on_an_empty_database_and_running_them_again_changes_nothing()
    {
        // InitializeAsync migrated the empty database once.
        await using (var db = OpenDb())
        {
            var all = db.Database.GetMigrations().ToList();
            all.ShouldNotBeEmpty();
            (await db.Database.GetAppliedMigrationsAsync()).ShouldBe(all);
            (await db.Database.GetPendingMigrationsAsync()).ShouldBeEmpty();
            // The model and the last migration agree (no forgotten `migrations add`).
            db.Database.HasPendingModelChanges().ShouldBeFalse();
        }
        // The same for the shared state's own migrations (start-up no longer diffs the models: it is checked here).
        await using (var shared = await Get<IDbContextFactory<Shared.SharedStateContext>>().CreateDbContextAsync())
            shared.Database.HasPendingModelChanges().ShouldBeFalse();

        await Get<IApiKeyStore>().AddAsync("k", "h");
        await PersistenceInitializer.MigrateAsync(Services);
        await PersistenceInitializer.MigrateAsync(Services);
        (await Get<IApiKeyStore>().ExistsAsync("h")).ShouldBeTrue();

        await using (var db = OpenDb())
        {
            (await db.Database.GetPendingMigrationsAsync()).ShouldBeEmpty();
            var history = db.GetService<IHistoryRepository>();
            (await history.GetAppliedMigrationsAsync()).Count.ShouldBe(db.Database.GetMigrations().Count());
            // Every table of the model is there.
            foreach (var table in db.Model.GetEntityTypes().Select(e => e.GetTableName()!))
            {
                // Table names come from the model, not from input.
                var sql = "SELECT COUNT(*) AS \"Value\" FROM \"" + table + "\"";
                (await db.Database.SqlQueryRaw<int>(sql).SingleAsync()).ShouldBeGreaterThanOrEqualTo(0);
            }
        }
    }
}

public sealed class SqliteMigrationTests : MigrationTests<SqliteTestDatabase>
{
    [Fact]
    public async Task Sqlite_runs_in_wal_mode()
    {
        await using var db = OpenDb();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        (await command.ExecuteScalarAsync()).ShouldBe("wal");
        Database.Options.ConnectionString.ShouldNotContain("Cache=Shared");
    }
}

public sealed class PostgresMigrationTests : MigrationTests<PostgresTestDatabase>;
