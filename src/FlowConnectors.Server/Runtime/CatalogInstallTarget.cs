using FlowConnectors.Catalog;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;

namespace FlowConnectors.Server.Runtime;

/// <summary>What the catalog installs into: this server's connector runtime, through <see cref="ConnectorInstaller"/> (stored for every node).</summary>
internal sealed class CatalogInstallTarget(ConnectorRuntime runtime, ConnectorInstaller installer) : ICatalogInstallTarget
{
    public ConnectorPackage? Installed(string key) => runtime.Installed.IsInstalled(key) ? runtime.Installed.GetConnector(key) : null;

    public IReadOnlyList<string> LoadedVersions(string key) => runtime.Installed.LoadedVersions(key);

    public async Task<IReadOnlyList<string>> InstallAsync(string folder, CancellationToken ct)
    {
        var result = await installer.InstallAsync(folder, ct);
        return result.Succeeded ? [] : result.Problems.Where(p => p.IsError).Select(p => $"{p.File}: {p.Path}: {p.Code}: {p.Message}").ToList();
    }
}
