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
            await db.SaveChangesAsync(ct);
        });

    public async Task<IReadOnlyList<TimerRecord>> ListDueAsync(DateTimeOffset now, int max, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.Timers.AsNoTracking().Where(t => t.DueAt <= now)
            .OrderBy(t => t.DueAt).ThenBy(t => t.Id).Take(Math.Max(0, max)).ToListAsync(ct);
        return rows.Select(ToRecord).ToList();
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

    public async Task DeleteForInstanceAsync(string instanceId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.Timers.Where(t => t.InstanceId == instanceId).ExecuteDeleteAsync(ct);
    }

    private static TimerRecord ToRecord(TimerEntity t) => new(t.Id, t.DueAt, t.Kind, t.InstanceId, t.BookmarkId, t.TriggerId, StoreJson.Read(t.DataJson));
}
