using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Persistence.Data;

/// <summary>
/// EF Core takes a lock before it migrates a SQLite database: a row in <c>__EFMigrationsLock</c>, deleted when the migrations
/// are done. A process killed while migrating (kill -9, a crash, Ctrl-C of a first start) leaves the row, and every later
/// <c>Migrate</c> then waits for it forever without a word: the server never starts again. Before migrating, a row older than
/// <see cref="StaleAfter"/> is taken as left by a stopped process and deleted; a younger one (another process migrating now) is
/// waited for, saying so, until it is gone or stale. The migrations themselves take seconds.
/// </summary>
internal static class SqliteMigrationLock
{
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(2);

    public static async Task ReleaseIfStaleAsync(DbContext db, ILogger logger, CancellationToken ct)
    {
        if (db.Database.GetDbConnection() is not SqliteConnection connection) return;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var announced = false;
            while (await TakenAtAsync(connection, ct) is { } takenAt)
            {
                // The row is written with the real time, so it is read against the real time (not a test's clock).
                if (DateTimeOffset.UtcNow - takenAt >= StaleAfter)
                {
                    await using var delete = connection.CreateCommand();
                    delete.CommandText = "DELETE FROM \"__EFMigrationsLock\" WHERE \"Id\" = 1";
                    await delete.ExecuteNonQueryAsync(ct);
                    logger.LogWarning("released the migration lock taken at {TakenAt:O}: the process that took it stopped during its migrations", takenAt);
                    return;
                }
                if (!announced)
                {
                    logger.LogInformation("waiting for the migrations another process started at {TakenAt:O} (its lock counts as left behind after {StaleAfter})",
                        takenAt, StaleAfter);
                    announced = true;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <returns>When the lock was taken, or null when nobody holds it (or the table does not exist yet).</returns>
    private static async Task<DateTimeOffset?> TakenAtAsync(SqliteConnection connection, CancellationToken ct)
    {
        await using var exists = connection.CreateCommand();
        exists.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsLock'";
        if (await exists.ExecuteScalarAsync(ct) is null) return null;
        await using var read = connection.CreateCommand();
        read.CommandText = "SELECT \"Timestamp\" FROM \"__EFMigrationsLock\" WHERE \"Id\" = 1";
        var value = await read.ExecuteScalarAsync(ct);
        if (value is null or DBNull) return null;
        // A timestamp that does not read is no live process's either.
        return DateTimeOffset.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at : DateTimeOffset.MinValue;
    }
}
