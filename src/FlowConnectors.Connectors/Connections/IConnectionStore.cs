namespace FlowConnectors.Connectors.Connections;

/// <summary>Where connections live. Implementations encrypt secret values and tokens at rest.</summary>
public interface IConnectionStore
{
    Task<Connection?> GetAsync(string id, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<Connection>> ListAsync(CancellationToken cancellationToken = default);
    Task SaveAsync(Connection connection, CancellationToken cancellationToken = default);
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);
}
