using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Tests;

/// <summary>The SQLite settings are set once per pooled handle and hold on every later open of it.</summary>
public sealed class SqlitePragmaTests : StoreTestBase<SqliteTestDatabase>
{
    private async Task<(string JournalMode, long Synchronous, long BusyTimeout)> SettingsAsync()
    {
        await using var db = OpenDb();
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        async Task<object?> Pragma(string name)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA " + name;
            return await command.ExecuteScalarAsync();
        }
        return ((string)(await Pragma("journal_mode"))!, (long)(await Pragma("synchronous"))!, (long)(await Pragma("busy_timeout"))!);
    }

    [Fact]
    public async Task Every_open_has_WAL_synchronous_normal_and_the_busy_timeout()
    {
        for (var open = 0; open < 3; open++)
            (await SettingsAsync()).ShouldBe(("wal", 1L, 10000L));
        // A new handle (the pool emptied) is set up again.
        await using (var db = OpenDb()) SqliteConnection.ClearPool((SqliteConnection)db.Database.GetDbConnection());
        (await SettingsAsync()).ShouldBe(("wal", 1L, 10000L));
    }
}
