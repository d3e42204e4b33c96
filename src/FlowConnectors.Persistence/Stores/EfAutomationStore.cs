using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

internal sealed class EfAutomationStore(IDbContextFactory<FlowConnectorsDbContext> factory) : IAutomationStore
{
    /// <summary>Adds the automation, or replaces the one with the same id.</summary>
    public Task SaveAsync(AutomationRecord automation, CancellationToken ct = default) =>
        StoreRetry.OnConflictAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            var row = await db.Automations.FirstOrDefaultAsync(a => a.Id == automation.Id, ct);
            if (row is null) db.Automations.Add(row = new AutomationEntity { Id = automation.Id, FlowId = automation.FlowId, SettingsJson = "{}" });
            row.FlowId = automation.FlowId;
            row.ConnectionId = automation.ConnectionId;
            row.Enabled = automation.Enabled;
            row.DisabledReason = automation.DisabledReason;
            row.SettingsJson = automation.Settings.ToJsonString();
            row.UpdatedAt = automation.UpdatedAt;
            await db.SaveChangesAsync(ct);
        });

    public async Task<AutomationRecord?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.Automations.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct);
        return row is null ? null : ToRecord(row);
    }

    public async Task<IReadOnlyList<AutomationRecord>> ListAsync(string? connectionId = null, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var query = db.Automations.AsNoTracking();
        if (connectionId is not null) query = query.Where(a => a.ConnectionId == connectionId);
        var rows = await query.OrderBy(a => a.Id).ToListAsync(ct);
        return rows.Select(ToRecord).ToList();
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Automations.Where(a => a.Id == id).ExecuteDeleteAsync(ct) > 0;
    }

    private static AutomationRecord ToRecord(AutomationEntity a) =>
        new(a.Id, a.FlowId, a.ConnectionId, a.Enabled, a.DisabledReason, StoreJson.ReadObject(a.SettingsJson), a.UpdatedAt);
}
