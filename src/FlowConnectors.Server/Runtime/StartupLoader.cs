using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;

namespace FlowConnectors.Server.Runtime;

/// <summary>
/// Reads the flows folder at start: connector folders become installed connectors; every other
/// <c>*.flow.json</c> (examples, the app-approval workflow) is saved as a new version when it
/// changed, published, and its triggers registered.
/// </summary>
internal static class StartupLoader
{
    /// <summary>The sample connectors in the flows folder, then the installed ones (which win on a shared key).</summary>
    public static List<ConnectorPackage> LoadConnectors(ServerOptions options, FlowEngine validator, ILogger logger)
    {
        var byKey = new Dictionary<string, ConnectorPackage>(StringComparer.Ordinal);
        foreach (var package in LoadConnectorsFrom(options.FlowsFolder, SearchOption.AllDirectories, validator, logger)) byKey[package.Manifest.Key] = package;
        foreach (var package in LoadConnectorsFrom(options.InstalledConnectorsFolder, SearchOption.TopDirectoryOnly, validator, logger)) byKey[package.Manifest.Key] = package;
        return [.. byKey.Values];
    }

    /// <summary>Earlier versions kept by the installer (<c>&lt;data&gt;/connector-versions/&lt;key&gt;@&lt;version&gt;</c>), for pinned automations.</summary>
    public static List<ConnectorPackage> LoadPinnedVersions(string folder, FlowEngine validator, ILogger logger) =>
        LoadConnectorsFrom(folder, SearchOption.TopDirectoryOnly, validator, logger);

    private static List<ConnectorPackage> LoadConnectorsFrom(string root, SearchOption search, FlowEngine validator, ILogger logger)
    {
        var packages = new List<ConnectorPackage>();
        if (!Directory.Exists(root)) return packages;
        var manifests = search == SearchOption.AllDirectories
            ? Directory.EnumerateFiles(root, ManifestReader.FileName, SearchOption.AllDirectories)
            : Directory.EnumerateDirectories(root).Where(d => !Path.GetFileName(d).StartsWith('.')).Select(d => Path.Combine(d, ManifestReader.FileName)).Where(File.Exists);
        foreach (var manifest in manifests.Order(StringComparer.Ordinal))
        {
            var folder = Path.GetDirectoryName(manifest)!;
            var (package, problems) = ConnectorPackage.Load(folder, validator);
            if (package is null)
            {
                logger.LogWarning("connector in {Folder} not loaded: {Problems}", folder, string.Join("; ", problems.Where(p => p.IsError).Take(5)));
                continue;
            }
            packages.Add(package);
        }
        return packages;
    }

    public static async Task<int> LoadFlowsAsync(ServerOptions options, FlowEngine engine, IFlowStore flows, TriggerRegistry triggers, ILogger logger)
    {
        if (!Directory.Exists(options.FlowsFolder)) return 0;
        var connectorFolders = Directory.EnumerateFiles(options.FlowsFolder, ManifestReader.FileName, SearchOption.AllDirectories)
            .Select(f => Path.GetFullPath(Path.GetDirectoryName(f)!) + Path.DirectorySeparatorChar).ToList();
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(options.FlowsFolder, "*.flow.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (connectorFolders.Any(c => Path.GetFullPath(file).StartsWith(c, StringComparison.Ordinal))) continue;
            var load = FlowJson.LoadFile(file);
            if (load.Flow is not { } flow || load.HasErrors || engine.Validate(flow).Any(p => p.IsError))
            {
                logger.LogWarning("flow {File} not loaded: it is invalid (run flowc validate {File})", file, file);
                continue;
            }
            await SaveAndPublishAsync(flow, null, flows, triggers);
            count++;
        }
        return count;
    }

    /// <summary>Saves a flow as a new version unless the latest is identical, publishes it and registers its triggers.</summary>
    public static async Task<StoredFlow> SaveAndPublishAsync(FlowDefinition flow, string? connectorKey, IFlowStore flows, TriggerRegistry triggers)
    {
        var json = FlowJson.Save(flow);
        var latest = await flows.GetAsync(flow.Id);
        var stored = latest is not null && latest.Json == json ? latest : await flows.SaveVersionAsync(flow.Id, flow.Name, json, connectorKey);
        if (!stored.Published) await flows.PublishAsync(flow.Id, stored.Version);
        await triggers.RegisterAsync(flow);
        return stored with { Published = true };
    }

    public static string HttpTriggerHash(string path) => new Http.HttpEndpointStimulus(path).Hash;
}
