using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Persistence;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// What a change of a connector flow's declared inputs breaks: flows that set an input the change removes or retypes.
/// Looked at: every stored flow's draft, latest and published version (a Connector.Action node running this card) and
/// the connector's own flows (a CallFlow node calling this flow, e.g. cards calling httpHelper).
/// </summary>
internal static class CardUsage
{
    public const string InputInUse = "CARD_INPUT_IN_USE";
    public const string InputRetyped = "CARD_INPUT_RETYPED";

    /// <summary>One flow node that sets an input the change removes (<see cref="InputInUse"/>) or retypes (<see cref="InputRetyped"/>).</summary>
    public sealed record Usage(string File, string FlowId, string Where, string NodeId, string Path, string Code, string Input, string Message);

    /// <summary>The inputs removed and retyped (name → (old type, new type)) from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static (IReadOnlyList<string> Removed, IReadOnlyDictionary<string, (string From, string To)> Retyped) Changes(FlowDefinition before, FlowDefinition after)
    {
        var next = after.Inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var removed = before.Inputs.Where(i => !next.ContainsKey(i.Name)).Select(i => i.Name).ToList();
        var retyped = before.Inputs
            .Where(i => next.TryGetValue(i.Name, out var n) && !string.Equals(n.Type, i.Type, StringComparison.Ordinal))
            .ToDictionary(i => i.Name, i => (i.Type, next[i.Name].Type), StringComparer.Ordinal);
        return (removed, retyped);
    }

    public static async Task<IReadOnlyList<Usage>> FindAsync(IFlowStore flows, ConnectorPackage package, string flowId, FlowDefinition after, CancellationToken ct)
    {
        if (package.FindFlow(flowId)?.Definition is not { } before) return [];
        var (removed, retyped) = Changes(before, after);
        if (removed.Count == 0 && retyped.Count == 0) return [];
        var key = package.Manifest.Key;
        var usages = new List<Usage>();

        foreach (var summary in await flows.ListAsync(ct))
        {
            // Each distinct text once: the draft, the latest version and the published one (what triggers run).
            var texts = new List<(string Where, string Json)>();
            if (summary.HasDraft && await flows.GetDraftAsync(summary.FlowId, ct) is { } draft) texts.Add(("draft", draft.Json));
            if (await flows.GetAsync(summary.FlowId, null, ct) is { } latest) texts.Add(($"version {latest.Version}", latest.Json));
            if (summary.PublishedVersion is { } published && published != summary.LatestVersion && await flows.GetAsync(summary.FlowId, published, ct) is { } live)
                texts.Add(($"version {live.Version} (published)", live.Json));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (where, json) in texts)
            {
                if (!seen.Add(json) || FlowJson.Load(json).Flow is not { } flow) continue;
                for (var i = 0; i < flow.Nodes.Count; i++)
                {
                    var node = flow.Nodes[i];
                    if (node.Type != "Connector.Action" || Literal(node.Inputs.GetValueOrDefault("connector")) != key
                        || Literal(node.Inputs.GetValueOrDefault("action")) != flowId) continue;
                    Collect(usages, $"flow {flow.Id} ({where})", flow.Id, where, node, $"$.nodes[{i}].inputs.inputs", node.Inputs.GetValueOrDefault("inputs"),
                        removed, retyped, $"card {key}/{flowId}");
                }
            }
        }

        // The connector's own flows that call this one (every card calls httpHelper).
        foreach (var other in package.Flows.Values.Where(f => f.Definition.Id != flowId).OrderBy(f => f.Definition.Id, StringComparer.Ordinal))
        {
            var flow = other.Definition;
            for (var i = 0; i < flow.Nodes.Count; i++)
            {
                var node = flow.Nodes[i];
                if (node.Type != "CallFlow" || Literal(node.Inputs.GetValueOrDefault("flowId")) != flowId) continue;
                Collect(usages, other.File, flow.Id, "connector flow", node, $"$.nodes[{i}].inputs.inputs", node.Inputs.GetValueOrDefault("inputs"),
                    removed, retyped, $"flow {flowId}");
            }
        }
        return usages;
    }

    private static void Collect(List<Usage> usages, string file, string flowId, string where, FlowNode node, string path, JsonNode? values,
        IReadOnlyList<string> removed, IReadOnlyDictionary<string, (string From, string To)> retyped, string what)
    {
        // An expression for the whole object cannot be read here; only literal objects name the inputs they set.
        if (values is not JsonObject set || IsExpression(set)) return;
        foreach (var name in removed.Where(set.ContainsKey))
            usages.Add(new Usage(file, flowId, where, node.Id, $"{path}.{name}", InputInUse, name,
                $"node '{node.Id}' of flow '{flowId}' ({where}) sets input '{name}' of {what}, which this change removes"));
        foreach (var (name, (from, to)) in retyped.Where(r => set.ContainsKey(r.Key)))
            usages.Add(new Usage(file, flowId, where, node.Id, $"{path}.{name}", InputRetyped, name,
                $"node '{node.Id}' of flow '{flowId}' ({where}) sets input '{name}' of {what}, which this change retypes from {from} to {to}"));
    }

    private static bool IsExpression(JsonObject o) => o.Count == 1 && (o.ContainsKey("js") || o.ContainsKey("template"));

    private static string? Literal(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? text) ? text : null;

    public static JsonObject Json(Usage u) => new()
    {
        ["file"] = u.File, ["path"] = u.Path, ["code"] = u.Code, ["message"] = u.Message, ["severity"] = "warning",
        ["flowId"] = u.FlowId, ["where"] = u.Where, ["nodeId"] = u.NodeId, ["input"] = u.Input,
    };
}
