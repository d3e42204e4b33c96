using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Connectors.Postman;

/// <summary>Something the import could not carry over faithfully, with where it is in the collection.</summary>
public sealed record ImportMessage(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>One request turned into an action card: what the preview shows before saving.</summary>
public sealed record ImportedAction(
    string Id, string Label, string Group, string Method, string Path,
    IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, int Examples, string Source);

/// <summary>A connection parameter the connector asks for (base URL parts and credentials).</summary>
public sealed record ImportedParameter(string Name, string Type, string? Default, string Source);

/// <summary>
/// A collection mapped to a connector folder, held in memory: manifest, flows, fixtures, the preview
/// (actions, connection parameters, auth) and the warnings. Nothing is on disk until it is written.
/// </summary>
public sealed class ImportedConnector
{
    public required string Key { get; init; }
    public required string Name { get; init; }
    public required string AuthKind { get; init; }
    public required string BaseUrl { get; init; }
    public required IReadOnlyList<ImportedParameter> ConnectionParameters { get; init; }
    public required IReadOnlyList<ImportedAction> Actions { get; init; }
    public required IReadOnlyList<ImportMessage> Warnings { get; init; }
    public required JsonObject Manifest { get; init; }
    public required IReadOnlyDictionary<string, FlowDefinition> Flows { get; init; }
    public required IReadOnlyDictionary<string, JsonObject> Fixtures { get; init; }

    /// <summary>Every file of the connector folder (relative path → text) with the manifest at <paramref name="version"/>.</summary>
    public IReadOnlyDictionary<string, string> Files(string version = "1.0.0")
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var manifest = (JsonObject)Manifest.DeepClone();
        manifest["version"] = version;
        files["connector.json"] = CanonicalJson.WriteIndented(manifest);
        foreach (var (id, flow) in Flows) files[$"flows/{id}.flow.json"] = FlowJson.Save(flow);
        foreach (var (name, fixture) in Fixtures) files[$"tests/{name}.json"] = CanonicalJson.WriteIndented(fixture);
        return files;
    }
}
