namespace FlowConnectors.Engine.Activities.Control;

[Activity("Join", Category = "Control",
    Description = "Merges branches. 'all' waits for every incoming branch that can still arrive; 'any' continues after the first and absorbs the rest.")]
internal sealed class Join : Activity, IJoinActivity
{
    public enum JoinMode { All, Any }

    [Input(Description = "all or any (a literal).")]
    public JoinMode Mode { get; set; } = JoinMode.All;

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) => ActivityResult.DoneTask;
}
