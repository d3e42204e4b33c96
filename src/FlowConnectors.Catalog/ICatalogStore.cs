namespace FlowConnectors.Catalog;

/// <summary>
/// What a change under <see cref="ICatalogStore.UpdateAsync{T}"/> writes: the connector's entry as it is to be (null:
/// nothing is written) and the package of a version it adds (null when it adds none).
/// </summary>
public sealed record CatalogUpdate<T>(T Result, CatalogEntry? Entry, CatalogPackage? Added);

/// <summary>
/// Where a catalog keeps its connectors, versions, review statuses and packages: a folder for git
/// (<see cref="DirectoryCatalog"/>) or the server's database, shared by every node. The rules (immutability,
/// breaking changes, review) live in <see cref="ConnectorCatalog"/>, not here.
/// </summary>
public interface ICatalogStore
{
    /// <summary>Every connector, by key.</summary>
    Task<IReadOnlyList<CatalogEntry>> ListAsync(CancellationToken ct = default);

    Task<CatalogEntry?> FindAsync(string key, CancellationToken ct = default);

    /// <summary>A listed version's package, checked against the digest the store recorded (<see cref="CatalogErrorKind.CorruptCatalog"/> otherwise).</summary>
    Task<CatalogPackage> ReadAsync(CatalogVersion version, CancellationToken ct = default);

    /// <summary>
    /// Changes one connector with every other change of it held off (across processes and nodes): <paramref name="decide"/>
    /// sees the entry as it is under the lock (and may read its versions through the reader it is given), and its
    /// answer is written whole, or not at all when it throws.
    /// </summary>
    Task<T> UpdateAsync<T>(string key, Func<CatalogEntry?, Func<CatalogVersion, Task<CatalogPackage>>, Task<CatalogUpdate<T>>> decide, CancellationToken ct = default);
}
