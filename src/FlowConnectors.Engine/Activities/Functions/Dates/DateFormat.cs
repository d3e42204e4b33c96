namespace FlowConnectors.Engine.Activities.Functions.Dates;

[Activity("Date.Format", Category = "Date & Time", DisplayName = "Format Date",
    Description = "Writes a date as text: iso, unix (seconds), unixMs or a .NET format such as dd.MM.yyyy HH:mm, in a time zone when given.")]
internal sealed class DateFormat : Activity
{
    [Input(Required = true, Description = DateValues.DateDescription)]
    public string Date { get; set; } = "";

    [Input(Description = "iso, unix, unixMs or a .NET custom format (yyyy-MM-dd, MMMM d, yyyy, HH:mm:ss …).")]
    public string Format { get; set; } = "iso";

    [Input(Description = DateValues.ZoneDescription + " Empty keeps the date's own offset.")]
    public string TimeZone { get; set; } = "";

    [Output] public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var date = DateValues.InZone(DateValues.Parse(Date, "date"), DateValues.FindZone(TimeZone));
        Result = DateValues.Format(date, Format.Trim());
        return ActivityResult.DoneTask;
    }
}
