using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Stimuli;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Runtime;

/// <summary>Error flows (README "Error policies and error flows"), on the one run path.</summary>
public sealed partial class WorkflowHost
{
    /// <summary>
    /// An instance faulted and nothing handled the fault (a handled one finishes): when its flow names an error flow,
    /// that flow starts once with the fault. Never from an error flow's own instance (so error flows cannot start each
    /// other in a loop), nor from a designer test run of a draft. The error flow's instance id is derived from the
    /// faulted instance's, so a second attempt for the same fault (a crash between the save and this start, then
    /// recovery) cannot start a second one: the store refuses the duplicate id.
    /// </summary>
    private async Task StartErrorFlowAsync(CompiledFlow flow, int flowVersion, FlowRunResult result)
    {
        var state = result.State;
        if (flow.Definition.ErrorFlow is not { Length: > 0 } errorFlowId || state.Fault is not { } fault || flowVersion == DraftVersion) return;
        if (state.Properties.TryGetValue(FlowFaultReport.ErrorFlowOfProperty, out var origin))
        {
            logger.LogWarning("instance {Instance} of error flow {Flow} (started for instance {Origin}) faulted: an error flow's fault starts no other error flow",
                state.InstanceId, state.FlowId, origin);
            return;
        }
        var secrets = result.Secrets.Where(s => s.Length > 0).OrderByDescending(s => s.Length).ToArray();
        var message = ScrubbedText(JsonValue.Create(fault.Message), secrets) ?? fault.Message;
        var report = new FlowFaultReport(state.FlowId, flow.Definition.Name, flowVersion, state.InstanceId, $"/api/instances/{state.InstanceId}",
            fault.NodeId, fault.ActivityType, message, state.UpdatedAt, RedactedInput(flow, state, secrets), state.CorrelationId);
        try
        {
            var started = await StartAsync(errorFlowId, null, null, new RunOptions
            {
                InstanceId = ErrorFlowInstanceId(state.InstanceId),
                TriggerPayload = report.ToPayload(),
                Properties = new Dictionary<string, string>(StringComparer.Ordinal) { [FlowFaultReport.ErrorFlowOfProperty] = state.InstanceId },
            }, TimeSpan.Zero, CancellationToken.None);
            logger.LogInformation("instance {Instance} of flow {Flow} faulted at node {Node}: error flow {ErrorFlow} started as instance {ErrorInstance}",
                state.InstanceId, state.FlowId, fault.NodeId, errorFlowId, started.InstanceId);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The fault stays on the faulted instance whatever happens here; its run is not failed by its error flow.
            logger.LogError("instance {Instance} of flow {Flow} faulted, but its error flow {ErrorFlow} could not be started (or was already): {Message}",
                state.InstanceId, state.FlowId, errorFlowId, e.Message);
        }
    }

    /// <summary>The id of the error-flow instance for a faulted instance: a GUID derived from it, the same every time.</summary>
    public static string ErrorFlowInstanceId(string faultedInstanceId) =>
        new Guid(SHA256.HashData(Encoding.UTF8.GetBytes("error-flow:" + faultedInstanceId)).AsSpan(0, 16)).ToString("N");

    /// <summary>The faulted instance's input for the error flow: secret inputs masked, then every secret the run knew scrubbed anywhere.</summary>
    private static JsonObject RedactedInput(CompiledFlow flow, FlowInstanceState state, string[] secrets)
    {
        var input = (JsonObject)state.Input.DeepClone();
        foreach (var parameter in flow.Definition.Inputs)
            if (parameter.Secret && input.ContainsKey(parameter.Name)) input[parameter.Name] = Mask;
        if (secrets.Length > 0) Scrub(input, secrets);
        return input;
    }

    private const string Mask = "***";

    private static void Scrub(JsonNode node, string[] secrets)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                    if (obj[key] is { } child) { if (ScrubbedText(child, secrets) is { } text) obj[key] = text; else Scrub(child, secrets); }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    if (array[i] is { } child) { if (ScrubbedText(child, secrets) is { } text) array[i] = text; else Scrub(child, secrets); }
                break;
        }
    }

    /// <summary>The text of a string value with every secret masked, or null when it is not a string or holds none.</summary>
    private static string? ScrubbedText(JsonNode node, string[] secrets)
    {
        if (node is not JsonValue value || !value.TryGetValue(out string? text)) return null;
        var scrubbed = text;
        foreach (var secret in secrets) scrubbed = scrubbed.Replace(secret, Mask, StringComparison.Ordinal);
        return ReferenceEquals(scrubbed, text) || scrubbed == text ? null : scrubbed;
    }
}
