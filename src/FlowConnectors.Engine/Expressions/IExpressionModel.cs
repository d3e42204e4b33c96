using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Expressions;

/// <summary>What expressions see: <c>input</c>, <c>vars</c>, <c>nodes</c> and <c>flow</c>.</summary>
internal interface IExpressionModel
{
    JsonObject Input { get; }
    IReadOnlyDictionary<string, JsonNode?> Variables { get; }
    IReadOnlyDictionary<string, Dictionary<string, JsonNode?>> NodeOutputs { get; }
    JsonObject FlowMetadata { get; }
    TimeProvider Clock { get; }
}
