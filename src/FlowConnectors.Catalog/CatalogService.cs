using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Testing;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Catalog;

/// <summary>What the catalog needs from the server it installs into: its connectors, and an install of a connector folder.</summary>
public interface ICatalogInstallTarget
{
    /// <summary>The installed connector (not a pinned earlier version), or null when none is.</summary>
    ConnectorPackage? Installed(string key);

    /// <summary>Every version of the connector the server has loaded (the installed one and pinned ones).</summary>
    IReadOnlyList<string> LoadedVersions(string key);

    /// <summary>Validates and installs a copy of a connector folder; the error lines that stopped it (none when it was installed).</summary>
    Task<IReadOnlyList<string>> InstallAsync(string folder, CancellationToken ct);
}

/// <summary>The outcome of installing a catalog version into the server.</summary>
public sealed record CatalogInstallResult(CatalogPackage Package, string? PreviousVersion, ConnectorDiff Diff, IReadOnlyList<FixtureReport> Tests);

/// <summary>
/// A server's catalog: submissions arrive as submitted and a reviewer approves or rejects them; only approved versions
/// install by default. Installing reads a version from the store (verified), runs its offline tests, unpacks it to a
/// temporary folder and hands it to the server (<see cref="ICatalogInstallTarget"/>).
/// </summary>
public sealed class CatalogService(ConnectorCatalog catalog, ICatalogInstallTarget target, ActivityRegistry registry)
{
    public ConnectorCatalog Catalog { get; } = catalog;

    private FlowEngine Validator() => new(new FlowEngineOptions { Registry = registry });

    public Task<PublishResult> SubmitAsync(CatalogPackage package, CancellationToken ct = default)
    {
        var validator = Validator();
        return Catalog.PublishAsync(package, ReviewStatus.Submitted, p => Packer.Validate(p, validator), ct);
    }

    /// <summary>An installed connector as a package (validation, offline tests and secret scan first): the designer's Export.</summary>
    public Task<CatalogPackage> ExportAsync(string key, CancellationToken ct) => Packer.PackAsync(Installed(key).Directory, Validator(), ct);

    public ConnectorPackage Installed(string key) =>
        (key.Contains('@') ? null : target.Installed(key))
            ?? throw new CatalogException(CatalogErrorKind.NotFound, $"connector '{key}' is not installed on this server");

    /// <summary>What installing <paramref name="package"/> changes compared with the installed version (everything is added when none is).</summary>
    public ConnectorDiff DiffFromInstalled(CatalogPackage package)
    {
        var before = target.Installed(package.Key) is { } installed
            ? ConnectorSnapshot.FromFiles(CatalogPackage.CollectFiles(installed), $"installed {package.Key}")
            : new ConnectorSnapshot(null, new Dictionary<string, Engine.Flows.FlowDefinition>());
        return SemanticDiff.Compare(before, ConnectorSnapshot.FromPackage(package));
    }

    public async Task<CatalogInstallResult> InstallAsync(string key, string version, bool allowUnapproved, CancellationToken ct)
    {
        var package = await Catalog.GetAsync(key, version, approvedOnly: !allowUnapproved, ct);
        var validator = Validator();
        var tests = await Packer.TestAsync(package, validator, ct);
        var failures = tests.Where(t => !t.Passed).SelectMany(t => new[] { $"FAIL {t.File}" }.Concat(t.Differences.Select(d => "    " + d))).ToList();
        if (failures.Count > 0) throw new CatalogException(CatalogErrorKind.TestsFailed, $"{package.Reference}: its offline tests fail on this server; nothing was installed", failures);
        var diff = DiffFromInstalled(package);
        var previous = InstalledVersion(key);
        var temp = Path.Combine(Path.GetTempPath(), $"flowconnectors-install-{Guid.NewGuid():N}");
        try
        {
            package.WriteTo(temp);
            File.Delete(Path.Combine(temp, CatalogPackage.MetadataFile));
            var problems = await target.InstallAsync(temp, ct);
            if (problems.Count > 0)
                throw new CatalogException(CatalogErrorKind.InvalidPackage, $"{package.Reference} is not a valid connector", problems);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
        return new CatalogInstallResult(package, previous, diff, tests);
    }

    /// <summary>Runs an installed connector's offline tests on this server.</summary>
    public Task<IReadOnlyList<FixtureReport>> TestInstalledAsync(string key, CancellationToken ct) => FixtureRunner.RunAllAsync(Installed(key), ct);

    public IReadOnlyList<string> LoadedVersions(string key) => target.LoadedVersions(key);

    public string? InstalledVersion(string key) => target.Installed(key)?.Manifest.Version;
}
