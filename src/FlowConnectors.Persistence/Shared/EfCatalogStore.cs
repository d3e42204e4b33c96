using FlowConnectors.Catalog;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Shared;

/// <summary>
/// The server's catalog in the database every node shares (tables CatalogConnectors and CatalogVersions), so a version
/// published through one node is listed, reviewed and installed through any other. Each version keeps its package as the
/// .fcpkg zip; reading it back checks every file, the digest and the secret scan again.
/// </summary>
internal sealed class EfCatalogStore(IDbContextFactory<SharedStateContext> factory, TimeProvider? clock = null) : ICatalogStore
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    // Changes through this process take turns here (all SQLite needs: one node); PostgreSQL nodes also take a lock per connector.
    private readonly SemaphoreSlim _local = new(1, 1);

    public async Task<IReadOnlyList<CatalogEntry>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var connectors = await db.CatalogConnectors.AsNoTracking().ToListAsync(ct);
        var versions = await VersionRows(db.CatalogVersions.AsNoTracking()).ToListAsync(ct);
        var byKey = versions.ToLookup(v => v.Key);
        return connectors.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => Entry(c, byKey[c.Key])).ToList();
    }

    public async Task<CatalogEntry?> FindAsync(string key, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await FindAsync(db, key, ct);
    }

    public async Task<CatalogPackage> ReadAsync(CatalogVersion version, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await ReadAsync(db, version, ct);
    }

    public async Task<T> UpdateAsync<T>(string key, Func<CatalogEntry?, Func<CatalogVersion, Task<CatalogPackage>>, Task<CatalogUpdate<T>>> decide, CancellationToken ct = default)
    {
        await _local.WaitAsync(ct);
        try
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            // On PostgreSQL the decision and the write are one transaction holding the connector's lock across nodes. On
            // SQLite the decision (which may validate a package for a while) runs outside a write transaction, so it does
            // not hold the database's one writer; SaveChanges writes in its own short transaction.
            await using var transaction = db.Database.IsNpgsql() ? await db.Database.BeginTransactionAsync(ct) : null;
            if (transaction is not null)
                await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"catalog:" + key}, 0))", ct);
            var entry = await FindAsync(db, key, ct);
            var update = await decide(entry, v => ReadAsync(db, v, ct));
            if (update.Entry is not { } next) return update.Result;
            var connector = await db.CatalogConnectors.FirstOrDefaultAsync(c => c.Key == key, ct);
            if (connector is null) db.CatalogConnectors.Add(connector = new CatalogConnectorEntity { Key = key });
            connector.Name = next.Name;
            connector.Description = next.Description;
            var rows = await db.CatalogVersions.Where(v => v.Key == key).Select(v => new CatalogVersionEntity
            {
                Key = v.Key, Version = v.Version, Digest = v.Digest, Status = v.Status, Reason = v.Reason, PublishedAt = v.PublishedAt,
            }).ToDictionaryAsync(v => v.Version, ct);
            foreach (var version in next.Versions)
            {
                if (rows.TryGetValue(version.Version, out var row))
                {
                    if (row.Status == version.Status && row.Reason == version.Reason) continue;
                    // Only the review changes on a published version; the package (not loaded here) stays as it is.
                    db.CatalogVersions.Attach(row);
                    row.Status = version.Status;
                    row.Reason = version.Reason;
                }
                else if (update.Added is { } package && package.Version == version.Version)
                {
                    db.CatalogVersions.Add(new CatalogVersionEntity
                    {
                        Key = key, Version = version.Version, Digest = version.Digest, Status = version.Status, Reason = version.Reason,
                        Package = package.ToBytes(), PublishedAt = _clock.GetUtcNow(),
                    });
                }
                else throw new InvalidOperationException($"catalog update of {key} lists {version.Version} without its package");
            }
            await db.SaveChangesAsync(ct);
            if (transaction is not null) await transaction.CommitAsync(ct);
            return update.Result;
        }
        finally
        {
            _local.Release();
        }
    }

    private static async Task<CatalogEntry?> FindAsync(SharedStateContext db, string key, CancellationToken ct)
    {
        var connector = await db.CatalogConnectors.AsNoTracking().FirstOrDefaultAsync(c => c.Key == key, ct);
        if (connector is null) return null;
        return Entry(connector, await VersionRows(db.CatalogVersions.AsNoTracking().Where(v => v.Key == key)).ToListAsync(ct));
    }

    private static async Task<CatalogPackage> ReadAsync(SharedStateContext db, CatalogVersion version, CancellationToken ct)
    {
        var where = $"catalog database: {version.Key}@{version.Version}";
        var bytes = await db.CatalogVersions.AsNoTracking().Where(v => v.Key == version.Key && v.Version == version.Version).Select(v => v.Package).FirstOrDefaultAsync(ct)
            ?? throw new CatalogException(CatalogErrorKind.CorruptCatalog, $"{where} is listed but its package is missing");
        CatalogPackage package;
        try
        {
            package = CatalogPackage.Read(bytes, where);
        }
        catch (CatalogException e) when (e.Kind == CatalogErrorKind.InvalidPackage)
        {
            throw new CatalogException(CatalogErrorKind.CorruptCatalog, $"the catalog is corrupt: {e.Message}", e.Details);
        }
        if (package.Digest != version.Digest || package.Key != version.Key || package.Version != version.Version)
            throw new CatalogException(CatalogErrorKind.CorruptCatalog,
                $"the catalog is corrupt: {version.Key}@{version.Version} hashes to {package.Digest} but the catalog records {version.Digest} (digest mismatch)");
        return package;
    }

    /// <summary>The versions without their packages.</summary>
    private static IQueryable<CatalogVersion> VersionRows(IQueryable<CatalogVersionEntity> rows) =>
        rows.Select(v => new CatalogVersion(v.Key, v.Version, v.Digest, v.Status, v.Reason));

    private static CatalogEntry Entry(CatalogConnectorEntity connector, IEnumerable<CatalogVersion> versions) =>
        new(connector.Key, connector.Name, connector.Description, versions.OrderBy(v => v.Version, Comparer<string>.Create(VersionRules.Compare)).ToList());
}
