using FlowConnectors.Connectors.Catalog;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Connectors.Testing;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Server.Hosting;

namespace FlowConnectors.Server.Runtime;

/// <summary>The outcome of installing a catalog version into the server.</summary>
internal sealed record CatalogInstallResult(CatalogPackage Package, string? PreviousVersion, ConnectorDiff Diff, IReadOnlyList<FixtureReport> Tests);

/// <summary>
/// The server's catalog: a <see cref="DirectoryCatalog"/> in <c>&lt;data&gt;/catalog</c> whose index keeps each
/// submission's review status. Submissions arrive as submitted; only approved versions install by default.
/// Installing unpacks a version to a temporary folder, verifies it, runs its offline tests and hands
/// it to <see cref="ConnectorInstaller"/>.
/// </summary>
internal sealed class CatalogService(ServerOptions options, ConnectorRuntime runtime, ConnectorInstaller installer, ActivityRegistry registry)
{
    public DirectoryCatalog Catalog { get; } = new(Path.Combine(options.DataFolder, "catalog"));

    private FlowEngine Validator() => new(new FlowEngineOptions { Registry = registry });

    public PublishResult Submit(CatalogPackage package)
    {
        var validator = Validator();
        return Catalog.Publish(package, ReviewStatus.Submitted, p => Packer.Validate(p, validator));
    }

    /// <summary>An installed connector as a package (validation, offline tests and secret scan first): the designer's Export.</summary>
    public Task<CatalogPackage> ExportAsync(string key, CancellationToken ct) => Packer.PackAsync(Installed(key).Directory, Validator(), ct);

    public ConnectorPackage Installed(string key) =>
        runtime.Installed.IsInstalled(key) && !key.Contains('@')
            ? runtime.Installed.GetConnector(key)
            : throw new CatalogException(CatalogErrorKind.NotFound, $"connector '{key}' is not installed on this server");

    /// <summary>What installing <paramref name="package"/> changes compared with the installed version (everything is added when none is).</summary>
    public ConnectorDiff DiffFromInstalled(CatalogPackage package)
    {
        var before = runtime.Installed.IsInstalled(package.Key)
            ? ConnectorSnapshot.FromFiles(CatalogPackage.CollectFiles(runtime.Installed.GetConnector(package.Key)), $"installed {package.Key}")
            : new ConnectorSnapshot(null, new Dictionary<string, Engine.Flows.FlowDefinition>());
        return SemanticDiff.Compare(before, ConnectorSnapshot.FromPackage(package));
    }

    public async Task<CatalogInstallResult> InstallAsync(string key, string version, bool allowUnapproved, CancellationToken ct)
    {
        var package = Catalog.Get(key, version, approvedOnly: !allowUnapproved);
        var validator = Validator();
        var tests = await Packer.TestAsync(package, validator, ct);
        var failures = tests.Where(t => !t.Passed).SelectMany(t => new[] { $"FAIL {t.File}" }.Concat(t.Differences.Select(d => "    " + d))).ToList();
        if (failures.Count > 0) throw new CatalogException(CatalogErrorKind.TestsFailed, $"{package.Reference}: its offline tests fail on this server; nothing was installed", failures);
        var diff = DiffFromInstalled(package);
        var previous = runtime.Installed.IsInstalled(key) ? runtime.Installed.GetConnector(key).Manifest.Version : null;
        var temp = Path.Combine(Path.GetTempPath(), $"flowconnectors-install-{Guid.NewGuid():N}");
        try
        {
            package.WriteTo(temp);
            File.Delete(Path.Combine(temp, CatalogPackage.MetadataFile));
            var result = await installer.InstallAsync(temp, ct);
            if (!result.Succeeded)
                throw new CatalogException(CatalogErrorKind.InvalidPackage, $"{package.Reference} is not a valid connector",
                    result.Problems.Where(p => p.IsError).Select(p => $"{p.File}: {p.Path}: {p.Code}: {p.Message}").ToList());
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
        return new CatalogInstallResult(package, previous, diff, tests);
    }

    /// <summary>Runs an installed connector's offline tests on this server.</summary>
    public Task<IReadOnlyList<FixtureReport>> TestInstalledAsync(string key, CancellationToken ct) => FixtureRunner.RunAllAsync(Installed(key), ct);

    public IReadOnlyList<string> LoadedVersions(string key) => runtime.Installed.LoadedVersions(key);

    public string? InstalledVersion(string key) => runtime.Installed.IsInstalled(key) ? runtime.Installed.GetConnector(key).Manifest.Version : null;
}
