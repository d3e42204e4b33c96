using System.Data.Common;
using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Retention;

/// <summary>
/// SQLite gives deleted pages back to the file system only with auto_vacuum, which can be switched on only
/// before the first table exists or by rewriting the file (VACUUM). A new database gets INCREMENTAL before its
/// tables; an existing one is rewritten once, at start, before anything else uses it.
/// </summary>
internal static class SqliteSpace
{
    private const long Incremental = 2;

    /// <summary>Makes the database incremental-vacuum; returns true when an existing file had to be rewritten.</summary>
    public static async Task<bool> EnsureIncrementalAsync(FlowConnectorsDbContext db, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            if (await ScalarAsync(connection, "PRAGMA auto_vacuum", ct) == Incremental) return false;
            var tables = await ScalarAsync(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", ct);
            await ExecuteAsync(connection, "PRAGMA auto_vacuum = INCREMENTAL", ct);
            // In WAL mode the header is already written, so even an empty file takes the mode only when rewritten
            // (instantly, when it has no tables yet).
            await ExecuteAsync(connection, "VACUUM", ct);
            return tables > 0;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    public static async Task<long> FreePagesAsync(FlowConnectorsDbContext db, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            return await ScalarAsync(connection, "PRAGMA freelist_count", ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<long> ScalarAsync(DbConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
