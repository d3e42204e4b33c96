using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Server.Hosting.Contracts;

namespace FlowConnectors.Server.Endpoints;

/// <summary>One line of GET /api/instances.</summary>
internal sealed record InstanceSummaryResponse(string InstanceId, string FlowId, int FlowVersion, [property: JsonConverter(typeof(InstanceStatusJson))] FlowStatus Status, string? CorrelationId, string? Fault,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static InstanceSummaryResponse Of(InstanceSummary s) =>
        new(s.InstanceId, s.FlowId, s.FlowVersion, s.Status, s.CorrelationId, s.Fault, s.CreatedAt, s.UpdatedAt);
}

/// <summary>GET /api/instances/{id}: state, what it waits for, what runs next, whether it can be retried, and who changed it.</summary>
internal sealed record InstanceDetails(
    string InstanceId, string FlowId, int FlowVersion, [property: JsonConverter(typeof(InstanceStatusJson))] FlowStatus Status, string? CorrelationId,
    Dictionary<string, JsonNode?> Outputs, Dictionary<string, JsonNode?> Variables, NodeFault? Fault,
    InstanceWait[] WaitingFor, string[] PendingNodes, InstanceRetryPoint? Retry, InstanceChange[] History,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static InstanceDetails Of(StoredInstance stored, FlowDefinition? flow, ActivityRegistry registry)
    {
        var state = stored.State;
        return new(
            state.InstanceId, state.FlowId, stored.FlowVersion, state.Status, state.CorrelationId,
            state.Output.ToDictionary(o => o.Key, o => o.Value?.DeepClone(), StringComparer.Ordinal),
            state.Variables.ToDictionary(v => v.Key, v => v.Value?.DeepClone(), StringComparer.Ordinal),
            state.Fault is null ? null : new NodeFault(state.Fault.NodeId, state.Fault.Message),
            // What a suspended instance waits for, in words from the stimulus the waiting activity declared; callback
            // tokens are credentials, so a secret stimulus shows no payload.
            [.. state.Bookmarks.Select(b => new InstanceWait(b.NodeId, flow?.FindNode(b.NodeId)?.Type, b.Name, registry.DescribeWait(b),
                registry.ReadStimulus(b)?.IsSecret == true ? null : b.Payload?.DeepClone()))],
            // The nodes about to run (or running) when the instance was last saved.
            state.Status == FlowStatus.Running ? [.. state.Queue.Select(w => w.NodeId).Distinct(StringComparer.Ordinal)] : [],
            // A faulted instance that can be retried from its failed node (POST /api/instances/{id}/retry), and what runs again.
            state.Status == FlowStatus.Faulted && state.Retry is { Work.Count: > 0 } point
                ? new InstanceRetryPoint(point.Work[0].NodeId, [.. point.Work.Skip(1).Select(w => w.NodeId)])
                : null,
            // Changes made from outside the run (retry, cancel, alter) and who made them.
            [.. state.History ?? []],
            state.CreatedAt, state.UpdatedAt);
    }
}

/// <summary>An instance's status as the API writes it: running, suspended, finished, faulted or cancelled.</summary>
internal sealed class InstanceStatusJson() : JsonStringEnumConverter<FlowStatus>(JsonNamingPolicy.CamelCase, allowIntegerValues: false);

/// <summary>Where a run stopped with a fault, and why.</summary>
internal sealed record NodeFault(string? NodeId, string Message);

internal sealed record InstanceWait(string NodeId, string? ActivityType, string Name, string Description, JsonNode? Payload);

internal sealed record InstanceRetryPoint(string FailedNode, string[] UnfinishedNodes);

internal sealed record InstanceCancelled(string InstanceId, string Status);

/// <summary>A stored stimulus given up on (too many failed attempts, or undeliverable).</summary>
internal sealed record DeadLetter(long Id, string Kind, DateTimeOffset ReceivedAt, int Attempts, string? Error, string? InstanceId)
{
    public static DeadLetter Of(InboxMessage m) => new(m.Id, m.Kind, m.ReceivedAt, m.Attempts, m.Error, m.InstanceId);
}

/// <summary>POST /api/events: resumes every Wait for Event with this name and correlation id.</summary>
[RunInputDepth]
internal sealed record EventRequest : JsonRequest<EventRequest>
{
    [Required(ErrorMessage = "required"), MinLength(1, ErrorMessage = "required")]
    public string? Event { get; init; }

    [MaxLength(RunOptions.MaxCorrelationIdLength, ErrorMessage = CorrelationIdRule.TooLong)]
    public string? CorrelationId { get; init; }

    public JsonNode? Payload { get; init; }
}

internal sealed record EventAccepted(bool Accepted, long Delivery);
