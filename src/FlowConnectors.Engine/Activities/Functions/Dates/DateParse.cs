using System.Globalization;

namespace FlowConnectors.Engine.Activities.Functions.Dates;

[Activity("Date.Parse", Category = "Date & Time", DisplayName = "Parse Date",
    Description = "Reads a date from text, optionally in an exact format; a time without offset is taken in the given time zone (or UTC).")]
internal sealed class DateParse : Activity
{
    [Input(Required = true)]
    public string Text { get; set; } = "";

    [Input(Description = "Exact .NET format such as dd.MM.yyyy HH:mm, or unix / unixMs; empty accepts ISO 8601 and similar.")]
    public string Format { get; set; } = "";

    [Input(Description = DateValues.ZoneDescription + " A time without offset is local time there, daylight saving included.")]
    public string TimeZone { get; set; } = "";

    [Output(Description = "ISO 8601 date and time; in the time zone's offset when one is given.")]
    public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var zone = DateValues.FindZone(TimeZone);
        var text = Text.Trim();
        var format = Format.Trim();
        DateTimeOffset value;
        if (format is "unix" or "unixMs")
        {
            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                throw new ActivityFaultException($"'{Preview(text)}' is not a whole number of {(format == "unix" ? "seconds" : "milliseconds")}");
            value = DateValues.FromUnix(number, format == "unix" ? 1000 : 1, "text");
        }
        else
        {
            value = ParseText(text, format, zone);
        }
        Result = DateValues.ToIso(DateValues.InZone(value, zone));
        return ActivityResult.DoneTask;
    }

    private static DateTimeOffset ParseText(string text, string format, TimeZoneInfo? zone)
    {
        var culture = CultureInfo.InvariantCulture;
        // RoundtripKind tells a written offset (Local/Utc) from none (Unspecified).
        var ok = format.Length == 0
            ? DateTime.TryParse(text, culture, DateTimeStyles.RoundtripKind, out var local)
            : DateTime.TryParseExact(text, format, culture, DateTimeStyles.RoundtripKind, out local);
        if (!ok)
        {
            var expected = format.Length == 0 ? "use ISO 8601, e.g. 2026-11-22T10:00:00 or set 'format'" : $"expected format '{format}'";
            throw new ActivityFaultException($"'{Preview(text)}' is not a date and time ({expected})");
        }
        if (local.Kind == DateTimeKind.Unspecified)
            return zone is null ? new DateTimeOffset(local, TimeSpan.Zero) : DateValues.FromLocal(local, zone);
        var withOffset = format.Length == 0
            ? DateTimeOffset.Parse(text, culture, DateTimeStyles.AssumeUniversal)
            : DateTimeOffset.ParseExact(text, format, culture, DateTimeStyles.AssumeUniversal);
        return withOffset;
    }

    private static string Preview(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
