using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

internal sealed class EfFlowStore(IDbContextFactory<FlowConnectorsDbContext> factory, TimeProvider? clock = null, IClusterChanges? changes = null) : IFlowStore
{
    /// <summary>Every node drops its cached published version of the flow (LISTEN/NOTIFY on PostgreSQL).</summary>
    private async Task ChangedAsync(string flowId)
    {
        if (changes is not null) await changes.PublishAsync(new ClusterChange(ClusterChangeKinds.Flow, flowId));
    }

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public Task<StoredFlow> SaveVersionAsync(string flowId, string? name, string json, string? connectorKey, CancellationToken ct = default) =>
        // Saves of one flow take turns: on SQLite the write gate serializes transactions; on PostgreSQL a
        // transaction-scoped advisory lock on the flow id does. The retry stays for the first insert of a
        // new flow racing another process's.
        StoreRetry.OnConflictAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (db.Database.IsNpgsql())
                await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"flow:" + flowId}, 0))", ct);
            var now = _clock.GetUtcNow();
            var head = await db.Flows.FirstOrDefaultAsync(f => f.FlowId == flowId, ct);
            if (head is null)
            {
                head = new FlowHeadEntity { FlowId = flowId };
                db.Flows.Add(head);
            }
            head.LatestVersion++;
            head.Name = name ?? head.Name;
            head.ConnectorKey = connectorKey ?? head.ConnectorKey;
            head.UpdatedAt = now;
            var version = new FlowVersionEntity
            {
                FlowId = flowId,
                Version = head.LatestVersion,
                Json = json,
                ConnectorKey = connectorKey,
                CreatedAt = now,
            };
            db.FlowVersions.Add(version);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return ToRecord(version);
        });

    public async Task<StoredFlow?> GetAsync(string flowId, int? version = null, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var query = db.FlowVersions.AsNoTracking().Where(v => v.FlowId == flowId);
        var row = version is { } v
            ? await query.FirstOrDefaultAsync(x => x.Version == v, ct)
            : await query.OrderByDescending(x => x.Version).FirstOrDefaultAsync(ct);
        return row is null ? null : ToRecord(row);
    }

    public async Task<StoredFlow?> GetPublishedAsync(string flowId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.FlowVersions.AsNoTracking().FirstOrDefaultAsync(v => v.FlowId == flowId && v.Published, ct);
        return row is null ? null : ToRecord(row);
    }

    public async Task<bool> PublishAsync(string flowId, int version, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var head = await db.Flows.FirstOrDefaultAsync(f => f.FlowId == flowId, ct);
        if (head is null || !await db.FlowVersions.AnyAsync(v => v.FlowId == flowId && v.Version == version, ct)) return false;
        await db.FlowVersions.Where(v => v.FlowId == flowId && v.Published && v.Version != version)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.Published, false), ct);
        await db.FlowVersions.Where(v => v.FlowId == flowId && v.Version == version)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.Published, true), ct);
        head.PublishedVersion = version;
        head.UpdatedAt = _clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await ChangedAsync(flowId);
        return true;
    }

    public async Task<IReadOnlyList<FlowSummary>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.Flows.AsNoTracking().OrderBy(f => f.FlowId).ToListAsync(ct);
        var drafts = await db.FlowDrafts.AsNoTracking().Select(d => new { d.FlowId, d.UpdatedAt }).ToListAsync(ct);
        var drafted = drafts.ToDictionary(d => d.FlowId, d => d.UpdatedAt, StringComparer.Ordinal);
        var list = rows.Select(f => new FlowSummary(f.FlowId, f.Name, f.LatestVersion, f.PublishedVersion, f.ConnectorKey, f.UpdatedAt,
            f.Active, drafted.ContainsKey(f.FlowId))).ToList();
        // A flow that has only a draft (never published) is listed too, so it can be opened again.
        foreach (var d in drafts.Where(d => rows.All(f => f.FlowId != d.FlowId)))
            list.Add(new FlowSummary(d.FlowId, null, 0, null, null, d.UpdatedAt, true, true));
        return list.OrderBy(f => f.FlowId, StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<StoredFlow>> ListVersionsAsync(string flowId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.FlowVersions.AsNoTracking().Where(v => v.FlowId == flowId).OrderBy(v => v.Version).ToListAsync(ct);
        return rows.Select(ToRecord).ToList();
    }

    public async Task<StoredDraft?> GetDraftAsync(string flowId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.FlowDrafts.AsNoTracking().FirstOrDefaultAsync(d => d.FlowId == flowId, ct);
        return row is null ? null : Draft(row, await LatestVersionAsync(db, flowId, ct));
    }

    public Task<StoredDraft> SaveDraftAsync(string flowId, string json, string? pins, DraftBaseline? baseline = null, CancellationToken ct = default) =>
        // Like a new version: saves of one flow take turns (the SQLite write gate holds from begin to commit; on PostgreSQL the
        // flow's advisory lock, which new versions take too), so the baseline's check and the write see the same flow. The
        // retry stays for the first insert of a new draft racing another process's.
        StoreRetry.OnConflictAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (db.Database.IsNpgsql())
                await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"flow:" + flowId}, 0))", ct);
            var latest = await LatestVersionAsync(db, flowId, ct);
            var row = await db.FlowDrafts.FirstOrDefaultAsync(d => d.FlowId == flowId, ct);
            if (baseline is not null && !baseline.Holds(latest, row?.UpdatedAt))
                throw new DraftChangedException(flowId, latest, row is null ? null : Draft(row, latest));
            // Whole microseconds (what PostgreSQL keeps), and later than the save it replaces even where the clock is
            // coarse or stands still: each save has a time of its own for the next edit's baseline.
            var now = _clock.GetUtcNow();
            now = now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerMicrosecond));
            if (row is null) db.FlowDrafts.Add(row = new FlowDraftEntity { FlowId = flowId, Json = json });
            else if (now <= row.UpdatedAt) now = row.UpdatedAt.AddMicroseconds(1);
            row.Json = json;
            row.Pins = pins;
            row.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return Draft(row, latest);
        });

    private static Task<int?> LatestVersionAsync(FlowConnectorsDbContext db, string flowId, CancellationToken ct) =>
        db.Flows.AsNoTracking().Where(f => f.FlowId == flowId).Select(f => (int?)f.LatestVersion).FirstOrDefaultAsync(ct);

    private static StoredDraft Draft(FlowDraftEntity row, int? latestVersion) => new(row.FlowId, row.Json, row.Pins, row.UpdatedAt, latestVersion);

    public async Task DeleteDraftAsync(string flowId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.FlowDrafts.Where(d => d.FlowId == flowId).ExecuteDeleteAsync(ct);
    }

    public async Task<bool?> GetActiveAsync(string flowId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var head = await db.Flows.AsNoTracking().FirstOrDefaultAsync(f => f.FlowId == flowId, ct);
        return head?.Active;
    }

    public async Task<bool> SetActiveAsync(string flowId, bool active, CancellationToken ct = default)
    {
        bool changed;
        await using (var db = await factory.CreateDbContextAsync(ct))
            changed = await db.Flows.Where(f => f.FlowId == flowId).ExecuteUpdateAsync(s => s.SetProperty(f => f.Active, active), ct) > 0;
        if (changed) await ChangedAsync(flowId);
        return changed;
    }

    private static StoredFlow ToRecord(FlowVersionEntity v) => new(v.FlowId, v.Version, v.Json, v.Published, v.ConnectorKey, v.CreatedAt);
}
