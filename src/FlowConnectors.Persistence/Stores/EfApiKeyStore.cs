using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

internal sealed class EfApiKeyStore(IDbContextFactory<FlowConnectorsDbContext> factory, TimeProvider? clock = null) : IApiKeyStore
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<bool> AnyAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.ApiKeys.AnyAsync(ct);
    }

    public async Task AddAsync(string name, string keyHash, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        if (await db.ApiKeys.AnyAsync(k => k.KeyHash == keyHash, ct)) return;
        db.ApiKeys.Add(new ApiKeyEntity { Name = name, KeyHash = keyHash, CreatedAt = _clock.GetUtcNow() });
        await db.SaveChangesAsync(ct);
    }

    public async Task<bool> ExistsAsync(string keyHash, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.ApiKeys.AnyAsync(k => k.KeyHash == keyHash, ct);
    }
}
