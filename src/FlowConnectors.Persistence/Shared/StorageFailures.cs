using Microsoft.Data.Sqlite;
using Npgsql;

namespace FlowConnectors.Persistence;

/// <summary>What kind of storage failure stopped a request: one that passes once the database has room or answers again.</summary>
public enum StorageFailureKind
{
    /// <summary>The database or its disk is full (SQLite <c>SQLITE_FULL</c>, PostgreSQL 53100).</summary>
    Full,
    /// <summary>The database cannot be written or reached now (read-only, I/O error, PostgreSQL shutting down or out of connections).</summary>
    Unavailable,
}

/// <summary>A storage failure in words that name the cause and never the connection string, with its kind.</summary>
public sealed record StorageFailure(StorageFailureKind Kind, string Description);

/// <summary>
/// Recognizes the database failures that are no one's mistake in the request and pass without a code change: a full disk,
/// a read-only or failing file, PostgreSQL refusing connections. The server answers them 503 with Retry-After instead of
/// a 500, since the request was not stored and may be sent again. Anything else (a constraint, a bug) is not one.
/// </summary>
public static class StorageFailures
{
    // SQLite's primary result codes (https://sqlite.org/rescode.html).
    private const int SqliteReadOnly = 8, SqliteIoError = 10, SqliteCorrupt = 11, SqliteFull = 13, SqliteCantOpen = 14;

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
            }
        }
        return null;
    }
}
