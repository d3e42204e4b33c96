namespace FlowConnectors.Engine.Activities.Control;

[Activity("Fail", Category = "Control", Description = "Raises an error with a message: the node's 'fault' outcome, or the flow faults.")]
internal sealed class Fail : Activity
{
    [Input(Required = true)]
    public string Message { get; set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) =>
        throw new ActivityFaultException(Message);
}
