namespace FlowConnectors.Engine.Activities.Control;

[Activity("Fail", Category = "Control", Description = "Raises an error with a message: the node's 'fault' outcome, or the flow faults.")]
internal sealed class Fail : Activity
{
    [Input(Required = true)]
    public string Message { get; set; } = "";

    // A message expression that gives undefined or "" faulted with .NET's "Exception of type '…ActivityFaultException' was thrown."
    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) =>
        throw new ActivityFaultException(string.IsNullOrWhiteSpace(Message)
            ? $"Fail node '{context.NodeId}' ran without a message (its message was {(Message is null ? "null or undefined" : "empty")})"
            : Message);
}
