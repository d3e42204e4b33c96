using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Stimuli;

/// <summary>
/// What starts an error flow (README "Error policies and error flows"): an instance of another flow faulted and
/// nothing handled it. The host writes it as the error flow's trigger payload (<see cref="ToPayload"/>) and the
/// Error Trigger node reads it back (<see cref="FromPayload"/>), so both sides share one shape. The input is already
/// redacted: secret inputs masked, every known secret scrubbed.
/// </summary>
public sealed record FlowFaultReport(
    string FlowId, string? FlowName, int FlowVersion, string InstanceId, string InstanceUrl,
    string? NodeId, string? ActivityType, string Message, DateTimeOffset FaultedAt, JsonObject Input, string? CorrelationId,
    string Reason = FlowFaultReport.FaultReason, int Occurrence = 1)
{
    /// <summary>A node (or the flow) faulted and nothing handled it.</summary>
    public const string FaultReason = "fault";
    /// <summary>The host stopped the instance: its runs kept killing the process (crash-loop quarantine).</summary>
    public const string PoisonedReason = "poisoned";
    /// <summary>The host stopped the instance: its state could not be saved after its run.</summary>
    public const string UnsavedReason = "unsaved";

    /// <summary>The instance property an error flow's instance carries: the id of the instance whose fault started it.</summary>
    public const string ErrorFlowOfProperty = "errorFlow.of";

    public JsonObject ToPayload() => new()
    {
        ["fault"] = new JsonObject
        {
            ["flow"] = new JsonObject { ["id"] = FlowId, ["name"] = FlowName, ["version"] = FlowVersion },
            ["instance"] = new JsonObject { ["id"] = InstanceId, ["url"] = InstanceUrl, ["correlationId"] = CorrelationId },
            ["node"] = new JsonObject { ["id"] = NodeId, ["type"] = ActivityType },
            ["message"] = Message,
            ["faultedAt"] = Values.ValueConverter.FormatDateTime(FaultedAt),
            ["input"] = Input.DeepClone(),
            ["reason"] = Reason,
            ["occurrence"] = Occurrence,
        },
    };

    /// <summary>Reads a payload written by <see cref="ToPayload"/>; null when the payload is something else.</summary>
    public static FlowFaultReport? FromPayload(JsonNode? payload)
    {
        if (payload?["fault"] is not JsonObject fault || fault["flow"] is not JsonObject flow || fault["instance"] is not JsonObject instance) return null;
        var node = fault["node"] as JsonObject;
        return new FlowFaultReport(
            (string?)flow["id"] ?? "", (string?)flow["name"], flow["version"] is JsonValue v && v.TryGetValue(out int version) ? version : 0,
            (string?)instance["id"] ?? "", (string?)instance["url"] ?? "",
            (string?)node?["id"], (string?)node?["type"], (string?)fault["message"] ?? "",
            DateTimeOffset.TryParse((string?)fault["faultedAt"], System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : default,
            fault["input"] as JsonObject ?? [], (string?)instance["correlationId"],
            (string?)fault["reason"] ?? FaultReason, fault["occurrence"] is JsonValue o && o.TryGetValue(out int occurrence) ? occurrence : 1);
    }
}
