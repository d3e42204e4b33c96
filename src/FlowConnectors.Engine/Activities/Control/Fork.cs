namespace FlowConnectors.Engine.Activities.Control;

[Activity("Fork", Category = "Control",
    Description = "Starts parallel branches: every connection from 'done' runs. (Any outcome with several connections does the same.)")]
internal sealed class Fork : Activity
{
    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) => ActivityResult.DoneTask;
}
