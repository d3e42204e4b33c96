using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Engine.Runtime;

/// <summary>A validated flow with every expression prepared and every connection resolved.</summary>
public sealed class CompiledFlow
{
    internal CompiledFlow(FlowDefinition definition, CompiledNode[] nodes, CompiledNode[] startNodes, IReadOnlyList<FormatProblem> warnings)
    {
        Definition = definition;
        Nodes = nodes;
        StartNodes = startNodes;
        Warnings = warnings;
        ById = new Dictionary<string, CompiledNode>(nodes.Length, StringComparer.Ordinal);
        foreach (var node in nodes) ById[node.Id] = node;
    }

    public FlowDefinition Definition { get; }
    public IReadOnlyList<FormatProblem> Warnings { get; }
    internal CompiledNode[] Nodes { get; }
    internal CompiledNode[] StartNodes { get; }
    internal Dictionary<string, CompiledNode> ById { get; }
}

internal sealed class CompiledNode(int index, FlowNode definition, ActivityType type, CompiledInput[] inputs)
{
    private static readonly CompiledNode[] None = [];

    public int Index { get; } = index;
    public string Id => Definition.Id;
    public FlowNode Definition { get; } = definition;
    public ActivityType Type { get; } = type;
    public CompiledInput[] Inputs { get; } = inputs;
    public Dictionary<string, CompiledNode[]> Targets { get; } = new(StringComparer.Ordinal);
    public bool HasFaultTargets => Targets.ContainsKey(ActivityResult.FaultOutcome);
    public NodeErrorPolicy? Policy => Definition.OnError;
    /// <summary>With an onError of then: return, the outcome the node takes with its returned value.</summary>
    public string? ReturnOutcome { get; set; }

    /// <summary>Every outcome counts as connected (ActivityRunner: a node run on its own reports the outcome it picked).</summary>
    public bool HandlesEveryOutcome { get; set; }

    /// <summary>For joins: whether each node (by index) can reach this one; computed at compile time.</summary>
    public bool[]? ReachableFrom { get; set; }
    public string JoinMode { get; set; } = "all";
    public int InboundSources { get; set; }

    public CompiledNode[] TargetsOf(string outcome) => Targets.TryGetValue(outcome, out var t) ? t : None;
}

internal sealed class CompiledInput(InputBinding binding, CompiledValue value, string path)
{
    public InputBinding Binding { get; } = binding;
    public CompiledValue Value { get; } = value;
    public string Path { get; } = path;
    public bool HasConverted { get; init; }
    public object? Converted { get; init; }
}
