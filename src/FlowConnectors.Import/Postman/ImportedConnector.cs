using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Import.Postman;

/// <summary>Something the import could not carry over faithfully, with where it is in the collection.</summary>
public sealed record ImportMessage(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>
/// One request turned into an action card: what the preview shows before saving. <paramref name="Auth"/> is
/// null when the action sends the connector's own auth, <c>none</c> for no credentials, else an additional auth's name.
/// </summary>
public sealed record ImportedAction(
    string Id, string Label, string Group, string Method, string Path,
    IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, int Examples, string Source, string? Auth = null);

/// <summary>
/// A connection parameter the connector asks for (base URL and its parts, credentials), with the collection
/// variable it came from (which environments fill in as presets).
/// </summary>
public sealed record ImportedParameter(string Name, string Type, string? Default, string Source, string? Variable = null, bool Required = true);

/// <summary>A Postman environment turned into a connection preset: its name and the values of non-secret parameters.</summary>
public sealed record ImportedPreset(string Name, IReadOnlyDictionary<string, string> Values);

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
    public IReadOnlyList<ImportedPreset> Presets { get; init; } = [];
    /// <summary>Auths besides the connector's own that some actions use, by name (the manifest's additionalAuth).</summary>
    public IReadOnlyList<string> AdditionalAuth { get; init; } = [];

    /// <summary>Every file of the connector folder (relative path → text) with the manifest at <paramref name="version"/> and the settings a re-import keeps.</summary>
    public IReadOnlyDictionary<string, string> Files(string version = "1.0.0", JsonObject? keptSettings = null)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var manifest = (JsonObject)Manifest.DeepClone();
        manifest["version"] = version;
        foreach (var (field, value) in keptSettings ?? []) manifest[field] = value?.DeepClone();
        files["connector.json"] = CanonicalJson.WriteIndented(manifest);
        foreach (var (id, flow) in Flows) files[$"flows/{id}.flow.json"] = FlowJson.Save(flow);
        foreach (var (name, fixture) in Fixtures) files[$"tests/{name}.json"] = CanonicalJson.WriteIndented(fixture);
        return files;
    }
}
