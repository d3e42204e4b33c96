using FlowConnectors.Connectors.Connections;
using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

/// <summary>
/// Token refresh leases on the connection's row: one conditional UPDATE takes a free or lapsed lease, so
/// exactly one node of a cluster refreshes a connection's tokens at a time.
/// </summary>
internal sealed class EfConnectionRefreshLeases(IDbContextFactory<FlowConnectorsDbContext> factory) : IConnectionRefreshLeases
{
    public async Task<bool> TryAcquireAsync(string connectionId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var until = now + duration;
        return await db.Connections
            .Where(c => c.Id == connectionId && (c.RefreshLeaseOwner == null || c.RefreshLeaseOwner == owner || c.RefreshLeaseExpiresAt == null || c.RefreshLeaseExpiresAt < now))
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.RefreshLeaseOwner, owner).SetProperty(c => c.RefreshLeaseExpiresAt, until), ct) > 0;
    }

    public async Task ReleaseAsync(string connectionId, string owner, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.Connections.Where(c => c.Id == connectionId && c.RefreshLeaseOwner == owner)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.RefreshLeaseOwner, (string?)null).SetProperty(c => c.RefreshLeaseExpiresAt, (DateTimeOffset?)null), ct);
    }
}
