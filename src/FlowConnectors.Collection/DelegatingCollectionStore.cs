namespace FlowConnectors.Collection;

/// <summary>
/// A collection store that hands every call to another one; a decorator overrides only what it changes
/// (the benchmark discards writes, tests slow them down).
/// </summary>
public abstract class DelegatingCollectionStore(ICollectionStore inner) : ICollectionStore
{
    public virtual Task<UpsertResult> UpsertUsersAsync(string connectorKey, IReadOnlyList<CollectedUser> users, DateTimeOffset now, CancellationToken ct = default) =>
        inner.UpsertUsersAsync(connectorKey, users, now, ct);
    public virtual Task<ICollectedUserWriter> OpenUserWriterAsync(string connectorKey, DateTimeOffset now, CancellationToken ct = default) =>
        inner.OpenUserWriterAsync(connectorKey, now, ct);
    public virtual Task<UserPage> QueryUsersAsync(string connectorKey, UserQuery query, CancellationToken ct = default) => inner.QueryUsersAsync(connectorKey, query, ct);
    public virtual Task<CollectionSummary> SummarizeAsync(string connectorKey, DateTimeOffset now, CancellationToken ct = default) => inner.SummarizeAsync(connectorKey, now, ct);
    public virtual Task DeleteUsersAsync(string connectorKey, CancellationToken ct = default) => inner.DeleteUsersAsync(connectorKey, ct);
    public virtual Task<int> CountSeenAsync(string connectorKey, DateTimeOffset seenAt, CancellationToken ct = default) => inner.CountSeenAsync(connectorKey, seenAt, ct);
    public virtual Task AcceptRunAsync(string connectorKey, DateTimeOffset runStartedAt, CancellationToken ct = default) => inner.AcceptRunAsync(connectorKey, runStartedAt, ct);
    public virtual Task SaveRunAsync(CollectionRun run, CancellationToken ct = default) => inner.SaveRunAsync(run, ct);
    public virtual Task<CollectionRun?> GetRunAsync(string runId, CancellationToken ct = default) => inner.GetRunAsync(runId, ct);
    public virtual Task<IReadOnlyList<CollectionRun>> ListRunsAsync(string connectorKey, int limit, CancellationToken ct = default) => inner.ListRunsAsync(connectorKey, limit, ct);
    public virtual Task SaveSourceAsync(CollectionSource source, CancellationToken ct = default) => inner.SaveSourceAsync(source, ct);
    public virtual Task<CollectionSource?> GetSourceAsync(string connectorKey, CancellationToken ct = default) => inner.GetSourceAsync(connectorKey, ct);
    public virtual Task<IReadOnlyList<CollectionSource>> ListSourcesAsync(CancellationToken ct = default) => inner.ListSourcesAsync(ct);
    public virtual Task DeleteSourceAsync(string connectorKey, CancellationToken ct = default) => inner.DeleteSourceAsync(connectorKey, ct);
}
