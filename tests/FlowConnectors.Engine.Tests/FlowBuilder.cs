using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Engine.Tests;

/// <summary>One-line helpers so tests read as specifications.</summary>
internal static class Flow
{
    public static FlowEngine Engine(FlowEngineOptions? options = null) => new(options);

    public static Task<FlowRunResult> RunAsync(string json, JsonObject? input = null, FlowEngineOptions? options = null) =>
        new FlowEngine(options).RunJsonAsync(json, input);

    public static JsonObject Input(string json) => JsonNode.Parse(json)!.AsObject();

    public static IReadOnlyList<FormatProblem> Validate(string json, FlowEngineOptions? options = null)
    {
        var load = FlowJson.Load(json);
        if (load.HasErrors || load.Flow is null) return load.Problems;
        return [.. load.Problems, .. new FlowEngine(options).Validate(load.Flow)];
    }
}
