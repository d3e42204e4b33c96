using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Persistence;
using FlowConnectors.Runtime;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Server.Runtime;

/// <summary>The outcome of an install: the installed package, or every problem that stopped it.</summary>
internal sealed record ConnectorInstallResult(ConnectorPackage? Package, IReadOnlyList<FormatProblem> Problems, ConnectorPackage? Replaced)
{
    /// <summary>Automations disabled because a card they use is gone from the installed version.</summary>
    public IReadOnlyList<string> DisabledAutomations { get; init; } = [];

    public bool Succeeded => Package is not null;
}

/// <summary>
/// Connectors added while the server runs (authored in the designer, imported from Postman, made from
/// a template, installed from a catalog) are stored in the database (<see cref="IInstalledConnectorStore"/>), which
/// every node shares; each node keeps its copy as ordinary connector folders under
/// <c>&lt;data&gt;/connectors/&lt;key&gt;</c>, brought up to date at start and when another node installs or removes one
/// (<see cref="IClusterChanges"/>). They take precedence over a sample connector with the same key. An install
/// validates first, stores, then swaps the folder in whole, so a failed install leaves the previous connector untouched.
/// </summary>
internal sealed class ConnectorInstaller(ServerOptions options, ConnectorRuntime runtime, Engine.Activities.ActivityRegistry registry,
    IInstalledConnectorStore store, IClusterChanges changes, ILogger<ConnectorInstaller> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string InstalledFolder => options.InstalledConnectorsFolder;

    /// <summary>The folder an installed connector lives in (whether or not it exists).</summary>
    public string FolderOf(string key) => Path.Combine(InstalledFolder, key);

    public bool IsInstalledHere(string key) => ConnectorPackage.IsConnectorFolder(FolderOf(key));

    /// <summary>
    /// Earlier versions replaced by an install of another version, kept as <c>&lt;key&gt;@&lt;version&gt;</c> folders
    /// and loaded at start as pinned versions, so automations pinned to them keep running until moved.
    /// </summary>
    public string VersionsFolder => Path.Combine(options.DataFolder, "connector-versions");

    /// <summary>Validates <paramref name="sourceFolder"/> as a connector folder and installs a copy of it.</summary>
    public async Task<ConnectorInstallResult> InstallAsync(string sourceFolder, CancellationToken cancellationToken = default)
    {
        var validator = new FlowEngine(new FlowEngineOptions { Registry = registry });
        var (checkedPackage, problems) = ConnectorPackage.Load(sourceFolder, validator);
        if (checkedPackage is null) return new(null, problems, null);
        var key = checkedPackage.Manifest.Key;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(InstalledFolder);
            var target = FolderOf(key);
            var staging = Path.Combine(InstalledFolder, $".{key}.{Guid.NewGuid():N}.staging");
            KeepCurrentVersion(key, checkedPackage.Manifest.Version);
            CopyFolder(sourceFolder, staging);
            var (package, stagedProblems) = ConnectorPackage.Load(staging, validator);
            if (package is null)
            {
                Directory.Delete(staging, recursive: true);
                return new(null, stagedProblems, null);
            }
            // Stored first: a failed write leaves this node's folder and every node's connector as they were.
            var (digest, files) = ConnectorFiles.Pack(staging);
            try
            {
                await store.SaveAsync(key, package.Manifest.Version, digest, files, current: true, cancellationToken);
            }
            catch
            {
                Directory.Delete(staging, recursive: true);
                throw;
            }
            SwapIn(staging, target);
            (package, problems) = ConnectorPackage.Load(target, validator);
            var replaced = runtime.Installed.Install(package!);
            logger.LogInformation("connector {Key} {Version} installed into {Folder}", key, package!.Manifest.Version, target);
            await changes.PublishAsync(new ClusterChange(ClusterChangeKinds.Connector, key), CancellationToken.None);
            // A new address or new authentication must not receive the credentials of the old one unconfirmed.
            if (replaced is not null && (await runtime.Connections.RequireReauthorizationAsync(replaced.Manifest, package.Manifest, cancellationToken)) is { Count: > 0 } marked)
                logger.LogWarning("connector {Key}: {Count} connection(s) need re-authorization after its base URL or authentication changed", key, marked.Count);
            // Automations that use a card this install removed are disabled until edited.
            var disabled = await runtime.Connections.ConnectorChangedAsync(replaced, package, cancellationToken);
            return new(package, problems, replaced) { DisabledAutomations = disabled };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Removes an installed connector's folder and unloads it (a sample with the same key comes back on restart only).</summary>
    public async Task<bool> UninstallAsync(string key, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var target = FolderOf(key);
            var stored = await store.DeleteAsync(key, cancellationToken);
            if (!Directory.Exists(target) && !stored) return false;
            var removed = runtime.Installed.IsInstalled(key) ? runtime.Installed.GetConnector(key) : null;
            RemoveLocalCopy(key);
            await changes.PublishAsync(new ClusterChange(ClusterChangeKinds.Connector, key), CancellationToken.None);
            await runtime.Connections.ConnectorChangedAsync(removed, null, cancellationToken);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Brings this node's copy of one connector (or of all, for <c>null</c>) in line with the database: another node
    /// installed, replaced or removed it. Only what differs is written and loaded.
    /// </summary>
    public async Task RefreshAsync(string? key, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var stored = await store.ListAsync(key, cancellationToken);
            var keys = stored.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
            if (key is not null) keys.Add(key);
            else if (Directory.Exists(InstalledFolder))
                foreach (var folder in Directory.GetDirectories(InstalledFolder).Select(Path.GetFileName).Where(n => !n!.StartsWith('.'))) keys.Add(folder!);
            var validator = new FlowEngine(new FlowEngineOptions { Registry = registry });
            foreach (var each in keys.Order(StringComparer.Ordinal))
                await RefreshOneAsync(each, stored.Where(r => r.Key == each).ToList(), validator, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RefreshOneAsync(string key, List<InstalledConnectorRecord> rows, FlowEngine validator, CancellationToken ct)
    {
        if (rows.FirstOrDefault(r => r.Current) is not { } current)
        {
            if (!IsInstalledHere(key)) return;
            RemoveLocalCopy(key);
            logger.LogInformation("connector {Key} removed (another node uninstalled it)", key);
            return;
        }
        foreach (var pinned in rows.Where(r => !r.Current))
        {
            var folder = Path.Combine(VersionsFolder, ConnectorRegistry.PinnedKey(key, pinned.Version));
            if (await CopyFromStoreAsync(pinned, folder, ct) && ConnectorPackage.Load(folder, validator).Package is { } kept) runtime.Installed.InstallPinned(kept);
        }
        var target = FolderOf(key);
        var changed = await CopyFromStoreAsync(current, target, ct);
        if (!changed && runtime.Installed.IsInstalled(key) && Path.GetFullPath(runtime.Installed.GetConnector(key).Directory) == Path.GetFullPath(target)) return;
        var (package, problems) = ConnectorPackage.Load(target, validator);
        if (package is null)
        {
            logger.LogWarning("connector {Key} {Version} from the database not loaded: {Problems}", key, current.Version, string.Join("; ", problems.Where(p => p.IsError).Take(5)));
            return;
        }
        runtime.Installed.Install(package);
        logger.LogInformation("connector {Key} {Version} loaded (installed through another node)", key, current.Version);
    }

    /// <summary>Writes a stored version into <paramref name="folder"/> unless the folder already holds it; true when it wrote.</summary>
    private async Task<bool> CopyFromStoreAsync(InstalledConnectorRecord record, string folder, CancellationToken ct)
    {
        if (ConnectorFiles.Digest(folder) == record.Digest) return false;
        var files = await store.GetFilesAsync(record.Key, record.Version, ct);
        if (files is null) return false;
        var parent = Path.GetDirectoryName(folder)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{record.Key}.{Guid.NewGuid():N}.staging");
        ConnectorFiles.Extract(files, staging);
        SwapIn(staging, folder);
        return true;
    }

    /// <summary>
    /// At start, before the runtime loads the folders: connectors installed before they were kept in the database are
    /// stored once (this node's folders were the only copy), then the folders are made to match the database.
    /// </summary>
    public static async Task PrepareFoldersAsync(ServerOptions options, IInstalledConnectorStore store, ILogger logger, CancellationToken ct = default)
    {
        var installed = options.InstalledConnectorsFolder;
        var versions = Path.Combine(options.DataFolder, "connector-versions");
        var marker = Path.Combine(installed, ".in-database");
        var stored = await store.ListAsync(null, ct);
        if (!File.Exists(marker))
        {
            foreach (var (root, current) in new[] { (installed, true), (versions, false) })
            {
                if (!Directory.Exists(root)) continue;
                foreach (var folder in Directory.GetDirectories(root).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal))
                {
                    if (!ConnectorPackage.IsConnectorFolder(folder) || ManifestReader.Read(File.ReadAllText(Path.Combine(folder, ManifestReader.FileName))).Manifest is not { } manifest) continue;
                    if (stored.Any(r => r.Key == manifest.Key && (current ? r.Current : r.Version == manifest.Version))) continue;
                    var (digest, files) = ConnectorFiles.Pack(folder);
                    await store.SaveAsync(manifest.Key, manifest.Version, digest, files, current, ct);
                    logger.LogInformation("connector {Key} {Version} from {Folder} is now kept in the database", manifest.Key, manifest.Version, folder);
                }
            }
            Directory.CreateDirectory(installed);
            await File.WriteAllTextAsync(marker, "connectors installed through the API are kept in the database; these folders are this node's copy\n", ct);
            stored = await store.ListAsync(null, ct);
        }
        foreach (var record in stored)
        {
            var folder = record.Current ? Path.Combine(installed, record.Key) : Path.Combine(versions, ConnectorRegistry.PinnedKey(record.Key, record.Version));
            if (ConnectorFiles.Digest(folder) == record.Digest) continue;
            if (await store.GetFilesAsync(record.Key, record.Version, ct) is not { } files) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
            var staging = Path.Combine(Path.GetDirectoryName(folder)!, $".{record.Key}.{Guid.NewGuid():N}.staging");
            ConnectorFiles.Extract(files, staging);
            SwapIn(staging, folder);
        }
        // A folder the database no longer has was uninstalled through another node while this one was down.
        foreach (var (root, pinned) in new[] { (installed, false), (versions, true) })
        {
            if (!Directory.Exists(root)) continue;
            foreach (var folder in Directory.GetDirectories(root).Where(d => !Path.GetFileName(d).StartsWith('.')))
            {
                var name = Path.GetFileName(folder);
                var known = pinned ? stored.Any(r => !r.Current && ConnectorRegistry.PinnedKey(r.Key, r.Version) == name) : stored.Any(r => r.Current && r.Key == name);
                if (!known) Directory.Delete(folder, recursive: true);
            }
        }
    }

    private void RemoveLocalCopy(string key)
    {
        var target = FolderOf(key);
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        if (Directory.Exists(VersionsFolder))
            foreach (var kept in Directory.GetDirectories(VersionsFolder, key + "@*")) Directory.Delete(kept, recursive: true);
        runtime.Installed.Uninstall(key);
    }

    /// <summary>Replaces <paramref name="target"/> with <paramref name="staging"/> in two renames.</summary>
    private static void SwapIn(string staging, string target)
    {
        var retired = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.old");
        if (Directory.Exists(target)) Directory.Move(target, retired);
        Directory.Move(staging, target);
        if (Directory.Exists(retired)) Directory.Delete(retired, recursive: true);
    }

    /// <summary>Before another version replaces the current one, its folder is kept under <see cref="VersionsFolder"/>.</summary>
    private void KeepCurrentVersion(string key, string incomingVersion)
    {
        if (!runtime.Installed.IsInstalled(key)) return;
        var current = runtime.Installed.GetConnector(key);
        if (current.Manifest.Version == incomingVersion) return;
        var kept = Path.Combine(VersionsFolder, ConnectorRegistry.PinnedKey(key, current.Manifest.Version));
        if (Directory.Exists(kept)) return;
        Directory.CreateDirectory(VersionsFolder);
        var staging = Path.Combine(VersionsFolder, $".{key}.{Guid.NewGuid():N}.staging");
        CopyFolder(current.Directory, staging);
        Directory.Move(staging, kept);
    }

    /// <summary>Copies a connector folder's files, leaving out hidden ones (.git, a local connection file).</summary>
    internal static void CopyFolder(string source, string target)
    {
        Directory.CreateDirectory(target);
        try
        {
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(source, file);
                // Only what a connector folder holds: never stray state such as a local connection file.
                if (relative.Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.'))) continue;
                var destination = Path.Combine(target, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(file, destination);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A copy cut short (a full disk) leaves no half folder behind, and gives back the room it took.
            try { Directory.Delete(target, recursive: true); }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }
}
