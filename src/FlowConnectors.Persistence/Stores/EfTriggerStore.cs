using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

internal sealed class EfTriggerStore(IDbContextFactory<FlowConnectorsDbContext> factory) : ITriggerStore
{
    public Task SaveAsync(TriggerRecord trigger, CancellationToken ct = default) =>
        StoreRetry.OnConflictAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync(ct);
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
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.Triggers.AsNoTracking().Where(t => t.Hash == hash && t.Enabled).OrderBy(t => t.Id).ToListAsync(ct);
        return rows.Select(ToRecord).ToList();
    }

    public async Task<IReadOnlyList<TriggerRecord>> ListAsync(string? flowId = null, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var query = db.Triggers.AsNoTracking();
        if (flowId is not null) query = query.Where(t => t.FlowId == flowId);
        var rows = await query.OrderBy(t => t.Id).ToListAsync(ct);
        return rows.Select(ToRecord).ToList();
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Triggers.Where(t => t.Id == id).ExecuteDeleteAsync(ct) > 0;
    }

    private static TriggerRecord ToRecord(TriggerEntity t) => new(t.Id, t.FlowId, t.Kind, t.Hash, StoreJson.ReadObject(t.ConfigJson), t.Enabled);
}
