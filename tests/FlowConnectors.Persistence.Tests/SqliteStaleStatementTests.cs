using System.Runtime.CompilerServices;
using FlowConnectors.Persistence.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using SQLitePCL;

namespace FlowConnectors.Persistence.Tests;

/// <summary>
/// Microsoft.Data.Sqlite takes back the handle of a connection that was dropped without being closed; when a statement
/// of it was still part-way through its rows, the next open of that handle used to fail (SQLite Error 5, "unable to
/// delete/modify collation sequence due to active statements") and keep failing, each request answered 500.
/// </summary>
public sealed class SqliteStaleStatementTests : StoreTestBase<SqliteTestDatabase>
{
    [Fact]
    public async Task A_pooled_handle_left_with_a_running_statement_by_a_connection_never_closed_still_opens_and_serves()
    {
        string connectionString;
        await using (var db = OpenDb())
        {
            connectionString = db.Database.GetDbConnection().ConnectionString;
            SqliteConnection.ClearPool((SqliteConnection)db.Database.GetDbConnection());
        }
        var stale = LeaveRunningStatement(connectionString);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // Two contexts open at once: with no idle handle left, the pool takes the dropped connection's handle back for the second.
        var first = OpenDb();
        await first.Database.OpenConnectionAsync();
        var second = OpenDb();
        await second.Database.OpenConnectionAsync();
        (await second.Flows.CountAsync()).ShouldBe(0);
        (await first.Flows.CountAsync()).ShouldBe(0);
        raw.sqlite3_stmt_busy(stale).ShouldBe(0, "the statement left running was reset");
        await second.DisposeAsync();
        await first.DisposeAsync();
        stale.Dispose();
    }

    [Fact]
    public async Task An_open_asks_for_its_logger_only_when_it_has_to_recover()
    {
        string connectionString;
        await using (var db = OpenDb())
        {
            connectionString = db.Database.GetDbConnection().ConnectionString;
            SqliteConnection.ClearPool((SqliteConnection)db.Database.GetDbConnection());
        }
        var asked = 0;
        Microsoft.Extensions.Logging.ILogger Ask(int _)
        {
            asked++;
            return Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        }
        SqliteConnection Opened()
        {
            var connection = new SqliteConnection(connectionString);
            connection.CreateCollation("EF_DECIMAL", (x, y) => string.CompareOrdinal(x, y));
            SqliteStaleStatements.Open(connection, 0, Ask);
            return connection;
        }

        using (Opened()) { }
        asked.ShouldBe(0, "a plain open resolves no logger");

        var stale = LeaveRunningStatement(connectionString);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var first = Opened();
        using var second = Opened();
        raw.sqlite3_stmt_busy(stale).ShouldBe(0, "the statement left running was reset");
        asked.ShouldBe(1, "the recovery logs its warning");
        stale.Dispose();
    }

    /// <summary>
    /// A connection as EF Core and the store set one up (EF's collation; statements tracked from the open), a statement
    /// stepped to its first row and kept from its finalizer, and the connection dropped unclosed.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static sqlite3_stmt LeaveRunningStatement(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.CreateCollation("EF_DECIMAL", (x, y) => string.CompareOrdinal(x, y));
        connection.Open();
        connection.Handle!.enable_sqlite3_next_stmt(true);
        raw.sqlite3_prepare_v2(connection.Handle, "SELECT 1 UNION ALL SELECT 2", out var statement).ShouldBe(raw.SQLITE_OK);
        raw.sqlite3_step(statement).ShouldBe(raw.SQLITE_ROW);
        return statement;
    }
}
