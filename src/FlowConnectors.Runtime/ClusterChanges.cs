namespace FlowConnectors.Runtime;

/// <summary>Something every node caches changed: <see cref="Kind"/> says what (<see cref="ClusterChangeKinds"/>), <see cref="Key"/> which one.</summary>
public sealed record ClusterChange(string Kind, string Key);

public static class ClusterChangeKinds
{
    /// <summary>A flow's published version or its on/off switch changed; the key is the flow id.</summary>
    public const string Flow = "flow";
    /// <summary>Triggers were saved or removed; the key is the trigger id.</summary>
    public const string Triggers = "triggers";
    /// <summary>A connector was installed, replaced or removed; the key is the connector key.</summary>
    public const string Connector = "connector";
    /// <summary>Changes may have been missed (the listener reconnected): drop everything cached.</summary>
    public const string All = "*";
}

/// <summary>
/// Tells every node sharing the database that cached state is stale. On PostgreSQL this is LISTEN/NOTIFY, so every
/// node drops the entry within a round trip; on SQLite (one node) it stays in the process. Handlers run on this
/// node first, before <see cref="PublishAsync"/> returns; other nodes' handlers run on their listener.
/// </summary>
public interface IClusterChanges
{
    Task PublishAsync(ClusterChange change, CancellationToken ct = default);

    /// <summary>Calls <paramref name="handler"/> for every change (this node's and other nodes'); dispose to stop.</summary>
    IDisposable Subscribe(Action<ClusterChange> handler);
}
