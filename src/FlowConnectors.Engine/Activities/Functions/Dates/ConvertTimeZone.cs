namespace FlowConnectors.Engine.Activities.Functions.Dates;

[Activity("Date.ConvertTimeZone", Category = "Date & Time", DisplayName = "Convert Time Zone",
    Description = "The same moment written with another time zone's offset, plus its local date and time there.")]
internal sealed class ConvertTimeZone : Activity
{
    [Input(Required = true, Description = DateValues.DateDescription)]
    public string Date { get; set; } = "";

    [Input(Required = true, Description = DateValues.ZoneDescription)]
    public string TimeZone { get; set; } = "";

    [Output(Description = "ISO 8601 with the zone's offset.")]
    public string Result { get; private set; } = "";

    [Output(Description = "The wall-clock time there, without offset (yyyy-MM-ddTHH:mm:ss).")]
    public string Local { get; private set; } = "";

    [Output(Description = "The zone's offset from UTC at that moment, e.g. +02:00.")]
    public string Offset { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var zone = DateValues.FindZone(TimeZone) ?? throw new ActivityFaultException("timeZone must not be empty");
        var converted = TimeZoneInfo.ConvertTime(DateValues.Parse(Date, "date"), zone);
        Result = DateValues.ToIso(converted);
        Local = converted.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        Offset = converted.ToString("zzz", System.Globalization.CultureInfo.InvariantCulture);
        return ActivityResult.DoneTask;
    }
}
