using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Tests;

/// <summary>
/// A server killed while it migrates leaves EF Core's lock row behind (<c>__EFMigrationsLock</c>); the next start must not wait
/// for it forever.
/// </summary>
public sealed class SqliteMigrationLockTests : StoreTestBase<SqliteTestDatabase>
{
    private async Task ExecuteAsync(string sql)
    {
        await using var db = OpenDb();
        await db.Database.ExecuteSqlRawAsync(sql);
    }

    private async Task<int> LockRowsAsync()
    {
        await using var db = OpenDb();
        return await db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM \"__EFMigrationsLock\"").SingleAsync();
    }

    [Fact]
    public async Task A_migration_lock_left_by_a_stopped_process_is_released_and_the_migrations_run()
    {
        // What EF Core leaves when the process dies between taking the lock and releasing it: its table and row.
        await ExecuteAsync("""CREATE TABLE IF NOT EXISTS "__EFMigrationsLock" ("Id" INTEGER NOT NULL CONSTRAINT "PK___EFMigrationsLock" PRIMARY KEY, "Timestamp" TEXT NOT NULL)""");
        await ExecuteAsync("""INSERT INTO "__EFMigrationsLock" ("Id", "Timestamp") VALUES (1, '2026-12-06 05:05:34.8533935+00:00')""");
        (await LockRowsAsync()).ShouldBe(1);

        // Without the release this waits forever (EF Core polls for the row to go).
        await PersistenceInitializer.MigrateAsync(Services).WaitAsync(TimeSpan.FromSeconds(30));

        (await LockRowsAsync()).ShouldBe(0);
        await using var check = OpenDb();
        (await check.Database.GetPendingMigrationsAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_migration_lock_taken_a_moment_ago_is_waited_for_and_not_taken_away()
    {
        await ExecuteAsync("""CREATE TABLE IF NOT EXISTS "__EFMigrationsLock" ("Id" INTEGER NOT NULL CONSTRAINT "PK___EFMigrationsLock" PRIMARY KEY, "Timestamp" TEXT NOT NULL)""");
        await ExecuteAsync($"""INSERT INTO "__EFMigrationsLock" ("Id", "Timestamp") VALUES (1, '{DateTimeOffset.UtcNow:O}')""");
        var migrating = PersistenceInitializer.MigrateAsync(Services);
        await Task.Delay(TimeSpan.FromSeconds(2));
        // Another process's migrations are going on: this one waits, and leaves its lock alone.
        migrating.IsCompleted.ShouldBeFalse();
        (await LockRowsAsync()).ShouldBe(1);
        // That process finishes (its row goes): this one migrates.
        await ExecuteAsync("""DELETE FROM "__EFMigrationsLock" """);
        await migrating.WaitAsync(TimeSpan.FromSeconds(60));
        (await LockRowsAsync()).ShouldBe(0);
    }
}
