namespace FlowConnectors.Catalog;

/// <summary>
/// A catalog's rules over any <see cref="ICatalogStore"/>: versions are strict semver and immutable once published,
/// breaking changes need a major version, a review approves or rejects with a reason, and only approved versions
/// install unless asked otherwise.
/// </summary>
public sealed class ConnectorCatalog(ICatalogStore store)
{
    public ICatalogStore Store { get; } = store;

    public Task<IReadOnlyList<CatalogEntry>> ListAsync(CancellationToken ct = default) => Store.ListAsync(ct);

    public Task<CatalogEntry?> FindAsync(string key, CancellationToken ct = default) => Store.FindAsync(key, ct);

    /// <summary>
    /// Publishes a package (already read and verified) with a review status. Refuses: a version
    /// already published with other content, breaking changes without a major bump, an invalid connector.
    /// </summary>
    public Task<PublishResult> PublishAsync(CatalogPackage package, string status, Action<CatalogPackage>? validate = null, CancellationToken ct = default)
    {
        VersionRules.Parse(package.Version, $"{package.Key}: connector.json: $.version");
        return Store.UpdateAsync(package.Key, async (entry, read) =>
        {
            if (entry?.Versions.FirstOrDefault(v => v.Version == package.Version) is { } existing)
            {
                if (existing.Digest == package.Digest) return new CatalogUpdate<PublishResult>(new PublishResult(existing, false, null, null), null, null);
                throw new CatalogException(CatalogErrorKind.Immutable,
                    $"{package.Reference} is already published with digest {existing.Digest}; this package's digest is {package.Digest}. A published version is immutable: give the change a new version");
            }
            validate?.Invoke(package);
            var published = entry?.Versions.Where(v => v.Status != ReviewStatus.Rejected).Select(v => v.Version) ?? [];
            var previous = VersionRules.PreviousOf(package.Version, published);
            ConnectorDiff? diff = null;
            if (previous is not null)
            {
                var before = await read(entry!.Versions.First(v => v.Version == previous));
                diff = SemanticDiff.Compare(ConnectorSnapshot.FromPackage(before), ConnectorSnapshot.FromPackage(package));
                VersionRules.CheckBump(package.Key, previous, package.Version, diff);
            }
            var version = new CatalogVersion(package.Key, package.Version, package.Digest, status, null);
            return new CatalogUpdate<PublishResult>(new PublishResult(version, true, previous, diff), WithVersion(entry, package.Name, version), package);
        }, ct);
    }

    /// <summary>Records a review decision (approved, or rejected with a reason).</summary>
    public Task<CatalogVersion> ReviewAsync(string key, string version, string status, string? reason, CancellationToken ct = default)
    {
        if (!ReviewStatus.IsValid(status)) throw new CatalogException(CatalogErrorKind.InvalidPackage, $"status '{status}' must be submitted, approved or rejected");
        if (status == ReviewStatus.Rejected && string.IsNullOrWhiteSpace(reason))
            throw new CatalogException(CatalogErrorKind.InvalidPackage, "a rejection needs a reason");
        return Store.UpdateAsync(key, (entry, _) =>
        {
            if (entry is null) throw new CatalogException(CatalogErrorKind.NotFound, $"the catalog has no connector '{key}'");
            var existing = entry.Versions.FirstOrDefault(v => v.Version == version) ?? throw new CatalogException(CatalogErrorKind.NotFound, $"the catalog has no {key}@{version}");
            var updated = existing with { Status = status, Reason = status == ReviewStatus.Rejected ? reason!.Trim() : null };
            return Task.FromResult(new CatalogUpdate<CatalogVersion>(updated, entry with { Versions = entry.Versions.Select(v => v.Version == version ? updated : v).ToList() }, null));
        }, ct);
    }

    /// <summary>
    /// A version (the latest approved one when <paramref name="version"/> is null), read back and
    /// verified against the digest the store holds.
    /// </summary>
    public async Task<CatalogPackage> GetAsync(string key, string? version, bool approvedOnly = true, CancellationToken ct = default)
    {
        var entry = await Store.FindAsync(key, ct) ?? throw new CatalogException(CatalogErrorKind.NotFound, $"the catalog has no connector '{key}'");
        CatalogVersion? found = version is null ? entry.Latest(approvedOnly) : entry.Versions.FirstOrDefault(v => v.Version == version);
        if (found is null)
            throw new CatalogException(CatalogErrorKind.NotFound, version is null
                ? $"the catalog has no approved version of '{key}' (versions: {string.Join(", ", entry.Versions.Select(v => $"{v.Version} {v.Status}"))})"
                : $"the catalog has no {key}@{version} (versions: {string.Join(", ", entry.Versions.Select(v => v.Version))})");
        if (approvedOnly && found.Status != ReviewStatus.Approved)
            throw new CatalogException(CatalogErrorKind.NotFound, $"{key}@{found.Version} is {found.Status}{(found.Reason is null ? "" : $" ({found.Reason})")}; only approved versions can be installed");
        return await Store.ReadAsync(found, ct);
    }

    /// <summary>
    /// Copies every version of <paramref name="source"/> (with its review status and reason) into this catalog; a version
    /// already here with the same digest is left alone, so importing twice changes nothing. The number of versions added.
    /// A version here with another digest is refused as immutable.
    /// </summary>
    public async Task<int> ImportAsync(ICatalogStore source, CancellationToken ct = default)
    {
        var added = 0;
        foreach (var entry in await source.ListAsync(ct))
            foreach (var version in entry.Versions)
            {
                var package = await source.ReadAsync(version, ct);
                added += await Store.UpdateAsync(entry.Key, (current, _) =>
                {
                    if (current?.Versions.FirstOrDefault(v => v.Version == version.Version) is { } existing)
                        return existing.Digest == version.Digest
                            ? Task.FromResult(new CatalogUpdate<int>(0, null, null))
                            : throw new CatalogException(CatalogErrorKind.Immutable,
                                $"{package.Reference} is already published with digest {existing.Digest}; the imported one's digest is {version.Digest}");
                    var merged = WithVersion(current, entry.Name, version) with { Description = current?.Description ?? entry.Description };
                    return Task.FromResult(new CatalogUpdate<int>(1, merged, package));
                }, ct);
            }
        return added;
    }

    private static CatalogEntry WithVersion(CatalogEntry? entry, string name, CatalogVersion version) =>
        new(version.Key, name, entry?.Description,
            (entry?.Versions ?? []).Append(version).OrderBy(v => v.Version, Comparer<string>.Create(VersionRules.Compare)).ToList());
}
