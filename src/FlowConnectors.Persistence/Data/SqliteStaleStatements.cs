using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace FlowConnectors.Persistence.Data;

/// <summary>
/// Opens a pooled SQLite connection even when Microsoft.Data.Sqlite hands out a handle that still has a statement
/// running. That happens when a <see cref="SqliteConnection"/> was dropped without being closed while a statement of it
/// was part-way through its rows: the pool takes the handle back ("reclaims" it) without unregistering the collations and
/// functions EF Core adds to every connection, and the next open re-registers them, which SQLite refuses while any
/// statement of the handle is running ("SQLite Error 5: unable to delete/modify collation sequence due to active
/// statements"). The open then fails, the handle goes back to the pool the same way, and opens keep failing — requests
/// answered 500 — until the garbage collector happens to finalize the stale statement.
/// <para>A statement still running on a handle at open belongs to no live connection: its own connection is gone, and
/// whatever could still step it went with it (the finalizer that would end it has not run yet). So it is reset (what
/// finalizing it would do; SQLitePCL lists a handle's statements because every handle is set to track them when first
/// opened), the pool is cleared so that handle is closed rather than handed out again, and the open is tried once more.
/// The SQL of the stale statements is logged, so the code that dropped its connection can be found.</para>
/// </summary>
internal static class SqliteStaleStatements
{
    private const int Busy = 5;

    public static bool IsCause(Exception e) =>
        e is SqliteException { SqliteErrorCode: Busy } && e.Message.Contains("due to active statements", StringComparison.Ordinal);

    /// <summary>
    /// Opens <paramref name="connection"/>, recovering once from a handle with stale running statements. The logger is
    /// asked for only on that path: resolving it costs a service lookup on every open (every webhook request opens).
    /// </summary>
    public static void Open<TState>(SqliteConnection connection, TState state, Func<TState, ILogger> logger)
    {
        try
        {
            connection.Open();
        }
        catch (Exception e) when (IsCause(e))
        {
            Recover(connection, e, logger(state));
            connection.Open();
        }
    }

    private static void Recover(SqliteConnection connection, Exception failure, ILogger logger)
    {
        // The failed open may have kept the handle (its own clean-up hit the same refusal).
        var stale = connection.Handle is { } handle ? ResetRunning(handle) : [];
        logger.LogWarning("A pooled SQLite connection still had {Count} statement(s) running from a connection that was never closed: {Statements}. " +
                          "They were reset and the pool cleared ({Failure})", stale.Count, string.Join(" | ", stale), failure.Message);
        SqliteConnection.ClearPool(connection);
        if (connection.State != System.Data.ConnectionState.Closed) connection.Close();
    }

    /// <summary>Resets every statement of the handle that is part-way through; returns their SQL (shortened).</summary>
    private static List<string> ResetRunning(sqlite3 handle)
    {
        var reset = new List<string>();
        for (var statement = raw.sqlite3_next_stmt(handle, null); statement is not null; statement = raw.sqlite3_next_stmt(handle, statement))
        {
            if (raw.sqlite3_stmt_busy(statement) == 0) continue;
            var sql = raw.sqlite3_sql(statement).utf8_to_string() ?? "";
            reset.Add(sql.Length <= 200 ? sql : sql[..200] + "…");
            raw.sqlite3_reset(statement);
        }
        return reset;
    }
}
