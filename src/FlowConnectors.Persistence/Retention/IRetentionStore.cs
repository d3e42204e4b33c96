namespace FlowConnectors.Persistence;

/// <summary>What one pruning batch deleted.</summary>
public sealed record PruneResult(int Instances, int JournalEntries, int InboxMessages)
{
    public bool Any => Instances + JournalEntries + InboxMessages > 0;
}

/// <summary>Faulted instances with the same flow, node and message: how many, first and last occurrence, the latest one.</summary>
public sealed record Incident(string Id, string FlowId, string? NodeId, string? ActivityType, string Message, long Count,
    DateTimeOffset FirstAt, DateTimeOffset LastAt, string LastInstanceId);

public sealed record IncidentQuery(string? FlowId = null, string? NodeId = null, DateTimeOffset? Since = null, string? Search = null,
    int Skip = 0, int Take = 100);

public sealed record IncidentPage(IReadOnlyList<Incident> Items, int Total);

/// <summary>Gauges read from the database for the metrics: stimuli waiting to be processed, timers overdue.</summary>
public sealed record RuntimeGauges(long InboxPending, long InboxWaiting, TimeSpan TimerLag, long InstancesRunning, long InstancesSuspended);

/// <summary>
/// Retention and incidents: deletes ended runs past their keep time or their flow's limit in small batches,
/// thins journals to their flow's detail, gives SQLite's free pages back to the file system, and groups
/// faulted instances into incidents before any of them is deleted.
/// </summary>
public interface IRetentionStore
{
    /// <summary>
    /// Counts up to <paramref name="batchSize"/> faulted instances not yet counted into their incidents; returns
    /// how many. Each instance is counted once, also when several processes share the database.
    /// </summary>
    Task<int> CollectIncidentsAsync(int batchSize, CancellationToken ct = default);
    /// <summary>One batch of each rule (age, per-flow limit, journal detail, old inbox messages); call again while <see cref="PruneResult.Any"/>.</summary>
    Task<PruneResult> PruneAsync(RetentionSettings settings, DateTimeOffset now, CancellationToken ct = default);
    /// <summary>
    /// SQLite: gives up to <paramref name="maxPages"/> free pages back to the file system (incremental vacuum) and
    /// returns how many; PostgreSQL reuses freed space itself (autovacuum), so 0.
    /// </summary>
    Task<long> ReclaimSpaceAsync(int maxPages, CancellationToken ct = default);
    Task<IncidentPage> ListIncidentsAsync(IncidentQuery query, CancellationToken ct = default);
    Task<Incident?> GetIncidentAsync(string id, CancellationToken ct = default);
    Task<RuntimeGauges> ReadGaugesAsync(DateTimeOffset now, CancellationToken ct = default);
}
