using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Activities;

/// <summary>
/// Runs one activity on its own, for tests: <c>await ActivityRunner.RunAsync&lt;If&gt;(new() { ["condition"] = true })</c>.
/// The activity goes through the real engine (input conversion, outputs, journal) in a one-node flow, where every
/// outcome counts as handled: the result is the outcome the activity picked (see README "Error outcomes" for flows).
/// </summary>
public static class ActivityRunner
{
    public static async Task<ActivityRunResult> RunAsync<T>(JsonObject? inputs = null, FlowEngineOptions? options = null) where T : Activity
    {
        options ??= new FlowEngineOptions();
        var registry = options.Registry;
        var descriptor = registry.Descriptors.FirstOrDefault(d => registry.FindType(d.Type)!.ClrType == typeof(T))
                         ?? registry.Add<T>().Descriptors.First(d => registry.FindType(d.Type)!.ClrType == typeof(T));
        var node = new FlowNode { Id = "node", Type = descriptor.Type };
        if (inputs is not null)
            foreach (var (name, value) in inputs) node.Inputs[name] = value?.DeepClone();
        var flow = new FlowDefinition { Id = "activity-test", Nodes = [node] };
        var engine = new FlowEngine(options);
        var compiled = engine.Compile(flow);
        // On its own the node has nothing connected: it reports the outcome it picked, an error outcome (HTTP 500) too.
        compiled.Nodes[0].HandlesEveryOutcome = true;
        var result = await engine.RunAsync(compiled);
        var entry = result.Journal.LastOrDefault();
        return new ActivityRunResult(result, entry?.Outcome,
            result.State.NodeOutputs.TryGetValue("node", out var outputs) ? outputs : new Dictionary<string, JsonNode?>());
    }
}

public sealed record ActivityRunResult(FlowRunResult Run, string? Outcome, IReadOnlyDictionary<string, JsonNode?> Outputs)
{
    public JsonNode? Output(string name) => Outputs.TryGetValue(name, out var value) ? value : null;
}
