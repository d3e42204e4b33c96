using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Scheduling.Activities;

[Activity(TypeName, Category = "Schedule", Trigger = true, DisplayName = "Cron",
    Description = "Starts the flow on a cron schedule evaluated in a time zone: 5 fields (minute hour day month weekday) or 6 with seconds first. Use it as the flow's first node.")]
internal sealed class ScheduleCron : Activity, INodeValidator
{
    public const string TypeName = "Schedule.Cron";

    [Input(Required = true, Description = "Cron expression, e.g. '0 23 * * *' (23:00 every day) or '*/30 * * * * *' (every 30 seconds).")]
    public string Expression { get; set; } = "";

    [Input(Description = "IANA time zone the expression is read in, e.g. 'Europe/Berlin'.")]
    public string TimeZone { get; set; } = ScheduleInputs.DefaultTimeZone;

    [Output(Description = "When this run was scheduled to start (UTC).")] public DateTimeOffset FiredAt { get; private set; }
    [Output(Description = "When the next run is scheduled (UTC).")] public DateTimeOffset? NextAt { get; private set; }

    protected override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        (FiredAt, NextAt) = ScheduleInputs.Fire(context, () => ScheduleSpec.ForCron(Expression, TimeZone));
        return ActivityResult.DoneTask;
    }

    public void Validate(NodeValidationContext context) => ScheduleInputs.Validate(context);

    protected override Engine.Stimuli.FlowTrigger? DeclareTrigger(Engine.Flows.FlowDefinition flow, Engine.Flows.FlowNode node, DateTimeOffset now, ICollection<string> problems) =>
        ScheduleTriggers.Declare(flow, node, now, problems);
}
