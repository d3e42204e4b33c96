namespace FlowConnectors.Engine.Activities.Control;

[Activity("NoOp", Category = "Control", DisplayName = "No-op", Description = "Does nothing; a place to join lines or leave a comment.")]
internal sealed class NoOp : Activity
{
    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) => ActivityResult.DoneTask;
}
