using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Identity;

/// <summary>One share of a connection: with a user (by id) or a role (by name), to use it or to manage it.</summary>
public sealed record ConnectionShare(string Kind, string Principal, string Right)
{
    public const string User = "user";
    public const string Role = "role";
    public const string Use = "use";
    public const string Manage = "manage";
}

/// <summary>A connection's owner and its shares.</summary>
public sealed record ConnectionAccessRecord(string ConnectionId, string OwnerId, IReadOnlyList<ConnectionShare> Shares);

/// <summary>
/// Who owns each connection and whom it is shared with. A connection without a record here was stored before
/// connections had owners; the server gives it its default (the installation's owner, shared as before).
/// </summary>
public interface IConnectionAccessStore
{
    Task<ConnectionAccessRecord?> GetAsync(string connectionId, CancellationToken ct = default);
    Task<IReadOnlyList<ConnectionAccessRecord>> ListAsync(CancellationToken ct = default);
    /// <summary>Replaces the connection's owner and shares (a new connection, or one whose id is reused).</summary>
    Task ResetAsync(ConnectionAccessRecord record, CancellationToken ct = default);
    /// <summary>Stores <paramref name="initial"/> only when the connection has no record yet; true when it did.</summary>
    Task<bool> EnsureAsync(ConnectionAccessRecord initial, CancellationToken ct = default);
    /// <summary>Adds the share, or changes the right of the same user's or role's share.</summary>
    Task SetShareAsync(string connectionId, ConnectionShare share, CancellationToken ct = default);
    /// <summary>False when there was no such share.</summary>
    Task<bool> RemoveShareAsync(string connectionId, string kind, string principal, CancellationToken ct = default);
    Task DeleteAsync(string connectionId, CancellationToken ct = default);
    /// <summary>Records who put the flow to work last (published it or switched it on).</summary>
    Task SetFlowPublisherAsync(string flowId, string userId, CancellationToken ct = default);
    /// <summary>The user who put the flow to work last; null for a flow published before this was recorded (or by the server itself).</summary>
    Task<string?> GetFlowPublisherAsync(string flowId, CancellationToken ct = default);
}

internal sealed class EfConnectionAccessStore(IDbContextFactory<IdentityDataContext> factory, TimeProvider? clock = null) : IConnectionAccessStore
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<ConnectionAccessRecord?> GetAsync(string connectionId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var owner = await db.ConnectionOwners.AsNoTracking().FirstOrDefaultAsync(o => o.ConnectionId == connectionId, ct);
        if (owner is null) return null;
        var shares = await db.ConnectionShares.AsNoTracking().Where(s => s.ConnectionId == connectionId).ToListAsync(ct);
        return ToRecord(owner, shares);
    }

    public async Task<IReadOnlyList<ConnectionAccessRecord>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var owners = await db.ConnectionOwners.AsNoTracking().ToListAsync(ct);
        var shares = (await db.ConnectionShares.AsNoTracking().ToListAsync(ct)).ToLookup(s => s.ConnectionId, StringComparer.Ordinal);
        return owners.Select(o => ToRecord(o, shares[o.ConnectionId])).ToList();
    }

    public async Task ResetAsync(ConnectionAccessRecord record, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        db.ConnectionOwners.RemoveRange(await db.ConnectionOwners.Where(o => o.ConnectionId == record.ConnectionId).ToListAsync(ct));
        db.ConnectionShares.RemoveRange(await db.ConnectionShares.Where(s => s.ConnectionId == record.ConnectionId).ToListAsync(ct));
        await db.SaveChangesAsync(ct);
        Add(db, record);
        await db.SaveChangesAsync(ct);
    }

    public async Task<bool> EnsureAsync(ConnectionAccessRecord initial, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        if (await db.ConnectionOwners.AnyAsync(o => o.ConnectionId == initial.ConnectionId, ct)) return true;
        Add(db, initial);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another request stored it first: theirs stands.
            return true;
        }
        return false;
    }

    public async Task SetShareAsync(string connectionId, ConnectionShare share, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.ConnectionShares.FirstOrDefaultAsync(s => s.ConnectionId == connectionId && s.Kind == share.Kind && s.Principal == share.Principal, ct);
        if (row is null)
            db.ConnectionShares.Add(new ConnectionShareEntity { ConnectionId = connectionId, Kind = share.Kind, Principal = share.Principal, Right = share.Right });
        else row.Right = share.Right;
        await db.SaveChangesAsync(ct);
    }

    public async Task<bool> RemoveShareAsync(string connectionId, string kind, string principal, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.ConnectionShares.FirstOrDefaultAsync(s => s.ConnectionId == connectionId && s.Kind == kind && s.Principal == principal, ct);
        if (row is null) return false;
        db.ConnectionShares.Remove(row);
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task DeleteAsync(string connectionId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        db.ConnectionOwners.RemoveRange(await db.ConnectionOwners.Where(o => o.ConnectionId == connectionId).ToListAsync(ct));
        db.ConnectionShares.RemoveRange(await db.ConnectionShares.Where(s => s.ConnectionId == connectionId).ToListAsync(ct));
        await db.SaveChangesAsync(ct);
    }

    public async Task SetFlowPublisherAsync(string flowId, string userId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.FlowPublishers.FirstOrDefaultAsync(p => p.FlowId == flowId, ct);
        if (row is null) db.FlowPublishers.Add(new FlowPublisherEntity { FlowId = flowId, UserId = userId, At = _clock.GetUtcNow() });
        else
        {
            row.UserId = userId;
            row.At = _clock.GetUtcNow();
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (row is null)
        {
            // Two publishes at once: the row exists now; the later one is recorded.
            await SetFlowPublisherAsync(flowId, userId, ct);
        }
    }

    public async Task<string?> GetFlowPublisherAsync(string flowId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.FlowPublishers.AsNoTracking().Where(p => p.FlowId == flowId).Select(p => p.UserId).FirstOrDefaultAsync(ct);
    }

    private void Add(IdentityDataContext db, ConnectionAccessRecord record)
    {
        db.ConnectionOwners.Add(new ConnectionOwnerEntity { ConnectionId = record.ConnectionId, OwnerId = record.OwnerId, CreatedAt = _clock.GetUtcNow() });
        foreach (var share in record.Shares.DistinctBy(s => (s.Kind, s.Principal)))
            db.ConnectionShares.Add(new ConnectionShareEntity { ConnectionId = record.ConnectionId, Kind = share.Kind, Principal = share.Principal, Right = share.Right });
    }

    private static ConnectionAccessRecord ToRecord(ConnectionOwnerEntity owner, IEnumerable<ConnectionShareEntity> shares) =>
        new(owner.ConnectionId, owner.OwnerId, shares.OrderBy(s => s.Kind, StringComparer.Ordinal).ThenBy(s => s.Principal, StringComparer.Ordinal)
            .Select(s => new ConnectionShare(s.Kind, s.Principal, s.Right)).ToList());
}
