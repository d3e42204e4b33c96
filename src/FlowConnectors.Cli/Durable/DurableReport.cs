using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Runtime;

namespace FlowConnectors.Cli.Durable;

/// <summary>
/// What a durable run or resume prints: the outputs when it finished (exit 0), the fault (exit 1), or, when it
/// suspended, <c>{ instanceId, status, waitingFor }</c> on stdout and how to resume it on stderr (exit 3).
/// </summary>
internal static class DurableReport
{
    public static async Task<int> WriteAsync(CliOutput output, DurableStore store, string storeSpec, string instanceId, FlowRunResult? result)
    {
        var stored = await store.Instances.GetAsync(instanceId) ?? throw new CliException($"instance '{instanceId}' was not stored");
        var state = stored.State;
        foreach (var log in result?.Logs ?? []) output.Note($"log {log.Level} {log.NodeId}: {CliOutput.OneLine(log.Message)}");
        foreach (var entry in result?.Journal ?? [])
            output.Note($"  {entry.NodeId}  {entry.ActivityType}  {entry.Outcome}  {entry.Duration.TotalMilliseconds:0.0} ms{(entry.Error is { } error ? "  " + CliOutput.OneLine(error) : "")}");
        switch (state.Status)
        {
            case FlowStatus.Finished:
                output.WriteJson(output.Out, new JsonObject(state.Output.Select(o => KeyValuePair.Create(o.Key, o.Value?.DeepClone()))));
                return ExitCodes.Ok;
            case FlowStatus.Suspended:
                var waits = store.WaitsFor(state);
                output.WriteJson(output.Out, new JsonObject
                {
                    ["instanceId"] = instanceId,
                    ["status"] = "suspended",
                    ["waitingFor"] = new JsonArray(state.Bookmarks.Select(b => (JsonNode)JsonValue.Create(store.Registry.DescribeWait(b))!).ToArray()),
                });
                output.Note($"instance {instanceId} is suspended: {waits}");
                output.Note($"continue with: flowc resume {instanceId} --store {storeSpec} (--event <name> [--correlation <id>] | --callback <token> | --timers) [--payload '<json>']");
                return ExitCodes.Suspended;
            case FlowStatus.Running:
                output.Note($"instance {instanceId} is still running in another process; look again later");
                return ExitCodes.Suspended;
            default:
                output.Error(state.Fault?.ToString() ?? $"the flow ended {state.Status.ToString().ToLowerInvariant()}");
                return ExitCodes.Failed;
        }
    }
}
