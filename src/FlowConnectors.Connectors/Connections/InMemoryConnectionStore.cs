using System.Collections.Concurrent;

namespace FlowConnectors.Connectors.Connections;

/// <summary>Connections held in memory only (offline fixture runs, tests). Nothing is written anywhere.</summary>
public sealed class InMemoryConnectionStore : IConnectionStore
{
    private readonly ConcurrentDictionary<string, Connection> _connections = new(StringComparer.Ordinal);

    public Task<Connection?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(_connections.GetValueOrDefault(id));

    public Task<IReadOnlyList<Connection>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Connection>>(_connections.Values.OrderBy(c => c.Id, StringComparer.Ordinal).ToList());

    public Task SaveAsync(Connection connection, CancellationToken cancellationToken = default)
    {
        _connections[connection.Id] = connection;
        return Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(_connections.TryRemove(id, out _));
}
