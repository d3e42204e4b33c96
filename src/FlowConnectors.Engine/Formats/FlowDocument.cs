using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Engine.Formats;

/// <summary>
/// A <c>*.flow.json</c> file as System.Text.Json reads it once the validator has passed its shape
/// (schemas/flow.schema.json); <see cref="FlowFormat"/> turns it into a <see cref="FlowDefinition"/>.
/// </summary>
internal sealed record FlowDocument
{
    public int Format { get; init; } = FlowDefinition.CurrentFormat;
    public string Id { get; init; } = "";
    public string? Name { get; init; }
    public string? Description { get; init; }
    public string? Version { get; init; }
    public List<FlowParameterDocument?>? Inputs { get; init; }
    public List<FlowParameterDocument?>? Outputs { get; init; }
    public List<FlowVariableDocument?>? Variables { get; init; }
    public string? Start { get; init; }
    public List<FlowNodeDocument?>? Nodes { get; init; }
    public List<FlowConnectionDocument?>? Connections { get; init; }
    public string? ErrorFlow { get; init; }
    public JsonObject? Ui { get; init; }

    /// <summary>Blocks other layers own (<c>card</c>), kept verbatim.</summary>
    [JsonExtensionData] public JsonObject? Extensions { get; set; }
}

internal sealed record FlowParameterDocument
{
    public string Name { get; init; } = "";
    public string? Type { get; init; }
    public string? Label { get; init; }
    public string? Description { get; init; }
    public bool Required { get; init; }
    public bool Secret { get; init; }
    public JsonNode? Default { get; init; }
    public JsonArray? Options { get; init; }
}

internal sealed record FlowVariableDocument
{
    public string Name { get; init; } = "";
    public string? Type { get; init; }
    public JsonNode? Default { get; init; }
}

internal sealed record FlowNodeDocument
{
    public string Id { get; init; } = "";
    public string Type { get; init; } = "";
    public string? Name { get; init; }
    public string? Description { get; init; }
    public Dictionary<string, JsonNode?>? Inputs { get; init; }
    public NodeErrorPolicyDocument? OnError { get; init; }
    public string? SideEffects { get; init; }
    public JsonObject? Ui { get; init; }
}

internal sealed record NodeErrorPolicyDocument
{
    public int? Retries { get; init; }
    public long? DelayMs { get; init; }
    public string? Backoff { get; init; }
    public long? MaxDelayMs { get; init; }
    public double? Jitter { get; init; }
    public string? Then { get; init; }
    public JsonObject? Value { get; init; }
}

internal sealed record FlowConnectionDocument
{
    public string? From { get; init; }
    public string? To { get; init; }
}

/// <summary>Source-generated readers for our file formats (no reflection at run time).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(FlowDocument))]
internal sealed partial class FormatJsonContext : JsonSerializerContext;
