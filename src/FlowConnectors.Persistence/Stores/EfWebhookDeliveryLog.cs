using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

/// <summary>
/// Delivery keys in table WebhookDeliveries (primary key = the key, so two processes claiming the same
/// delivery cannot both win). Expired rows are purged now and then by the claim that finds them.
/// </summary>
internal sealed class EfWebhookDeliveryLog(IDbContextFactory<FlowConnectorsDbContext> factory) : IWebhookDeliveryLog
{
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromMinutes(10);
    private long _lastPurgeTicks;

    public async Task<(DeliveryClaim Claim, long? InboxId)> ClaimAsync(IReadOnlyList<string> keys, DateTimeOffset now, DateTimeOffset expiresAt,
        TimeSpan staleAfter, CancellationToken ct = default)
    {
        await PurgeAsync(now, ct);
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            var rows = await db.WebhookDeliveries.Where(d => keys.Contains(d.Key)).ToListAsync(ct);
            var live = rows.Where(r => r.ExpiresAt > now).ToList();
            if (live.FirstOrDefault(r => r.InboxId is not null) is { } stored) return (DeliveryClaim.Duplicate, stored.InboxId);
            if (live.Any(r => now - r.ReceivedAt < staleAfter)) return (DeliveryClaim.InProgress, null);
            foreach (var key in keys)
            {
                var row = rows.FirstOrDefault(r => r.Key == key);
                if (row is null) db.WebhookDeliveries.Add(new WebhookDeliveryEntity { Key = key, ReceivedAt = now, ExpiresAt = expiresAt });
                else
                {
                    row.ReceivedAt = now;
                    row.ExpiresAt = expiresAt;
                    row.InboxId = null;
                }
            }
            try
            {
                await db.SaveChangesAsync(ct);
                return (DeliveryClaim.New, null);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another request inserted one of the keys first: read again and decide on what it stored.
            }
        }
    }

    public async Task CompleteAsync(IReadOnlyList<string> keys, long inboxId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.WebhookDeliveries.Where(d => keys.Contains(d.Key)).ExecuteUpdateAsync(s => s.SetProperty(d => d.InboxId, inboxId), ct);
    }

    public async Task ReleaseAsync(IReadOnlyList<string> keys, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.WebhookDeliveries.Where(d => keys.Contains(d.Key) && d.InboxId == null).ExecuteDeleteAsync(ct);
    }

    private async Task PurgeAsync(DateTimeOffset now, CancellationToken ct)
    {
        var last = Interlocked.Read(ref _lastPurgeTicks);
        if (now.UtcTicks - last < PurgeEvery.Ticks || Interlocked.CompareExchange(ref _lastPurgeTicks, now.UtcTicks, last) != last) return;
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.WebhookDeliveries.Where(d => d.ExpiresAt <= now).ExecuteDeleteAsync(ct);
    }
}
