using System.Collections.Concurrent;

namespace FlowConnectors.Connectors.Connections;

/// <summary>
/// Who may refresh a connection's tokens right now: one holder at a time, across every node that shares the
/// store (the server keeps the lease on the connection's row). A lease lapses on its own, so a node that dies
/// while refreshing holds nobody up for long.
/// </summary>
public interface IConnectionRefreshLeases
{
    /// <summary>Takes the lease when it is free or has lapsed; false while another owner holds it.</summary>
    Task<bool> TryAcquireAsync(string connectionId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken ct = default);
    Task ReleaseAsync(string connectionId, string owner, CancellationToken ct = default);
}

/// <summary>Refresh leases of one process.</summary>
public sealed class InMemoryRefreshLeases : IConnectionRefreshLeases
{
    private readonly ConcurrentDictionary<string, (string Owner, DateTimeOffset Until)> _leases = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task<bool> TryAcquireAsync(string connectionId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken ct = default)
    {
        lock (_lock)
        {
            if (_leases.TryGetValue(connectionId, out var held) && held.Owner != owner && held.Until > now) return Task.FromResult(false);
            _leases[connectionId] = (owner, now + duration);
            return Task.FromResult(true);
        }
    }

    public Task ReleaseAsync(string connectionId, string owner, CancellationToken ct = default)
    {
        lock (_lock)
            if (_leases.TryGetValue(connectionId, out var held) && held.Owner == owner) _leases.TryRemove(connectionId, out _);
        return Task.CompletedTask;
    }
}
