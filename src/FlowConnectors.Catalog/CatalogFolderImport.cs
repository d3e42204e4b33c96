using Microsoft.Extensions.Logging;

namespace FlowConnectors.Catalog;

/// <summary>
/// A server used to keep its catalog as a directory catalog in <c>&lt;data&gt;/catalog</c>, on one node's disk. At start
/// that folder is copied once into the catalog the server uses now (the database), with each version's review status;
/// a marker file says it was done. Copying again changes nothing (a version already there with its digest is skipped),
/// so a start that failed half-way simply copies the rest next time.
/// </summary>
public static class CatalogFolderImport
{
    public const string MarkerFile = ".in-database";

    public static async Task<int> ImportOnceAsync(ConnectorCatalog catalog, string folder, ILogger logger, CancellationToken ct = default)
    {
        var marker = Path.Combine(folder, MarkerFile);
        if (!File.Exists(Path.Combine(folder, DirectoryCatalog.IndexFile)) || File.Exists(marker)) return 0;
        int added;
        try
        {
            added = await catalog.ImportAsync(new DirectoryCatalog(folder), ct);
        }
        catch (CatalogException e)
        {
            // The server still starts; the folder is left as it is and tried again at the next start.
            logger.LogError("the catalog in {Folder} was not copied into the database: {Problem}", folder, e.Describe());
            return 0;
        }
        await File.WriteAllTextAsync(marker, "this catalog was copied into the database, where the server keeps its catalog now; this folder is no longer read\n", ct);
        logger.LogInformation("catalog {Folder}: {Added} version(s) copied into the database", folder, added);
        return added;
    }
}
