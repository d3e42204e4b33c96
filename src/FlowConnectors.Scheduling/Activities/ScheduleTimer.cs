using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Scheduling.Activities;

[Activity(TypeName, Category = "Schedule", Trigger = true, DisplayName = "Timer",
    Description = "Starts the flow every interval (00:05:00, PT5M or milliseconds). Use it as the flow's first node; the host's scheduler starts an instance each time it fires.")]
internal sealed class ScheduleTimer : Activity, INodeValidator
{
    public const string TypeName = "Schedule.Timer";

    [Input(Required = true, Description = "How often the flow starts: 00:05:00, PT5M or milliseconds.")]
    public TimeSpan Every { get; set; }

    [Output(Description = "When this run was scheduled to start (UTC).")] public DateTimeOffset FiredAt { get; private set; }
    [Output(Description = "When the next run is scheduled (UTC).")] public DateTimeOffset? NextAt { get; private set; }

    protected override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        (FiredAt, NextAt) = ScheduleInputs.Fire(context, () => ScheduleSpec.ForInterval(Every));
        return ActivityResult.DoneTask;
    }

    public void Validate(NodeValidationContext context) => ScheduleInputs.Validate(context);

    protected override Engine.Stimuli.FlowTrigger? DeclareTrigger(Engine.Flows.FlowDefinition flow, Engine.Flows.FlowNode node, DateTimeOffset now, ICollection<string> problems) =>
        ScheduleTriggers.Declare(flow, node, now, problems);
}
