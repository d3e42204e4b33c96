using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

internal sealed class EfTimerStore(IDbContextFactory<FlowConnectorsDbContext> factory) : ITimerStore
{
    public Task AddAsync(TimerRecord timer, CancellationToken ct = default) =>
        StoreRetry.OnConflictAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            var row = await db.Timers.FirstOrDefaultAsync(t => t.Id == timer.Id, ct);
            if (row is null) db.Timers.Add(row = new TimerEntity { Id = timer.Id, Kind = timer.Kind });
            row.DueAt = timer.DueAt;
            row.Kind = timer.Kind;
            row.InstanceId = timer.InstanceId;
            row.BookmarkId = timer.BookmarkId;
            row.TriggerId = timer.TriggerId;
            row.DataJson = StoreJson.Write(timer.Data);
            row.ClaimedBy = null;
            row.ClaimedUntil = null;
            await db.SaveChangesAsync(ct);
        });

    public async Task<IReadOnlyList<TimerRecord>> ListDueAsync(DateTimeOffset now, int max, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        // A claimed timer is due again (for another node) when its claim runs out.
        var rows = await db.Timers.AsNoTracking()
            .Select(t => new { Timer = t, Due = t.ClaimedUntil != null && t.ClaimedUntil > t.DueAt ? t.ClaimedUntil.Value : t.DueAt })
            .Where(t => t.Due <= now)
            .OrderBy(t => t.Due).ThenBy(t => t.Timer.Id).Take(Math.Max(0, max)).ToListAsync(ct);
        return rows.Select(t => ToRecord(t.Timer) with { DueAt = t.Due }).ToList();
    }

    public async Task<IReadOnlyList<TimerRecord>> ClaimDueAsync(string owner, DateTimeOffset now, int max, DateTimeOffset claimUntil, CancellationToken ct = default)
    {
        if (max <= 0) return [];
        await using var db = await factory.CreateDbContextAsync(ct);
        var ids = await EfRunQueue.ClaimTimerIdsAsync(db, owner, now, max, claimUntil, ct);
        if (ids.Count == 0) return [];
        var rows = await db.Timers.AsNoTracking().Where(t => ids.Contains(t.Id)).OrderBy(t => t.DueAt).ThenBy(t => t.Id).ToListAsync(ct);
        return rows.Select(ToRecord).ToList();
    }

    public async Task<IReadOnlyCollection<string>> ExtendClaimsAsync(string owner, IReadOnlyCollection<string> ids, DateTimeOffset claimUntil, CancellationToken ct = default)
    {
        if (ids.Count == 0) return [];
        await using var db = await factory.CreateDbContextAsync(ct);
        return await ClaimedRows.ExtendAsync(db.Timers, owner, ids, claimUntil, ct);
    }

    public async Task<IReadOnlyList<TimerRecord>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.Timers.AsNoTracking().OrderBy(t => t.DueAt).ThenBy(t => t.Id).ToListAsync(ct);
        return rows.Select(ToRecord).ToList();
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Timers.Where(t => t.Id == id).ExecuteDeleteAsync(ct) > 0;
    }

    public async Task DeleteManyAsync(IReadOnlyCollection<string> ids, CancellationToken ct = default)
    {
        if (ids.Count == 0) return;
        await using var db = await factory.CreateDbContextAsync(ct);
        // Fired timers of one pass go in one statement, a few hundred ids at a time (SQLite's parameter limit is far above that).
        foreach (var chunk in ids.Chunk(500))
            await db.Timers.Where(t => chunk.Contains(t.Id)).ExecuteDeleteAsync(ct);
    }

    public async Task DeleteForInstanceAsync(string instanceId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.Timers.Where(t => t.InstanceId == instanceId).ExecuteDeleteAsync(ct);
    }

    private static TimerRecord ToRecord(TimerEntity t) => new(t.Id, t.DueAt, t.Kind, t.InstanceId, t.BookmarkId, t.TriggerId, StoreJson.Read(t.DataJson));
}
