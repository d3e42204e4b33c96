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
    /// <summary>The inbox kind of a pending error-flow start (the outbox row saved with the fault).</summary>
    public const string ErrorFlowKind = "error-flow";

    /// <summary>
    /// The pending error-flow start for an instance that faulted and nothing handled (a handled fault finishes), or
    /// null when none is due: its flow names no error flow, it is a designer test run of a draft (a draft's faults are
    /// the designer's to show, never the production error flow's), or it is itself an error flow's instance (so error
    /// flows cannot start each other in a loop). It is stored in the same transaction as the fault (an outbox row in
    /// the inbox), so a crash between the save and the start cannot lose it; the start is idempotent because the error
    /// flow's instance id is derived from the faulted instance and the fault's occurrence (<see cref="ErrorFlowInstanceId(string, int)"/>).
    /// </summary>
    private InboxMessage? ErrorFlowStartFor(CompiledFlow flow, int flowVersion, FlowInstanceState state, IReadOnlyCollection<string> knownSecrets,
        string reason = FlowFaultReport.FaultReason, FlowFault? hostFault = null)
    {
        if (flow.Definition.ErrorFlow is not { Length: > 0 } errorFlowId || (hostFault ?? state.Fault) is not { } fault || flowVersion == DraftVersion) return null;
        if (state.Properties.TryGetValue(FlowFaultReport.ErrorFlowOfProperty, out var origin))
        {
            logger.LogWarning("instance {Instance} of error flow {Flow} (started for instance {Origin}) faulted: an error flow's fault starts no other error flow",
                state.InstanceId, state.FlowId, origin);
            return null;
        }
        var secrets = knownSecrets.Where(s => s.Length > 0).OrderByDescending(s => s.Length).ToArray();
        var message = ScrubbedText(JsonValue.Create(fault.Message), secrets) ?? fault.Message;
        var occurrence = FaultOccurrence(state);
        var report = new FlowFaultReport(state.FlowId, flow.Definition.Name, flowVersion, state.InstanceId, $"/api/instances/{state.InstanceId}",
            fault.NodeId, fault.ActivityType, message, hostFault is not null || state.UpdatedAt == default ? clock.GetUtcNow() : state.UpdatedAt, RedactedInput(flow, state, secrets),
            state.CorrelationId, reason, occurrence);
        var errorInstanceId = ErrorFlowInstanceId(state.InstanceId, occurrence);
        return new InboxMessage
        {
            Kind = ErrorFlowKind,
            Hash = errorInstanceId,
            InstanceId = state.InstanceId,
            ReceivedAt = clock.GetUtcNow(),
            Payload = new JsonObject { ["errorFlow"] = errorFlowId, ["instanceId"] = errorInstanceId, ["trigger"] = report.ToPayload() },
        };
    }

    /// <summary>Which fault of the instance this is: each retry reopened an earlier one.</summary>
    private static int FaultOccurrence(FlowInstanceState state) => 1 + (state.History?.Count(c => c.Action == "retry") ?? 0);

    /// <summary>
    /// Starts the error flow of a pending start (<see cref="ErrorFlowStartFor"/>) unless it already was: right after the
    /// fault's save, and again from the inbox worker (after a crash, or on another node), where a second start of the
    /// same derived instance id is a no-op. True once the error flow's instance exists.
    /// </summary>
    private async Task<bool> StartPendingErrorFlowAsync(JsonNode? pending)
    {
        if (pending?["errorFlow"]?.GetValue<string>() is not { } errorFlowId || pending["instanceId"]?.GetValue<string>() is not { } errorInstanceId
            || pending["trigger"] is not JsonObject trigger)
            throw new InvalidOperationException("the pending error-flow start is malformed");
        if (await instances.GetAsync(errorInstanceId) is not null) return true;
        var report = FlowFaultReport.FromPayload(trigger);
        try
        {
            await StartAsync(errorFlowId, null, null, new RunOptions
            {
                InstanceId = errorInstanceId,
                TriggerPayload = trigger.DeepClone(),
                Properties = new Dictionary<string, string>(StringComparer.Ordinal) { [FlowFaultReport.ErrorFlowOfProperty] = report?.InstanceId ?? "" },
            }, TimeSpan.Zero, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Another process (or this one's worker) started it first: the store refused the duplicate id.
            if (await instances.GetAsync(errorInstanceId) is not null) return true;
            throw;
        }
        var started = await instances.GetAsync(errorInstanceId) is not null;
        if (started)
            logger.LogInformation("instance {Instance} of flow {Flow} faulted ({Reason}) at node {Node}: error flow {ErrorFlow} started as instance {ErrorInstance}",
                report?.InstanceId, report?.FlowId, report?.Reason, report?.NodeId, errorFlowId, errorInstanceId);
        return started;
    }

    /// <summary>After the fault's save: the error flow starts at once; when that fails the inbox worker starts it later.</summary>
    private async Task StartErrorFlowNowAsync(InboxMessage? pending)
    {
        if (pending is null) return;
        try
        {
            await StartPendingErrorFlowAsync(pending.Payload);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The fault stays on the faulted instance whatever happens here; its run is not failed by its error flow.
            logger.LogWarning("instance {Instance} faulted, but its error flow could not be started yet ({Message}); the inbox worker tries again",
                pending.InstanceId, e.Message);
        }
    }

    /// <summary>The inbox worker's side of a pending error-flow start: processed once the error flow's instance exists.</summary>
    private async Task ProcessErrorFlowStartAsync(InboxMessage message)
    {
        if (await StartPendingErrorFlowAsync(message.Payload))
            await inbox.UpdateAsync(message.Id, InboxStatus.Processed, null, message.Hash);
        else
            // Started here a moment ago by the run itself and not stored yet: look again on the next pass.
            await inbox.SetStatusAsync(message.Id, InboxStatus.Pending, null, null);
    }

    /// <summary>The id of the error-flow instance for the first fault of an instance: a GUID derived from it, the same every time.</summary>
    public static string ErrorFlowInstanceId(string faultedInstanceId) => ErrorFlowInstanceId(faultedInstanceId, 1);

    /// <summary>The id of the error-flow instance for fault number <paramref name="occurrence"/> of an instance (a retry may fault again).</summary>
    public static string ErrorFlowInstanceId(string faultedInstanceId, int occurrence) =>
        new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(occurrence <= 1 ? "error-flow:" + faultedInstanceId : $"error-flow:{faultedInstanceId}:{occurrence}"))
            .AsSpan(0, 16)).ToString("N");

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
