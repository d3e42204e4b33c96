using Microsoft.Data.Sqlite;
using Npgsql;

namespace FlowConnectors.Persistence;

/// <summary>What kind of storage failure stopped a request: one that passes once the database or the disk has room, or the database answers again.</summary>
public enum StorageFailureKind
{
    /// <summary>The database or its disk is full (SQLite <c>SQLITE_FULL</c>, PostgreSQL 53100), or the disk of the server's own files (ENOSPC).</summary>
    Full,
    /// <summary>The database cannot be written or reached now (read-only, I/O error, PostgreSQL shutting down or out of connections).</summary>
    Unavailable,
}

/// <summary>A storage failure in words that name the cause and never the connection string, with its kind.</summary>
public sealed record StorageFailure(StorageFailureKind Kind, string Description);

/// <summary>
/// Recognizes the storage failures that are no one's mistake in the request and pass without a code change: a full disk
/// (the database's, or that of the server's own files), a read-only or failing file, PostgreSQL refusing connections. The server answers them 503 with Retry-After instead of
/// a 500, since the request was not stored and may be sent again. Anything else (a constraint, a bug) is not one.
/// </summary>
public static class StorageFailures
{
    // SQLite's primary result codes (https://sqlite.org/rescode.html).
    private const int SqliteReadOnly = 8, SqliteIoError = 10, SqliteCorrupt = 11, SqliteFull = 13, SqliteCantOpen = 14;
    // errno values (Linux) and Win32 errors as HRESULTs.
    private const int Enospc = 28, Erofs = 30, Edquot = 122;
    private const int WindowsDiskFull = unchecked((int)0x80070070), WindowsHandleDiskFull = unchecked((int)0x80070027),
        WindowsWriteProtect = unchecked((int)0x80070013);

    /// <returns>The failure when <paramref name="exception"/> or one of its inner exceptions is one, else null.</returns>
    public static StorageFailure? Describe(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException { SqliteErrorCode: SqliteFull }:
                    return new(StorageFailureKind.Full, "the database's disk is full (SQLite: database or disk is full)");
                case SqliteException { SqliteErrorCode: SqliteReadOnly }:
                    return new(StorageFailureKind.Unavailable, "the database cannot be written (SQLite: read-only)");
                case SqliteException { SqliteErrorCode: SqliteIoError or SqliteCantOpen }:
                    return new(StorageFailureKind.Unavailable, "the database's file cannot be read or written (SQLite: disk I/O error)");
                case SqliteException { SqliteErrorCode: SqliteCorrupt }:
                    // Not transient, but no request of the client's doing either: the operator must repair the file.
                    return new(StorageFailureKind.Unavailable, "the database's file is damaged (SQLite: malformed)");
                case PostgresException { SqlState: "53100" }:
                    return new(StorageFailureKind.Full, "the database's disk is full (PostgreSQL: disk_full)");
                // What Npgsql counts as passing: out of resources or connections, shutting down, not accepting connections, I/O
                // errors, serialization failures and deadlocks (those EF Core's retries did not get past).
                // And 25006: a read-only transaction, as on a standby the connection string reached.
                case PostgresException pg when pg.IsTransient || pg.SqlState == "25006":
                    return new(StorageFailureKind.Unavailable, $"the database refuses work now (PostgreSQL: {pg.SqlState} {pg.MessageText})");
                case NpgsqlException { IsTransient: true } and not PostgresException:
                    return new(StorageFailureKind.Unavailable, "the database cannot be reached");
                // The server's own files (installed connectors, the catalog, the data folder) on a disk that is full or read-only.
                // .NET gives the OS error as the HResult: errno on Unix, the Win32 error's HRESULT on Windows.
                case IOException { HResult: Enospc or Edquot or WindowsDiskFull or WindowsHandleDiskFull }:
                    return new(StorageFailureKind.Full, "the server's disk is full (no space left on device)");
                case IOException { HResult: Erofs or WindowsWriteProtect }:
                    return new(StorageFailureKind.Unavailable, "the server's data folder cannot be written (read-only file system)");
            }
        }
        return null;
    }
}
