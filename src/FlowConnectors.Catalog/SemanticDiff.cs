using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Catalog;

/// <summary>One change: <c>+</c> added, <c>-</c> removed, <c>~</c> changed.</summary>
public sealed record DiffChange(char Op, string Text, bool Breaking)
{
    public override string ToString() => $"{Op} {Text}{(Breaking ? "  [breaking]" : "")}";
}

/// <summary>The changes of one part: <c>manifest</c>, <c>flow &lt;id&gt;</c> or <c>card &lt;id&gt;</c>.</summary>
public sealed record DiffSection(string Title, IReadOnlyList<DiffChange> Changes);

/// <summary>
/// The semantic difference between two versions of a connector (or of one flow): what a reviewer
/// needs, never designer positions (<c>ui</c>) or the order of nodes, connections, keys or parameters.
/// </summary>
public sealed class ConnectorDiff(IReadOnlyList<DiffSection> sections)
{
    public IReadOnlyList<DiffSection> Sections { get; } = sections;
    public bool IsEmpty => Sections.Count == 0;
    public IEnumerable<(string Section, DiffChange Change)> BreakingChanges =>
        Sections.SelectMany(s => s.Changes.Where(c => c.Breaking).Select(c => (s.Title, c)));
    public int ChangeCount => Sections.Sum(s => s.Changes.Count);

    /// <summary>The text <c>flowc diff</c> prints: a title line per section, two-space indented changes, a summary.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        foreach (var section in Sections)
        {
            text.Append(section.Title).Append('\n');
            foreach (var change in section.Changes) text.Append("  ").Append(change).Append('\n');
        }
        var breaking = BreakingChanges.Count();
        text.Append(IsEmpty ? "no changes\n" : $"{ChangeCount} change{(ChangeCount == 1 ? "" : "s")}, {breaking} breaking\n");
        return text.ToString();
    }

    public JsonObject ToJson() => new()
    {
        ["sections"] = new JsonArray(Sections.Select(s => (JsonNode)new JsonObject
        {
            ["title"] = s.Title,
            ["changes"] = new JsonArray(s.Changes.Select(c => (JsonNode)new JsonObject
            {
                ["op"] = c.Op.ToString(),
                ["text"] = c.Text,
                ["breaking"] = c.Breaking,
            }).ToArray()),
        }).ToArray()),
        ["changes"] = ChangeCount,
        ["breaking"] = BreakingChanges.Count(),
        ["text"] = ToText(),
    };
}

public static class SemanticDiff
{
    public static ConnectorDiff Compare(ConnectorSnapshot before, ConnectorSnapshot after)
    {
        var sections = new List<DiffSection>();
        if (before.Manifest is not null || after.Manifest is not null)
            Add(sections, "manifest", CompareManifest(before.Manifest, after.Manifest));
        foreach (var id in before.Flows.Keys.Union(after.Flows.Keys).Order(StringComparer.Ordinal))
        {
            var a = before.Flows.GetValueOrDefault(id);
            var b = after.Flows.GetValueOrDefault(id);
            Add(sections, $"flow {id}", CompareFlow(a, b));
            Add(sections, $"card {id}", CompareCard(a, b));
        }
        return new ConnectorDiff(sections);
    }

    /// <summary>Two versions of one flow (the designer's flow history).</summary>
    public static ConnectorDiff CompareFlows(FlowDefinition before, FlowDefinition after) =>
        Compare(new ConnectorSnapshot(null, new Dictionary<string, FlowDefinition> { [before.Id] = before }),
            new ConnectorSnapshot(null, new Dictionary<string, FlowDefinition> { [after.Id] = after }));

    private static void Add(List<DiffSection> sections, string title, List<DiffChange> changes)
    {
        if (changes.Count > 0) sections.Add(new DiffSection(title, changes));
    }

    // --- manifest ----------------------------------------------------------------------------

    private static List<DiffChange> CompareManifest(JsonObject? before, JsonObject? after)
    {
        var changes = new List<DiffChange>();
        if (before is null || after is null)
        {
            changes.Add(new(before is null ? '+' : '-', "connector.json", false));
            return changes;
        }
        var a = Flatten(before);
        var b = Flatten(after);
        foreach (var path in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            var breaking = path == "auth.kind";
            if (!a.TryGetValue(path, out var old)) changes.Add(new('+', $"{path}: {b[path]}", breaking));
            else if (!b.TryGetValue(path, out var now)) changes.Add(new('-', $"{path}: {old}", breaking));
            else if (old != now) changes.Add(new('~', $"{path}: {old} → {now}", breaking));
        }
        return changes;
    }

    /// <summary>Leaf paths → canonical JSON text; arrays of objects with a <c>name</c> are keyed by it, so their order does not matter.</summary>
    private static SortedDictionary<string, string> Flatten(JsonNode? node, string prefix = "", SortedDictionary<string, string>? into = null)
    {
        into ??= new SortedDictionary<string, string>(StringComparer.Ordinal);
        switch (node)
        {
            case JsonObject o when o.Count > 0:
                foreach (var (key, value) in o) Flatten(value, prefix.Length == 0 ? key : $"{prefix}.{key}", into);
                break;
            case JsonArray a when a.Count > 0 && a.All(i => i is JsonObject io && io["name"] is JsonValue):
                foreach (var item in a) Flatten(item, $"{prefix}[{(string?)item!["name"]}]", into);
                break;
            default:
                into[prefix] = CanonicalJson.Write(node);
                break;
        }
        return into;
    }

    // --- flows -------------------------------------------------------------------------------

    private static List<DiffChange> CompareFlow(FlowDefinition? a, FlowDefinition? b)
    {
        var changes = new List<DiffChange>();
        if (a is null || b is null)
        {
            var flow = (a ?? b)!;
            changes.Add(new(a is null ? '+' : '-', $"flow ({Count(flow.Nodes.Count, "node")})", false));
            return changes;
        }
        Changed(changes, "name", a.Name, b.Name);
        Changed(changes, "description", a.Description, b.Description);
        Changed(changes, "start", a.Start, b.Start);
        if (a.Extensions.GetValueOrDefault("card") is null && b.Extensions.GetValueOrDefault("card") is null)
        {
            // A helper flow's signature; a card's inputs and outputs are listed under the card.
            CompareParameters(changes, "input", a.Inputs, b.Inputs, breaking: false);
            CompareParameters(changes, "output", a.Outputs, b.Outputs, breaking: false);
        }
        var varsA = a.Variables.ToDictionary(v => v.Name, v => v.Type + " = " + CanonicalJson.Write(v.Default));
        var varsB = b.Variables.ToDictionary(v => v.Name, v => v.Type + " = " + CanonicalJson.Write(v.Default));
        foreach (var name in varsA.Keys.Union(varsB.Keys).Order(StringComparer.Ordinal))
        {
            if (!varsA.TryGetValue(name, out var old)) changes.Add(new('+', $"variable {name}: {varsB[name]}", false));
            else if (!varsB.TryGetValue(name, out var now)) changes.Add(new('-', $"variable {name}: {old}", false));
            else if (old != now) changes.Add(new('~', $"variable {name}: {old} → {now}", false));
        }
        var nodesA = a.Nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        var nodesB = b.Nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        foreach (var id in nodesA.Keys.Union(nodesB.Keys).Order(StringComparer.Ordinal))
        {
            if (!nodesA.TryGetValue(id, out var old)) { changes.Add(new('+', $"node {id} ({nodesB[id].Type})", false)); continue; }
            if (!nodesB.TryGetValue(id, out var now)) { changes.Add(new('-', $"node {id} ({old.Type})", false)); continue; }
            if (old.Type != now.Type) changes.Add(new('~', $"node {id}: type {old.Type} → {now.Type}", false));
            if (old.Name != now.Name) changes.Add(new('~', $"node {id}: name {Quote(old.Name)} → {Quote(now.Name)}", false));
            var inputsA = FlattenInputs(old.Inputs);
            var inputsB = FlattenInputs(now.Inputs);
            foreach (var input in inputsA.Keys.Union(inputsB.Keys).Order(StringComparer.Ordinal))
            {
                var before = inputsA.GetValueOrDefault(input);
                var after = inputsB.GetValueOrDefault(input);
                if (before == after) continue;
                if (before is null) changes.Add(new('+', $"node {id}: input {input}: {after}", false));
                else if (after is null) changes.Add(new('-', $"node {id}: input {input}: {before}", false));
                else changes.Add(new('~', $"node {id}: input {input}: {before} → {after}", false));
            }
        }
        var connectionsA = a.Connections.Select(c => $"{c.From} → {c.To}").ToHashSet(StringComparer.Ordinal);
        var connectionsB = b.Connections.Select(c => $"{c.From} → {c.To}").ToHashSet(StringComparer.Ordinal);
        foreach (var c in connectionsB.Except(connectionsA).Order(StringComparer.Ordinal)) changes.Add(new('+', $"connection {c}", false));
        foreach (var c in connectionsA.Except(connectionsB).Order(StringComparer.Ordinal)) changes.Add(new('-', $"connection {c}", false));
        return changes;
    }

    /// <summary>A node's inputs by path (<c>inputs.relative_url</c>): nested objects are followed down to expressions and literals.</summary>
    private static SortedDictionary<string, string> FlattenInputs(IDictionary<string, JsonNode?> inputs)
    {
        var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in inputs) Walk(name, value);
        return flat;

        void Walk(string path, JsonNode? value)
        {
            if (value is JsonObject o && o.Count > 0 && !(o.Count == 1 && (o.ContainsKey("js") || o.ContainsKey("template"))))
                foreach (var (key, child) in o) Walk($"{path}.{key}", child);
            else flat[path] = CanonicalJson.Write(value);
        }
    }

    // --- cards -------------------------------------------------------------------------------

    private static List<DiffChange> CompareCard(FlowDefinition? a, FlowDefinition? b)
    {
        var changes = new List<DiffChange>();
        var cardA = a?.Extensions.GetValueOrDefault("card") as JsonObject;
        var cardB = b?.Extensions.GetValueOrDefault("card") as JsonObject;
        if (cardA is null && cardB is null) return changes;
        if (cardA is null) { changes.Add(new('+', $"card ({(string?)cardB!["kind"]})", false)); return changes; }
        if (cardB is null) { changes.Add(new('-', $"card ({(string?)cardA["kind"]})", true)); return changes; }
        var optionsA = Options(cardA);
        var optionsB = Options(cardB);
        CompareParameters(changes, "option", a!.Inputs.Where(i => optionsA.Contains(i.Name)), b!.Inputs.Where(i => optionsB.Contains(i.Name)), breaking: true);
        CompareParameters(changes, "input", a.Inputs.Where(i => !optionsA.Contains(i.Name)), b.Inputs.Where(i => !optionsB.Contains(i.Name)), breaking: true);
        CompareParameters(changes, "output", a.Outputs, b.Outputs, breaking: true);
        var restA = Flatten(Without(cardA, "options"));
        var restB = Flatten(Without(cardB, "options"));
        foreach (var path in restA.Keys.Union(restB.Keys).Order(StringComparer.Ordinal))
        {
            if (!restA.TryGetValue(path, out var old)) changes.Add(new('+', $"{path}: {restB[path]}", false));
            else if (!restB.TryGetValue(path, out var now)) changes.Add(new('-', $"{path}: {old}", false));
            else if (old != now) changes.Add(new('~', $"{path}: {old} → {now}", false));
        }
        return changes;
    }

    private static HashSet<string> Options(JsonObject card) =>
        (card["options"] as JsonArray)?.Select(o => (string?)o ?? "").ToHashSet(StringComparer.Ordinal) ?? [];

    private static JsonObject Without(JsonObject card, string field)
    {
        var copy = card.DeepClone().AsObject();
        copy.Remove(field);
        return copy;
    }

    /// <summary>Added, removed (breaking for a card), retyped (breaking for a card), and made required or optional.</summary>
    private static void CompareParameters(List<DiffChange> changes, string noun, IEnumerable<FlowParameter> before, IEnumerable<FlowParameter> after, bool breaking)
    {
        var a = before.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var b = after.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var name in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            if (!a.TryGetValue(name, out var old)) { changes.Add(new('+', $"{noun} {name} ({Describe(b[name])})", false)); continue; }
            if (!b.TryGetValue(name, out var now)) { changes.Add(new('-', $"{noun} {name} ({Describe(old)})", breaking)); continue; }
            if (old.Type != now.Type) changes.Add(new('~', $"{noun} {name}: type {old.Type} → {now.Type}", breaking));
            if (old.Required != now.Required) changes.Add(new('~', $"{noun} {name}: {(old.Required ? "required" : "optional")} → {(now.Required ? "required" : "optional")}", false));
            if (old.Label != now.Label) changes.Add(new('~', $"{noun} {name}: label {Quote(old.Label)} → {Quote(now.Label)}", false));
        }
    }

    private static string Describe(FlowParameter p) => p.Required ? $"{p.Type}, required" : p.Type;

    private static void Changed(List<DiffChange> changes, string what, string? before, string? after)
    {
        if (before != after) changes.Add(new('~', $"{what}: {Quote(before)} → {Quote(after)}", false));
    }

    private static string Quote(string? text) => text is null ? "(none)" : CanonicalJson.Write(JsonValue.Create(text));

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";
}
