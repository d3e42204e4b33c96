using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FlowConnectors.Persistence;

/// <summary>
/// Nodes starting together on one PostgreSQL database take turns through their start-up steps (migrations, the first
/// data-protection key, the first owner and roles), so no two of them create the same thing: a session advisory lock,
/// held until disposed. On SQLite (one node) it is nothing.
/// </summary>
public sealed class ClusterStartupLock : IAsyncDisposable
{
    private const string Key = "flowconnectors:startup";
    private readonly NpgsqlConnection? _connection;

    private ClusterStartupLock(NpgsqlConnection? connection) => _connection = connection;

    public static async Task<ClusterStartupLock> AcquireAsync(IServiceProvider services, CancellationToken ct = default)
    {
        var options = services.GetRequiredService<PersistenceOptions>();
        if (options.IsSqlite) return new ClusterStartupLock(null);
        var connection = new NpgsqlConnection(options.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended(@key, 0))", connection);
            command.Parameters.AddWithValue("key", Key);
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync(ct);
            return new ClusterStartupLock(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Closing the session releases its advisory locks.
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
