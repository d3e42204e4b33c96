using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Import.Postman;

/// <summary>An action present before and after a re-import whose card or request differs, and how.</summary>
public sealed record ChangedAction(string Id, string Label, IReadOnlyList<string> What);

/// <summary>What a (re-)import changes in a connector folder: actions added, removed, changed; connector settings.</summary>
public sealed record ImportChanges(
    bool IsNew, string? PreviousVersion, string Version,
    IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<ChangedAction> Changed, IReadOnlyList<string> Connector)
{
    /// <summary>Connector settings edited since the last import (name, description, branding) that the re-import keeps, each with what the source says.</summary>
    public IReadOnlyList<string> Kept { get; init; } = [];
    /// <summary>The kept settings' values, written over the import's.</summary>
    public JsonObject KeptSettings { get; init; } = [];
    /// <summary>The catalog's semantic diff from the folder to the re-import (null for a new connector); its breaking changes set the major version.</summary>
    public FlowConnectors.Catalog.ConnectorDiff? Diff { get; init; }

    /// <summary>The connector settings a re-import keeps when the folder's differ from the source's: the user's edits.</summary>
    public static readonly string[] EditableSettings = ["name", "description", "icon", "accentColor", "documentationUrl", "supportEmail"];

    public bool Any => IsNew || Added.Count + Removed.Count + Changed.Count + Connector.Count > 0;

    /// <summary>The report as plain lines, one change each.</summary>
    public IEnumerable<string> Lines()
    {
        if (IsNew) { yield return $"new connector, version {Version}"; yield break; }
        if (!Any)
        {
            yield return $"no changes (version {Version})";
            foreach (var k in Kept) yield return $"= kept      {k}";
            yield break;
        }
        yield return $"version {PreviousVersion} → {Version}";
        foreach (var a in Added) yield return $"+ added   {a}";
        foreach (var r in Removed) yield return $"- removed {r}";
        foreach (var c in Changed) yield return $"~ changed {c.Id} ({c.Label}): {string.Join("; ", c.What)}";
        foreach (var c in Connector) yield return $"~ connector: {c}";
        foreach (var k in Kept) yield return $"= kept      {k}";
        if (Diff?.BreakingChanges.Any() == true) yield return $"breaking: {string.Join("; ", Diff.BreakingChanges.Select(b => $"{b.Section}: {b.Change.Text}"))}";
    }

    /// <summary>Compares the connector folder at <paramref name="existingFolder"/> (if it is one) with a fresh import.</summary>
    public static ImportChanges Compare(string? existingFolder, ImportedConnector imported)
    {
        if (existingFolder is null || !ConnectorPackage.IsConnectorFolder(existingFolder))
            return new(true, null, "1.0.0", imported.Actions.Select(a => $"{a.Id} ({a.Label})").ToList(), [], [], []);
        var oldManifest = Read(Path.Combine(existingFolder, ManifestReader.FileName)) as JsonObject ?? [];
        var oldFlows = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var flowDir = Path.Combine(existingFolder, "flows");
        if (Directory.Exists(flowDir))
            foreach (var file in Directory.GetFiles(flowDir, "*.flow.json"))
                if (Read(file) is JsonObject flow && (string?)flow["card"]?["kind"] == "action" && (string?)flow["id"] is { } id && id != "customApiAction")
                    oldFlows[id] = flow;
        var newFlows = imported.Flows.Where(f => f.Value.Extensions.ContainsKey("card") && f.Key != "customApiAction")
            .ToDictionary(f => f.Key, f => (JsonObject)JsonNode.Parse(FlowJson.Save(f.Value))!, StringComparer.Ordinal);

        static string Label(JsonObject flow) => (string?)flow["card"]?["label"] ?? (string?)flow["name"] ?? "";
        var added = newFlows.Keys.Except(oldFlows.Keys).Order(StringComparer.Ordinal).Select(id => $"{id} ({Label(newFlows[id])})").ToList();
        var removed = oldFlows.Keys.Except(newFlows.Keys).Order(StringComparer.Ordinal).Select(id => $"{id} ({Label(oldFlows[id])})").ToList();
        var changed = new List<ChangedAction>();
        foreach (var id in newFlows.Keys.Intersect(oldFlows.Keys).Order(StringComparer.Ordinal))
        {
            var what = Differences(oldFlows[id], newFlows[id]);
            if (what.Count > 0) changed.Add(new ChangedAction(id, Label(newFlows[id]), what));
        }

        var connector = new List<string>();
        var newManifest = imported.Manifest;
        void Setting(string field, string label)
        {
            var before = oldManifest[field]?.ToJsonString() ?? "null";
            var after = newManifest[field]?.ToJsonString() ?? "null";
            if (!JsonNode.DeepEquals(oldManifest[field], newManifest[field])) connector.Add($"{label} {before} → {after}");
        }
        Setting("key", "key");
        Setting("baseUrl", "base URL");
        if ((string?)oldManifest["auth"]?["kind"] != (string?)newManifest["auth"]?["kind"]) Setting("auth", "auth");
        else if (!JsonNode.DeepEquals(oldManifest["auth"], newManifest["auth"])) connector.Add("auth settings changed");
        var oldParams = Names(oldManifest["connectionParameters"]);
        var newParams = Names(newManifest["connectionParameters"]);
        foreach (var p in newParams.Except(oldParams)) connector.Add($"connection parameter added: {p}");
        foreach (var p in oldParams.Except(newParams)) connector.Add($"connection parameter removed: {p}");

        // Settings a user edits in the connector (name, description, branding) stay as they are; each is listed.
        var kept = new List<string>();
        var keptSettings = new JsonObject();
        foreach (var field in EditableSettings)
            if (oldManifest[field] is { } mine && !JsonNode.DeepEquals(mine, newManifest[field]))
            {
                keptSettings[field] = mine.DeepClone();
                kept.Add($"{field} {Short(mine)} (the source says {Short(newManifest[field])}; edit connector.json to take it)");
            }

        // The version follows the catalog's rules: a breaking change (a card or input removed or retyped, the
        // auth kind changed) is a major bump, anything else a minor one.
        var previous = (string?)oldManifest["version"];
        var version = previous ?? "1.0.0";
        FlowConnectors.Catalog.ConnectorDiff? diff = null;
        try
        {
            var after = imported.Files(version, keptSettings).ToDictionary(f => f.Key, f => System.Text.Encoding.UTF8.GetBytes(f.Value));
            diff = FlowConnectors.Catalog.SemanticDiff.Compare(FlowConnectors.Catalog.ConnectorSnapshot.FromPath(existingFolder), FlowConnectors.Catalog.ConnectorSnapshot.FromFiles(after, "import"));
        }
        catch (FlowConnectors.Catalog.CatalogException)
        {
            // A hand-broken flow in the folder: the import replaces it; the action list above still says what changed.
        }
        var breaking = diff?.BreakingChanges.Any() == true || removed.Count > 0;
        if (added.Count + removed.Count + changed.Count + connector.Count > 0 || diff is { IsEmpty: false })
            version = breaking ? NextMajor(version) : NextMinor(version);
        return new(false, previous, version, added, removed, changed, connector) { Kept = kept, KeptSettings = keptSettings, Diff = diff };
    }

    private static string Short(JsonNode? value)
    {
        var text = value?.ToJsonString() ?? "nothing";
        return text.Length <= 80 ? text : text[..77] + "…\"";
    }

    private static List<string> Differences(JsonObject before, JsonObject after)
    {
        var what = new List<string>();
        JsonNode? Call(JsonObject flow) => (flow["nodes"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(n => (string?)n["id"] == "call")?["inputs"]?["inputs"];
        var oldCall = Call(before);
        var newCall = Call(after);
        string Method(JsonNode? call) => call?["request_method"]?.ToJsonString() ?? "?";
        if (Method(oldCall) != Method(newCall)) what.Add($"method {Method(oldCall).Trim('"')} → {Method(newCall).Trim('"')}");
        // A paged card (OpenAPI import) sends through its Http.Paginate node.
        JsonNode? Pages(JsonObject flow) => (flow["nodes"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(n => (string?)n["id"] == "pages")?["inputs"];
        if (!JsonNode.DeepEquals(Pages(before), Pages(after))) what.Add("paged request changed");
        foreach (var (field, label) in new[] { ("relative_url", "URL"), ("query", "query"), ("headers", "headers"), ("body", "body") })
            if (!JsonNode.DeepEquals(oldCall?[field], newCall?[field])) what.Add($"{label} changed");
        var oldInputs = Names(before["inputs"]);
        var newInputs = Names(after["inputs"]);
        var plus = newInputs.Except(oldInputs).ToList();
        var minus = oldInputs.Except(newInputs).ToList();
        if (plus.Count > 0) what.Add("inputs added: " + string.Join(", ", plus));
        if (minus.Count > 0) what.Add("inputs removed: " + string.Join(", ", minus));
        if (plus.Count == 0 && minus.Count == 0 && !JsonNode.DeepEquals(before["inputs"], after["inputs"])) what.Add("input defaults or types changed");
        var oldOutputs = Names(before["outputs"]);
        var newOutputs = Names(after["outputs"]);
        if (!oldOutputs.SequenceEqual(newOutputs)) what.Add($"outputs: {string.Join(", ", oldOutputs)} → {string.Join(", ", newOutputs)}");
        if ((string?)before["card"]?["label"] != (string?)after["card"]?["label"]) what.Add($"label '{(string?)before["card"]?["label"]}' → '{(string?)after["card"]?["label"]}'");
        if ((string?)before["card"]?["group"] != (string?)after["card"]?["group"]) what.Add($"group '{(string?)before["card"]?["group"]}' → '{(string?)after["card"]?["group"]}'");
        return what;
    }

    private static List<string> Names(JsonNode? list) =>
        (list as JsonArray)?.OfType<JsonObject>().Select(p => (string?)p["name"] ?? "").ToList() ?? [];

    private static JsonNode? Read(string file)
    {
        try { return JsonNode.Parse(File.ReadAllText(file)); }
        catch (JsonException) { return null; }
    }

    private static string NextMajor(string version)
    {
        var core = version.Split('-', '+')[0].Split('.');
        return core.Length == 3 && int.TryParse(core[0], out var major) ? $"{major + 1}.0.0" : "1.0.0";
    }

    private static string NextMinor(string version)
    {
        var core = version.Split('-', '+')[0].Split('.');
        return core.Length == 3 && int.TryParse(core[0], out var major) && int.TryParse(core[1], out var minor) ? $"{major}.{minor + 1}.0" : "1.0.0";
    }
}
