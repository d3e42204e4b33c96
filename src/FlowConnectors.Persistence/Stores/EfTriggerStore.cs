using System.Collections.Concurrent;
using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

/// <summary>
/// Triggers. <see cref="FindByHashAsync"/> (every webhook and HTTP endpoint request) is answered from
/// memory: a write through this store clears the cache at once, and an entry is re-read after
/// <see cref="CacheTime"/> so a change made by another process is seen within that time. With a change feed
/// (<see cref="IClusterChanges"/>: LISTEN/NOTIFY on PostgreSQL) another node's write clears it as soon as it is told.
/// </summary>
internal sealed class EfTriggerStore : ITriggerStore
{
    private readonly IDbContextFactory<FlowConnectorsDbContext> _factory;
    private readonly IClusterChanges? _changes;

    public EfTriggerStore(IDbContextFactory<FlowConnectorsDbContext> factory, IClusterChanges? changes = null)
    {
        _factory = factory;
        _changes = changes;
        changes?.Subscribe(change =>
        {
            if (change.Kind is ClusterChangeKinds.Triggers or ClusterChangeKinds.All) Invalidate();
        });
    }

    internal static readonly TimeSpan CacheTime = TimeSpan.FromSeconds(2);
    private sealed record Row(string Id, string FlowId, string Kind, string Hash, string ConfigJson, bool Enabled);
    private sealed record Cached(IReadOnlyList<Row> Rows, long Generation, long ReadAt);
    private readonly ConcurrentDictionary<string, Cached> _byHash = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>Every cached entry read before this call is stale from now on.</summary>
    private void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _byHash.Clear();
    }

    public async Task SaveAsync(TriggerRecord trigger, CancellationToken ct = default)
    {
        try
        {
            await SaveRowAsync(trigger, ct);
        }
        finally
        {
            await ChangedAsync(trigger.Id);
        }
    }

    /// <summary>This node's cache at once, every other node's when told.</summary>
    private async Task ChangedAsync(string id)
    {
        Invalidate();
        if (_changes is not null) await _changes.PublishAsync(new ClusterChange(ClusterChangeKinds.Triggers, id));
    }

    private Task SaveRowAsync(TriggerRecord trigger, CancellationToken ct) =>
        StoreRetry.OnConflictAsync(async () =>
        {
            await using var db = await _factory.CreateDbContextAsync(ct);
            var row = await db.Triggers.FirstOrDefaultAsync(t => t.Id == trigger.Id, ct);
            if (row is null)
                db.Triggers.Add(row = new TriggerEntity { Id = trigger.Id, FlowId = trigger.FlowId, Kind = trigger.Kind, Hash = trigger.Hash, ConfigJson = "{}" });
            row.FlowId = trigger.FlowId;
            row.Kind = trigger.Kind;
            row.Hash = trigger.Hash;
            row.ConfigJson = trigger.Config.ToJsonString();
            row.Enabled = trigger.Enabled;
            await db.SaveChangesAsync(ct);
        });

    public async Task<IReadOnlyList<TriggerRecord>> FindByHashAsync(string hash, CancellationToken ct = default)
    {
        var generation = Interlocked.Read(ref _generation);
        if (_byHash.TryGetValue(hash, out var cached) && cached.Generation == generation
            && Environment.TickCount64 - cached.ReadAt < (long)CacheTime.TotalMilliseconds)
            return cached.Rows.Select(ToRecord).ToList();
        var readAt = Environment.TickCount64;
        await using var db = await _factory.CreateDbContextAsync(ct);
        var rows = await db.Triggers.AsNoTracking().Where(t => t.Hash == hash && t.Enabled).OrderBy(t => t.Id)
            .Select(t => new Row(t.Id, t.FlowId, t.Kind, t.Hash, t.ConfigJson, t.Enabled))
            .ToListAsync(ct);
        // Tagged with the generation seen before the read: a write that overlapped the read makes it stale.
        _byHash[hash] = new Cached(rows, generation, readAt);
        // Each caller gets its own records: a JsonObject is not safe to share between threads.
        return rows.Select(ToRecord).ToList();
    }

    public async Task<IReadOnlyList<TriggerRecord>> ListAsync(string? flowId = null, CancellationToken ct = default)
    {
        await using var db = await _factory.CreateDbContextAsync(ct);
        var query = db.Triggers.AsNoTracking();
        if (flowId is not null) query = query.Where(t => t.FlowId == flowId);
        var rows = await query.OrderBy(t => t.Id).ToListAsync(ct);
        return rows.Select(ToRecord).ToList();
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken ct = default)
    {
        try
        {
            await using var db = await _factory.CreateDbContextAsync(ct);
            return await db.Triggers.Where(t => t.Id == id).ExecuteDeleteAsync(ct) > 0;
        }
        finally
        {
            await ChangedAsync(id);
        }
    }

    private static TriggerRecord ToRecord(TriggerEntity t) => new(t.Id, t.FlowId, t.Kind, t.Hash, StoreJson.ReadObject(t.ConfigJson), t.Enabled);

    private static TriggerRecord ToRecord(Row t) => new(t.Id, t.FlowId, t.Kind, t.Hash, StoreJson.ReadObject(t.ConfigJson), t.Enabled);
}
