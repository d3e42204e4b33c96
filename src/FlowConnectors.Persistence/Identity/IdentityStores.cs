using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Identity;

internal sealed class EfAccessKeyStore(IDbContextFactory<IdentityDataContext> factory) : IAccessKeyStore
{
    public async Task AddAsync(AccessKeyRecord key, string keyHash, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        db.AccessKeys.Add(new AccessKeyEntity
        {
            Id = key.Id,
            UserId = key.UserId,
            Name = key.Name,
            KeyHash = keyHash,
            Scopes = string.Join(' ', key.Scopes),
            CreatedAt = key.CreatedAt,
            ExpiresAt = key.ExpiresAt,
        });
        await db.SaveChangesAsync(ct);
    }

    public async Task<AccessKeyRecord?> FindByHashAsync(string keyHash, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.AccessKeys.AsNoTracking().FirstOrDefaultAsync(k => k.KeyHash == keyHash, ct);
        return row is null ? null : ToRecord(row);
    }

    public async Task<AccessKeyRecord?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.AccessKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, ct);
        return row is null ? null : ToRecord(row);
    }

    public async Task<bool> AnyAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.AccessKeys.AnyAsync(ct);
    }

    public async Task<IReadOnlyList<AccessKeyRecord>> ListAsync(string? userId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var query = db.AccessKeys.AsNoTracking();
        if (userId is not null) query = query.Where(k => k.UserId == userId);
        var rows = await query.OrderByDescending(k => k.CreatedAt).ThenBy(k => k.Id).ToListAsync(ct);
        return rows.Select(ToRecord).ToList();
    }

    public async Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.AccessKeys.FirstOrDefaultAsync(k => k.Id == id, ct);
        if (row is null) return false;
        row.RevokedAt ??= at;
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task TouchAsync(string id, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.AccessKeys.Where(k => k.Id == id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, at), ct);
    }

    public async Task<IReadOnlyList<(string Name, string KeyHash)>> LegacyKeysAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.LegacyApiKeys.AsNoTracking().OrderBy(k => k.Id).Select(k => new { k.Name, k.KeyHash }).ToListAsync(ct);
        return rows.Select(r => (r.Name, r.KeyHash)).ToList();
    }

    private static AccessKeyRecord ToRecord(AccessKeyEntity row) => new(row.Id, row.UserId, row.Name,
        row.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), row.CreatedAt, row.ExpiresAt, row.RevokedAt, row.LastUsedAt);
}

internal sealed class EfAuditLog(IDbContextFactory<IdentityDataContext> factory) : IAuditLog
{
    public async Task AppendAsync(AuditRecord entry, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        db.AuditEntries.Add(new AuditEntryEntity
        {
            At = entry.At,
            Action = entry.Action,
            Status = entry.Status,
            UserId = entry.UserId,
            UserName = entry.UserName,
            KeyId = entry.KeyId,
            RequestId = entry.RequestId,
            Target = entry.Target,
            Detail = entry.Detail,
        });
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<AuditRecord>> ListAsync(AuditQuery query, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = db.AuditEntries.AsNoTracking();
        if (query.UserId is not null) rows = rows.Where(e => e.UserId == query.UserId);
        if (query.Action is not null) rows = rows.Where(e => e.Action == query.Action);
        if (query.Status is { } status) rows = rows.Where(e => e.Status == status);
        var list = await rows.OrderByDescending(e => e.Id).Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 1, 1000)).ToListAsync(ct);
        return list.Select(e => new AuditRecord(e.At, e.Action, e.Status, e.UserId, e.UserName, e.KeyId, e.RequestId, e.Target, e.Detail) { Id = e.Id }).ToList();
    }
}

internal sealed class EfCatalogSubmitterStore(IDbContextFactory<IdentityDataContext> factory) : ICatalogSubmitterStore
{
    public async Task RecordAsync(string connectorKey, string version, string userId, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.CatalogSubmitters.FirstOrDefaultAsync(s => s.ConnectorKey == connectorKey && s.Version == version, ct);
        if (row is null) db.CatalogSubmitters.Add(new CatalogSubmitterEntity { ConnectorKey = connectorKey, Version = version, UserId = userId, SubmittedAt = at });
        else { row.UserId = userId; row.SubmittedAt = at; }
        await db.SaveChangesAsync(ct);
    }

    public async Task<string?> FindAsync(string connectorKey, string version, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.CatalogSubmitters.AsNoTracking().Where(s => s.ConnectorKey == connectorKey && s.Version == version)
            .Select(s => s.UserId).FirstOrDefaultAsync(ct);
    }
}
