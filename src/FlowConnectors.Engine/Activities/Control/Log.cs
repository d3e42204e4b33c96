namespace FlowConnectors.Engine.Activities.Control;

[Activity("Log", Category = "Control", Description = "Writes a message to the run's log.")]
internal sealed class Log : Activity
{
    public enum LogLevel { Debug, Info, Warning, Error }

    [Input(Required = true)] public string Message { get; set; } = "";
    [Input] public LogLevel Level { get; set; } = LogLevel.Info;

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        context.Log(Level.ToString().ToLowerInvariant(), Message);
        return ActivityResult.DoneTask;
    }
}
