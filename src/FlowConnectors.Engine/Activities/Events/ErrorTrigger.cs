using System.Text.Json.Nodes;
using FlowConnectors.Engine.Stimuli;

namespace FlowConnectors.Engine.Activities.Events;

/// <summary>
/// The start of an error flow: another flow names this one as its <c>errorFlow</c>, and when an instance of it faults
/// with nothing to handle the fault, the host starts this flow once with the fault (<see cref="FlowFaultReport"/>).
/// Registers no trigger of its own: the faulting flow's setting decides who hears about it.
/// </summary>
[Activity("ErrorTrigger", Category = "Events", DisplayName = "Error Trigger", Trigger = true,
    Description = "Starts the flow when an instance of a flow whose error flow this is faults and nothing handled it. Outputs the fault: flow, node, message, instance (id and link) and the inputs with secrets redacted.")]
internal sealed class ErrorTrigger : Activity
{
    [Output(Description = "The flow that faulted: { id, name, version }.")] public JsonObject Flow { get; private set; } = [];
    [Output(Description = "The instance that faulted: { id, url, correlationId }.")] public JsonObject Instance { get; private set; } = [];
    [Output(Description = "The node that faulted: { id, type }.")] public JsonObject Node { get; private set; } = [];
    [Output(Description = "The fault message.")] public string Message { get; private set; } = "";
    [Output(Description = "When it faulted (ISO 8601).")] public DateTimeOffset FaultedAt { get; private set; }
    [Output(Description = "The faulted instance's inputs; secret inputs and every known secret are masked.")] public JsonObject Input { get; private set; } = [];
    [Output(Description = "Why the instance stopped: fault (a node faulted and nothing handled it), poisoned (its runs kept killing the process, so it was quarantined) or unsaved (its state could not be saved after its run).")]
    public string Reason { get; private set; } = "";
    [Output(Description = "Which fault of the instance this is: 1, then 2 after a retry that faulted again, and so on.")] public int Occurrence { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        // Run by hand (a test run of the draft) there is no fault: the outputs stay empty.
        if (FlowFaultReport.FromPayload(context.TriggerPayload) is { } report)
        {
            Flow = new JsonObject { ["id"] = report.FlowId, ["name"] = report.FlowName, ["version"] = report.FlowVersion };
            Instance = new JsonObject { ["id"] = report.InstanceId, ["url"] = report.InstanceUrl, ["correlationId"] = report.CorrelationId };
            Node = new JsonObject { ["id"] = report.NodeId, ["type"] = report.ActivityType };
            Message = report.Message;
            FaultedAt = report.FaultedAt;
            Input = (JsonObject)report.Input.DeepClone();
            Reason = report.Reason;
            Occurrence = report.Occurrence;
        }
        return ActivityResult.DoneTask;
    }
}
