using Microsoft.Data.Sqlite;
using Npgsql;

namespace FlowConnectors.Persistence.Tests;

/// <summary>A fresh, empty database for one test, removed afterwards.</summary>
public interface ITestDatabase : IAsyncDisposable
{
    PersistenceOptions Options { get; }
    Task CreateAsync();
}

/// <summary>A temporary SQLite file.</summary>
public sealed class SqliteTestDatabase : ITestDatabase
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "flowconnectors-sqlite-" + Guid.NewGuid().ToString("N"));

    public PersistenceOptions Options { get; private set; } = null!;

    public Task CreateAsync()
    {
        // The folder does not exist yet: PersistenceInitializer creates it.
        Options = PersistenceOptions.Sqlite(Path.Combine(_directory, "flows.db"));
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        // This database's pool only: clearing every pool would also take back and close a handle another test class,
        // running at the same time, dropped on purpose (SqliteStaleStatementTests).
        if (Options is not null) SqliteConnection.ClearPool(new SqliteConnection(Options.ConnectionString));
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A database of its own on the PostgreSQL server named by FLOWCONNECTORS_TEST_POSTGRES (started
/// by scripts/postgres.sh). Without that variable the test fails: PostgreSQL tests never skip.
/// </summary>
public sealed class PostgresTestDatabase : ITestDatabase
{
    public const string Variable = "FLOWCONNECTORS_TEST_POSTGRES";
    private string? _server;
    private string? _name;

    public PersistenceOptions Options { get; private set; } = null!;

    public static string ServerConnectionString() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set: the PostgreSQL tests need a server. Run `source scripts/postgres.sh` first (scripts/test.sh does).");

    public async Task CreateAsync()
    {
        _server = ServerConnectionString();
        _name = "fc_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(_server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{_name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        Options = PersistenceOptions.Postgres(new NpgsqlConnectionStringBuilder(_server) { Database = _name }.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is null || _name is null) return;
        await using (var own = new NpgsqlConnection(Options.ConnectionString)) NpgsqlConnection.ClearPool(own);
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
