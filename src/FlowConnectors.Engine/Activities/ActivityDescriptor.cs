using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities;

/// <summary>What the palette, the inspector and the validator know about an activity type.</summary>
public sealed record ActivityDescriptor(
    string Type,
    string Category,
    string DisplayName,
    string Description,
    IReadOnlyList<InputDescriptor> Inputs,
    IReadOnlyList<OutputDescriptor> Outputs,
    IReadOnlyList<string> Outcomes,
    bool DynamicOutcomes,
    string? LoopBodyOutcome)
{
    /// <summary>The activity starts instances (HTTP endpoint, schedule, event): a start node with no input handle.</summary>
    public bool IsTrigger { get; init; }

    /// <summary>Outcomes that fault the node when nothing is connected to them (see <see cref="OutcomesAttribute.Errors"/>).</summary>
    public IReadOnlyList<string> ErrorOutcomes { get; init; } = [];

    /// <summary>What running the activity again does outside the instance; a node may narrow it (<see cref="INodeSideEffects"/>).</summary>
    public SideEffects SideEffects { get; init; } = SideEffects.None;

    public InputDescriptor? FindInput(string name)
    {
        foreach (var input in Inputs)
            if (input.Name == name) return input;
        return null;
    }

    /// <summary>The descriptor as JSON, as the server's palette API returns it.</summary>
    public JsonObject ToJson() => new()
    {
        ["type"] = Type,
        ["category"] = Category,
        ["displayName"] = DisplayName,
        ["description"] = Description,
        ["inputs"] = new JsonArray(Inputs.Select(i => (JsonNode)i.ToJson()).ToArray()),
        ["outputs"] = new JsonArray(Outputs.Select(o => (JsonNode)o.ToJson()).ToArray()),
        ["outcomes"] = new JsonArray(Outcomes.Select(o => (JsonNode)JsonValue.Create(o)).ToArray()),
        ["dynamicOutcomes"] = DynamicOutcomes,
        ["loopBodyOutcome"] = LoopBodyOutcome,
        ["trigger"] = IsTrigger,
        ["errorOutcomes"] = new JsonArray(ErrorOutcomes.Select(o => (JsonNode)JsonValue.Create(o)).ToArray()),
        ["sideEffects"] = SideEffectNames.Of(SideEffects),
    };
}

public sealed record InputDescriptor(
    string Name,
    string DisplayName,
    string Description,
    string Type,
    bool Required,
    JsonNode? Default,
    string? Editor,
    bool Secret,
    IReadOnlyList<string>? Options)
{
    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["displayName"] = DisplayName,
        ["description"] = Description,
        ["type"] = Type,
        ["required"] = Required,
        ["default"] = Default?.DeepClone(),
        ["editor"] = Editor,
        ["secret"] = Secret,
        ["options"] = Options is null ? null : new JsonArray(Options.Select(o => (JsonNode)JsonValue.Create(o)).ToArray()),
    };
}

public sealed record OutputDescriptor(string Name, string DisplayName, string Description, string Type, bool Secret)
{
    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["displayName"] = DisplayName,
        ["description"] = Description,
        ["type"] = Type,
        ["secret"] = Secret,
    };
}
