using Microsoft.Data.Sqlite;

namespace FlowConnectors.Persistence;

/// <summary>A checked copy of a SQLite database: its size, and what <c>PRAGMA integrity_check</c> said of the copy.</summary>
public sealed record SqliteBackupResult(long Bytes, string IntegrityCheck, long Instances)
{
    public bool IsIntact => IntegrityCheck == "ok";
}

/// <summary>
/// Copies a SQLite database that a server may be writing meanwhile, consistently: <c>VACUUM INTO</c> reads one snapshot
/// of the database (its WAL included) in one read transaction and writes it compacted into a new file, so the copy is a
/// database as it was at one moment, never a file copied while pages changed under it. A plain copy of the .db file
/// without its -wal can miss committed runs or be torn.
/// </summary>
public static class SqliteBackup
{
    public static async Task<SqliteBackupResult> CopyAsync(string source, string target, CancellationToken ct = default)
    {
        if (File.Exists(target)) throw new IOException($"{target} exists already");
        // Read-only and unpooled: the copy takes no write lock from the server, and leaves no handle open on either file.
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
        {
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            // The server's writers hold the database for a few milliseconds at a time: wait for them rather than fail.
            command.CommandText = "PRAGMA busy_timeout = 30000; VACUUM INTO $target;";
            command.Parameters.AddWithValue("$target", target);
            await command.ExecuteNonQueryAsync(ct);
        }
        await using var copy = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = target, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await copy.OpenAsync(ct);
        await using var check = copy.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        var integrity = Convert.ToString(await check.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) ?? "";
        check.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'Instances'";
        var hasInstances = Convert.ToInt64(await check.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) > 0;
        var instances = 0L;
        if (hasInstances)
        {
            check.CommandText = "SELECT count(*) FROM \"Instances\"";
            instances = Convert.ToInt64(await check.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }
        return new SqliteBackupResult(new FileInfo(target).Length, integrity, instances);
    }
}
