using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Catalog;

/// <summary>What a semantic diff compares: a connector's manifest and its flows (with cards), from a folder or a package.</summary>
public sealed class ConnectorSnapshot
{
    public ConnectorSnapshot(JsonObject? manifest, IReadOnlyDictionary<string, FlowDefinition> flows)
    {
        Manifest = manifest;
        Flows = flows;
    }

    /// <summary>Null when the snapshot is a lone flow.</summary>
    public JsonObject? Manifest { get; }
    public IReadOnlyDictionary<string, FlowDefinition> Flows { get; }

    public static ConnectorSnapshot FromPackage(CatalogPackage package) => FromFiles(package.Files, package.Reference);

    public static ConnectorSnapshot FromFiles(IReadOnlyDictionary<string, byte[]> files, string source)
    {
        JsonObject? manifest = null;
        if (files.TryGetValue(ManifestReader.FileName, out var bytes)) manifest = ParseObject(Encoding.UTF8.GetString(bytes), $"{source}: {ManifestReader.FileName}");
        var flows = new SortedDictionary<string, FlowDefinition>(StringComparer.Ordinal);
        foreach (var (path, content) in files)
            if (path.StartsWith("flows/", StringComparison.Ordinal) && path.EndsWith(".flow.json", StringComparison.Ordinal))
            {
                var flow = LoadFlow(Encoding.UTF8.GetString(content), $"{source}: {path}");
                flows[flow.Id] = flow;
            }
        return new ConnectorSnapshot(manifest, flows);
    }

    /// <summary>A connector folder (connector.json and flows/*.flow.json), or a single *.flow.json file.</summary>
    public static ConnectorSnapshot FromPath(string path)
    {
        if (File.Exists(path) && path.EndsWith(".flow.json", StringComparison.Ordinal))
        {
            var flow = LoadFlow(File.ReadAllText(path), path);
            return new ConnectorSnapshot(null, new Dictionary<string, FlowDefinition> { [flow.Id] = flow });
        }
        if (!ConnectorPackage.IsConnectorFolder(path))
            throw new CatalogException(CatalogErrorKind.InvalidPackage, $"{path}: no {ManifestReader.FileName} (missing manifest)");
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [ManifestReader.FileName] = File.ReadAllBytes(Path.Combine(path, ManifestReader.FileName)),
        };
        var flowDir = Path.Combine(path, "flows");
        if (Directory.Exists(flowDir))
            foreach (var file in Directory.GetFiles(flowDir, "*.flow.json"))
                files["flows/" + Path.GetFileName(file)] = File.ReadAllBytes(file);
        return FromFiles(files, path);
    }

    public static FlowDefinition LoadFlow(string text, string source)
    {
        var load = FlowJson.Load(text);
        if (load.Flow is null || load.HasErrors)
            throw new CatalogException(CatalogErrorKind.InvalidPackage, $"{source} is not a valid flow",
                load.Problems.Where(p => p.IsError).Select(p => $"{source}: {p.Path}: {p.Message}").ToList());
        return load.Flow;
    }

    private static JsonObject ParseObject(string text, string source)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new CatalogException(CatalogErrorKind.InvalidPackage, $"{source}: $: must be a JSON object (malformed manifest)");
        }
        catch (JsonException e)
        {
            throw new CatalogException(CatalogErrorKind.InvalidPackage, $"{source}: malformed manifest: {e.Message}");
        }
    }
}
