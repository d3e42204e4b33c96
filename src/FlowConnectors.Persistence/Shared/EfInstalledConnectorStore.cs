using FlowConnectors.Persistence.Stores;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Shared;

internal sealed class EfInstalledConnectorStore(IDbContextFactory<SharedStateContext> factory, TimeProvider? clock = null) : IInstalledConnectorStore
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<IReadOnlyList<InstalledConnectorRecord>> ListAsync(string? key = null, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var query = db.InstalledConnectors.AsNoTracking();
        if (key is not null) query = query.Where(c => c.Key == key);
        var rows = await query.Select(c => new InstalledConnectorRecord(c.Key, c.Version, c.Current, c.Digest, c.InstalledAt)).ToListAsync(ct);
        return rows.OrderBy(r => r.Key, StringComparer.Ordinal).ThenBy(r => r.Version, StringComparer.Ordinal).ToList();
    }

    public async Task<byte[]?> GetFilesAsync(string key, string version, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.InstalledConnectors.AsNoTracking().Where(c => c.Key == key && c.Version == version).Select(c => c.Files).FirstOrDefaultAsync(ct);
    }

    public Task SaveAsync(string key, string version, string digest, byte[] files, bool current = true, CancellationToken ct = default) =>
        StoreRetry.OnConflictAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // Installs of one connector take turns across nodes (SQLite's write gate does it in one process).
            if (db.Database.IsNpgsql())
                await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"connector:" + key}, 0))", ct);
            var rows = await db.InstalledConnectors.Where(c => c.Key == key).ToListAsync(ct);
            var same = rows.FirstOrDefault(r => r.Version == version);
            if (current)
                foreach (var row in rows.Where(r => r != same)) row.Current = false;
            if (same is null) db.InstalledConnectors.Add(same = new InstalledConnectorEntity { Key = key, Version = version });
            same.Current = current || same.Current;
            same.Digest = digest;
            same.Files = files;
            same.InstalledAt = _clock.GetUtcNow();
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        });

    public async Task<bool> DeleteAsync(string key, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.InstalledConnectors.Where(c => c.Key == key).ExecuteDeleteAsync(ct) > 0;
    }
}
