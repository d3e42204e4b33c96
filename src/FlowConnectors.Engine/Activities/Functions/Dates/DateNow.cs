namespace FlowConnectors.Engine.Activities.Functions.Dates;

[Activity("Date.Now", Category = "Date & Time", DisplayName = "Now",
    Description = "The current date and time, in a time zone when given.")]
internal sealed class DateNow : Activity
{
    [Input(Description = DateValues.ZoneDescription + " Empty means UTC.")]
    public string TimeZone { get; set; } = "";

    [Input(Description = "iso, unix, unixMs or a .NET format such as yyyy-MM-dd HH:mm.")]
    public string Format { get; set; } = "iso";

    [Output(Description = "The current time in the requested format.")]
    public string Result { get; private set; } = "";

    [Output(Description = "The current time as ISO 8601 with the zone's offset.")]
    public string Iso { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var now = DateValues.InZone(context.Clock.GetUtcNow(), DateValues.FindZone(TimeZone));
        Result = DateValues.Format(now, Format);
        Iso = DateValues.ToIso(now);
        return ActivityResult.DoneTask;
    }
}
