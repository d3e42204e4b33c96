using Microsoft.Data.Sqlite;

namespace FlowConnectors.ServerBench;

/// <summary>
/// Counts read straight from the server's SQLite file (read-only, WAL: it never blocks the server's writer), so
/// polling thousands of instances costs the server nothing and is not capped by the API's page size.
/// </summary>
internal sealed class Rows(string dataFolder)
{
    private string ConnectionString { get; } = new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(dataFolder, "flowconnectors.db"),
        Mode = SqliteOpenMode.ReadOnly,
    }.ToString();

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Instances of <paramref name="flowId"/> with one of these statuses (as stored: Suspended, Finished, …).</summary>
    public Task<long> CountAsync(string flowId, params string[] statuses) =>
        ScalarAsync($"SELECT COUNT(*) FROM Instances WHERE FlowId = '{flowId}' AND Status IN ({string.Join(", ", statuses.Select(s => $"'{s}'"))})");

    /// <summary>Values of one column per row of a query, as doubles.</summary>
    public async Task<List<double>> ListAsync(string sql)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var values = new List<double>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) values.Add(reader.GetDouble(0));
        return values;
    }
}
