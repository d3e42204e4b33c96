using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Server.Hosting;

namespace FlowConnectors.Server.Runtime;

/// <summary>The outcome of an install: the installed package, or every problem that stopped it.</summary>
internal sealed record ConnectorInstallResult(ConnectorPackage? Package, IReadOnlyList<ConnectorProblem> Problems, ConnectorPackage? Replaced)
{
    /// <summary>Automations disabled because a card they use is gone from the installed version.</summary>
    public IReadOnlyList<string> DisabledAutomations { get; init; } = [];

    public bool Succeeded => Package is not null;
}

/// <summary>
/// Connectors added while the server runs (authored in the designer, imported from Postman, made from
/// a template, installed from a catalog) live as ordinary connector folders under
/// <c>&lt;data&gt;/connectors/&lt;key&gt;</c>, are loaded again at start, and take precedence over a sample
/// connector with the same key. An install validates first and swaps the folder in whole, so a
/// failed install leaves the previous connector untouched.
/// </summary>
internal sealed class ConnectorInstaller(ServerOptions options, ConnectorRuntime runtime, Engine.Activities.ActivityRegistry registry, ILogger<ConnectorInstaller> logger)
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
            var retired = Path.Combine(InstalledFolder, $".{key}.{Guid.NewGuid():N}.old");
            KeepCurrentVersion(key, checkedPackage.Manifest.Version);
            CopyFolder(sourceFolder, staging);
            var (package, stagedProblems) = ConnectorPackage.Load(staging, validator);
            if (package is null)
            {
                Directory.Delete(staging, recursive: true);
                return new(null, stagedProblems, null);
            }
            if (Directory.Exists(target)) Directory.Move(target, retired);
            Directory.Move(staging, target);
            if (Directory.Exists(retired)) Directory.Delete(retired, recursive: true);
            (package, problems) = ConnectorPackage.Load(target, validator);
            var replaced = runtime.Install(package!);
            logger.LogInformation("connector {Key} {Version} installed into {Folder}", key, package!.Manifest.Version, target);
            // A new address or new authentication must not receive the credentials of the old one unconfirmed.
            if (replaced is not null && (await runtime.RequireReauthorizationAsync(replaced.Manifest, package.Manifest, cancellationToken)) is { Count: > 0 } marked)
                logger.LogWarning("connector {Key}: {Count} connection(s) need re-authorization after its base URL or authentication changed", key, marked.Count);
            // Automations that use a card this install removed are disabled until edited.
            var disabled = await runtime.ConnectorChangedAsync(replaced, package, cancellationToken);
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
            if (!Directory.Exists(target)) return false;
            var removed = runtime.IsInstalled(key) ? runtime.GetConnector(key) : null;
            Directory.Delete(target, recursive: true);
            if (Directory.Exists(VersionsFolder))
                foreach (var kept in Directory.GetDirectories(VersionsFolder, key + "@*")) Directory.Delete(kept, recursive: true);
            runtime.Uninstall(key);
            await runtime.ConnectorChangedAsync(removed, null, cancellationToken);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Before another version replaces the current one, its folder is kept under <see cref="VersionsFolder"/>.</summary>
    private void KeepCurrentVersion(string key, string incomingVersion)
    {
        if (!runtime.IsInstalled(key)) return;
        var current = runtime.GetConnector(key);
        if (current.Manifest.Version == incomingVersion) return;
        var kept = Path.Combine(VersionsFolder, ConnectorRuntime.PinnedKey(key, current.Manifest.Version));
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
}
