using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Scheduling.Activities;

[Activity(TypeName, Category = "Schedule", Trigger = true, DisplayName = "Daily at",
    Description = "Starts the flow once a day at a local time in a time zone (e.g. 23:00 Europe/Berlin), following daylight-saving changes: a time skipped in spring fires right after the gap, a time repeated in autumn fires once. Use it as the flow's first node.")]
internal sealed class ScheduleDailyAt : Activity, INodeValidator
{
    public const string TypeName = "Schedule.DailyAt";

    [Input(Required = true, Description = "Local time of day, 24-hour 'HH:mm', e.g. '23:00'.")]
    public string Time { get; set; } = "";

    [Input(Description = "IANA time zone of the local time, e.g. 'Europe/Berlin'.")]
    public string TimeZone { get; set; } = ScheduleInputs.DefaultTimeZone;

    [Output(Description = "When this run was scheduled to start (UTC).")] public DateTimeOffset FiredAt { get; private set; }
    [Output(Description = "When the next run is scheduled (UTC).")] public DateTimeOffset? NextAt { get; private set; }

    protected override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        (FiredAt, NextAt) = ScheduleInputs.Fire(context, () => ScheduleSpec.ForDailyAt(ScheduleSpec.ParseTime(Time), TimeZone));
        return ActivityResult.DoneTask;
    }

    public void Validate(NodeValidationContext context) => ScheduleInputs.Validate(context);

    protected override Engine.Stimuli.FlowTrigger? DeclareTrigger(Engine.Flows.FlowDefinition flow, Engine.Flows.FlowNode node, DateTimeOffset now, ICollection<string> problems) =>
        ScheduleTriggers.Declare(flow, node, now, problems);
}
