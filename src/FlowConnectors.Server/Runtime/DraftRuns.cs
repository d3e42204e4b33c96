using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine;

namespace FlowConnectors.Server.Runtime;

/// <summary>
/// The flows a designer's test runs, test steps and expression previews actually run, derived from the draft. Each
/// keeps every node of the draft (so <c>nodes.x</c> references still validate) and changes only what must not run:
/// a pinned node becomes a No-op whose outputs are the pin's (written into the instance before it starts), a test
/// step runs its node alone after the upstream outputs it is given.
/// </summary>
internal static class DraftRuns
{
    public const string NoOp = "NoOp";

    /// <summary>A pinned output: what the node produced once, and the outcome it took.</summary>
    public sealed record Pin(JsonObject Outputs, string Outcome);

    public static Dictionary<string, Pin> PinsOf(string? json)
    {
        var pins = new Dictionary<string, Pin>(StringComparer.Ordinal);
        if (json is null || JsonNode.Parse(json) is not JsonObject all) return pins;
        foreach (var (nodeId, value) in all)
            if (value is JsonObject p && p["outputs"] is JsonObject outputs)
                pins[nodeId] = new Pin((JsonObject)outputs.DeepClone(), (string?)p["outcome"] ?? "done");
        return pins;
    }

    /// <summary>
    /// The draft with each pinned node replaced by a No-op (no inputs, so it calls nobody) whose <c>done</c> leads where
    /// the pinned outcome led; <paramref name="prepare"/> writes the pinned outputs into the new instance.
    /// </summary>
    public static (FlowDefinition Flow, Action<FlowInstanceState> Prepare) WithPins(FlowDefinition draft, IReadOnlyDictionary<string, Pin> pins)
    {
        if (pins.Count == 0) return (draft, _ => { });
        var flow = FlowJson.Parse(FlowJson.Save(draft));
        foreach (var node in flow.Nodes.Where(n => pins.ContainsKey(n.Id)))
        {
            node.Type = NoOp;
            node.Inputs.Clear();
        }
        flow.Connections = flow.Connections
            .Where(c => !pins.TryGetValue(c.FromNode, out var pin) || c.Outcome == pin.Outcome)
            .Select(c => pins.ContainsKey(c.FromNode) ? new FlowConnection { FromNode = c.FromNode, Outcome = "done", To = c.To } : c)
            .ToList();
        return (flow, state =>
        {
            foreach (var (nodeId, pin) in pins.Where(p => flow.FindNode(p.Key) is not null))
                state.NodeOutputs[nodeId] = pin.Outputs.ToDictionary(o => o.Key, o => o.Value?.DeepClone(), StringComparer.Ordinal);
        });
    }

    /// <summary>
    /// A test step: only <paramref name="nodeId"/> runs (it is the start; the other nodes keep their ids as No-ops and
    /// only its own outgoing connections stay, so an error outcome it handles in the draft is handled here too), after
    /// <paramref name="upstream"/> (node id → outputs from the last run or a pin) is written into the instance.
    /// </summary>
    public static (FlowDefinition Flow, Action<FlowInstanceState> Prepare) Step(FlowDefinition draft, string nodeId, JsonObject upstream)
    {
        var flow = FlowJson.Parse(FlowJson.Save(draft));
        foreach (var node in flow.Nodes.Where(n => n.Id != nodeId))
        {
            node.Type = NoOp;
            node.Inputs.Clear();
        }
        flow.Connections = flow.Connections.Where(c => c.FromNode == nodeId && c.To != nodeId).ToList();
        flow.Start = nodeId;
        return (flow, state =>
        {
            foreach (var (id, outputs) in upstream)
                if (outputs is JsonObject o && id != nodeId && flow.FindNode(id) is not null)
                    state.NodeOutputs[id] = o.ToDictionary(x => x.Key, x => x.Value?.DeepClone(), StringComparer.Ordinal);
        });
    }

    /// <summary>
    /// An expression preview: a flow whose only running node sets the output <c>value</c> from the expression, with the
    /// model's inputs and variables declared and its node outputs written into the instance.
    /// </summary>
    public static (FlowDefinition Flow, Action<FlowInstanceState> Prepare) Preview(JsonObject expression, JsonObject model)
    {
        const string previewNode = "__preview";
        var flow = new FlowDefinition { Id = "expression-preview", Start = previewNode };
        flow.Outputs.Add(new FlowParameter { Name = "value" });
        foreach (var (name, _) in model["input"] as JsonObject ?? []) flow.Inputs.Add(new FlowParameter { Name = name });
        foreach (var (name, value) in model["vars"] as JsonObject ?? []) flow.Variables.Add(new FlowVariable { Name = name, Default = value?.DeepClone() });
        var nodes = model["nodes"] as JsonObject ?? [];
        foreach (var (id, _) in nodes) flow.Nodes.Add(new FlowNode { Id = id, Type = NoOp });
        var setOutput = new FlowNode { Id = previewNode, Type = "SetOutput" };
        setOutput.Inputs["name"] = "value";
        setOutput.Inputs["value"] = expression.DeepClone();
        flow.Nodes.Add(setOutput);
        return (flow, state =>
        {
            foreach (var (id, outputs) in nodes)
                if (outputs is JsonObject o)
                    state.NodeOutputs[id] = o.ToDictionary(x => x.Key, x => x.Value?.DeepClone(), StringComparer.Ordinal);
        });
    }
}
