using Npgsql;

namespace FlowConnectors.Tests.Shared;

/// <summary>
/// A database of its own on the test PostgreSQL (`source scripts/postgres.sh` starts it and sets
/// FLOWCONNECTORS_TEST_POSTGRES; scripts/test.sh does), created for one test or fixture and dropped after it.
/// </summary>
internal static class TestPostgres
{
    /// <summary>The server's connection string; the tests fail, not skip, without it.</summary>
    public static string Server =>
        Environment.GetEnvironmentVariable("FLOWCONNECTORS_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("FLOWCONNECTORS_TEST_POSTGRES is not set: run `source scripts/postgres.sh` first (scripts/test.sh does).");

    /// <summary>
    /// Creates a database named <paramref name="prefix"/> plus a random suffix, empty or a copy of the database
    /// <paramref name="template"/> (no session may be connected to that one); returns its connection string.
    /// </summary>
    public static async Task<string> CreateDatabaseAsync(string prefix, string? template = null)
    {
        var server = Server;
        var name = prefix + Guid.NewGuid().ToString("N");
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"" + (template is null ? "" : $" TEMPLATE \"{template}\""), connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    /// <summary>Drops the database <paramref name="connectionString"/> names, ending its sessions (this process's pooled ones first).</summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using (var own = new NpgsqlConnection(connectionString)) NpgsqlConnection.ClearPool(own);
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
