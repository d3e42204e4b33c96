using FlowConnectors.Collection;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace FlowConnectors.Persistence.Stores;

/// <summary>
/// The two statements an import runs per user on SQLite — <c>INSERT … ON CONFLICT DO NOTHING</c>, then an
/// <c>UPDATE</c> when the user was there already — compiled once per import on its connection and bound by
/// position through SQLite's own API. Microsoft.Data.Sqlite looks every parameter up by name on every
/// execution, which cost as much as SQLite's work for the row. They run inside the transaction the caller
/// began on the same connection; the connector key and the import's time are bound once.
/// </summary>
internal sealed class SqliteUserRows : IDisposable
{
    // ?1 connector key, ?2 vendor id, ?3 email, ?4 name, ?5 department, ?6 status, ?7 created, ?8 last activity,
    // ?9 application, ?10 the import's time (first and last seen).
    private const string InsertSql =
        "INSERT INTO \"CollectedUsers\" (\"ConnectorKey\", \"VendorId\", \"Email\", \"Name\", \"Department\", \"Status\", \"CreatedAt\", " +
        "\"LastActivityAt\", \"Application\", \"FirstSeenAt\", \"LastSeenAt\") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) " +
        "ON CONFLICT (\"ConnectorKey\", \"VendorId\") DO NOTHING";

    private const string UpdateSql =
        "UPDATE \"CollectedUsers\" SET \"Email\" = ?3, \"Name\" = ?4, \"Department\" = ?5, \"Status\" = ?6, \"CreatedAt\" = ?7, " +
        "\"LastActivityAt\" = ?8, \"Application\" = ?9, \"LastSeenAt\" = ?10 WHERE \"ConnectorKey\" = ?1 AND \"VendorId\" = ?2";

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _insert, _update;

    public SqliteUserRows(SqliteConnection connection, string connectorKey, long nowTicks)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the SQLite connection is not open");
        _insert = Prepare(InsertSql);
        try
        {
            _update = Prepare(UpdateSql);
        }
        catch
        {
            _insert.Dispose();
            throw;
        }
        foreach (var statement in new[] { _insert, _update })
        {
            Check(raw.sqlite3_bind_text(statement, 1, connectorKey));
            Check(raw.sqlite3_bind_int64(statement, 10, nowTicks));
        }
    }

    /// <summary>Upserts the rows (vendor ids unique); returns how many were there already.</summary>
    public int Upsert(IEnumerable<CollectedUser> rows, CancellationToken ct)
    {
        var existing = 0;
        foreach (var user in rows)
        {
            ct.ThrowIfCancellationRequested();
            if (Run(_insert, user) == 1) continue;
            Run(_update, user);
            existing++;
        }
        return existing;
    }

    private int Run(sqlite3_stmt statement, CollectedUser user)
    {
        try
        {
            Text(statement, 2, user.VendorId);
            Text(statement, 3, user.Email);
            Text(statement, 4, user.Name);
            Text(statement, 5, user.Department);
            Text(statement, 6, user.Status);
            // As the model stores times on SQLite: UTC ticks.
            Ticks(statement, 7, user.CreatedAt);
            Ticks(statement, 8, user.LastActivityAt);
            Text(statement, 9, user.Application);
            var rc = raw.sqlite3_step(statement);
            if (rc != raw.SQLITE_DONE) Check(rc);
            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }

    private void Text(sqlite3_stmt statement, int index, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(statement, index));
            return;
        }
        if (value.Length == 0)
        {
            // An empty span has no address, which SQLite would take for NULL.
            Check(raw.sqlite3_bind_text(statement, index, value));
            return;
        }
        // Encoded on the stack when short (SQLite copies the bytes): the string overload allocates an array per value.
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> utf8 = max <= 512 ? stackalloc byte[max] : new byte[max];
        var length = System.Text.Encoding.UTF8.GetBytes(value, utf8);
        Check(raw.sqlite3_bind_text(statement, index, utf8[..length]));
    }

    private void Ticks(sqlite3_stmt statement, int index, DateTimeOffset? value) =>
        Check(value is { } time ? raw.sqlite3_bind_int64(statement, index, time.UtcTicks) : raw.sqlite3_bind_null(statement, index));

    private sqlite3_stmt Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v2(_db, sql, out var statement));
        return statement;
    }

    private void Check(int rc)
    {
        if (rc is raw.SQLITE_OK or raw.SQLITE_ROW or raw.SQLITE_DONE) return;
        throw new SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(_db).utf8_to_string()}'.", rc, raw.sqlite3_extended_errcode(_db));
    }

    public void Dispose()
    {
        _insert.Dispose();
        _update.Dispose();
    }
}
