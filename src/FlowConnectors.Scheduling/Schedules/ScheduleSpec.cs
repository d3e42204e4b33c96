using System.Globalization;
using System.Text.Json.Nodes;

namespace FlowConnectors.Scheduling;

/// <summary>
/// A schedule as JSON, the form a trigger timer keeps in <c>TimerRecord.Data</c>:
/// <c>{ "kind": "interval", "every": "00:05:00" }</c>,
/// <c>{ "kind": "cron", "expression": "0 23 * * *", "timeZone": "Europe/Berlin" }</c> or
/// <c>{ "kind": "dailyAt", "time": "23:00", "timeZone": "Europe/Berlin" }</c>.
/// <see cref="Parse"/> checks everything and builds <see cref="Schedule"/>; errors name the field.
/// </summary>
public sealed class ScheduleSpec
{
    public const string Interval = "interval";
    public const string Cron = "cron";
    public const string DailyAt = "dailyAt";

    private static readonly string[] Kinds = [Interval, Cron, DailyAt];

    private ScheduleSpec(string kind, TimeSpan? every, DateTimeOffset? anchor, string? expression, TimeOnly? time, string? timeZone, ISchedule schedule)
    {
        Kind = kind;
        Every = every;
        Anchor = anchor;
        Expression = expression;
        Time = time;
        TimeZone = timeZone;
        Schedule = schedule;
    }

    public string Kind { get; }
    public TimeSpan? Every { get; }
    /// <summary>Optional grid origin of an interval schedule.</summary>
    public DateTimeOffset? Anchor { get; }
    public string? Expression { get; }
    public TimeOnly? Time { get; }
    public string? TimeZone { get; }
    public ISchedule Schedule { get; }

    public static ScheduleSpec ForInterval(TimeSpan every, DateTimeOffset? anchor = null) =>
        new(Interval, every, anchor, null, null, null, new IntervalSchedule(every, anchor));

    public static ScheduleSpec ForCron(string expression, string timeZone = "UTC") =>
        new(Cron, null, null, expression, null, timeZone, new CronSchedule(expression, timeZone));

    public static ScheduleSpec ForDailyAt(TimeOnly time, string timeZone = "UTC") =>
        new(DailyAt, null, null, null, time, timeZone, new DailyAtSchedule(time, timeZone));

    /// <summary>Reads and checks a spec; throws <see cref="ScheduleFormatException"/> naming the field.</summary>
    public static ScheduleSpec Parse(JsonObject? json)
    {
        if (json is null) throw new ScheduleFormatException("kind", "a schedule is required");
        var kind = ReadString(json, "kind") ?? throw new ScheduleFormatException("kind", $"a kind is required: {string.Join(", ", Kinds)}");
        string[] allowed = kind switch
        {
            Interval => ["kind", "every", "anchor"],
            Cron => ["kind", "expression", "timeZone"],
            DailyAt => ["kind", "time", "timeZone"],
            _ => throw new ScheduleFormatException("kind", $"unknown kind '{kind}'; use {string.Join(", ", Kinds)}"),
        };
        foreach (var (name, _) in json)
            if (!allowed.Contains(name, StringComparer.Ordinal))
                throw new ScheduleFormatException(name, $"not a setting of a {kind} schedule (it takes {string.Join(", ", allowed.Skip(1))})");
        var timeZone = ReadString(json, "timeZone") ?? "UTC";
        return kind switch
        {
            Interval => ForInterval(ParseInterval(ReadString(json, "every") ?? throw Missing("every", "an interval such as '00:05:00' or 'PT5M'")),
                ReadString(json, "anchor") is { } anchor ? ParseAnchor(anchor) : null),
            Cron => ForCron(ReadString(json, "expression") ?? throw Missing("expression", "a cron expression such as '0 23 * * *'"), timeZone),
            _ => ForDailyAt(ParseTime(ReadString(json, "time") ?? throw Missing("time", "a time of day such as '23:00'")), timeZone),
        };
    }

    /// <summary>The canonical JSON of this spec (what <see cref="Parse"/> reads back).</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["kind"] = Kind };
        if (Every is { } every) json["every"] = every.ToString("c", CultureInfo.InvariantCulture);
        if (Anchor is { } anchor) json["anchor"] = anchor.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
        if (Expression is not null) json["expression"] = Expression;
        if (Time is { } time) json["time"] = FormatTime(time);
        if (TimeZone is not null) json["timeZone"] = TimeZone;
        return json;
    }

    public override string ToString() => Schedule.ToString() ?? Kind;

    /// <summary>'00:05:00', '1.00:00:00' or ISO 8601 'PT5M'; must be positive.</summary>
    public static TimeSpan ParseInterval(string text, string field = "every")
    {
        TimeSpan value;
        if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value))
        {
            try { value = System.Xml.XmlConvert.ToTimeSpan(text); }
            catch (FormatException) { throw new ScheduleFormatException(field, $"'{text}' is not an interval; use '00:05:00' or 'PT5M'"); }
        }
        if (value <= TimeSpan.Zero) throw new ScheduleFormatException(field, $"the interval must be positive, got '{text}'");
        return value;
    }

    /// <summary>'HH:mm' or 'HH:mm:ss', 24-hour clock.</summary>
    public static TimeOnly ParseTime(string text, string field = "time")
    {
        if (TimeOnly.TryParseExact(text.Trim(), ["HH:mm", "H:mm", "HH:mm:ss", "H:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            return time;
        throw new ScheduleFormatException(field, $"'{text}' is not a time of day; use 24-hour 'HH:mm' such as '23:00'");
    }

    internal static string FormatTime(TimeOnly time) =>
        time.ToString(time.Second == 0 ? "HH:mm" : "HH:mm:ss", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseAnchor(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var anchor)
            ? anchor
            : throw new ScheduleFormatException("anchor", $"'{text}' is not a date-time; use ISO 8601 such as '2026-01-01T00:00:00Z'");

    private static ScheduleFormatException Missing(string field, string example) => new(field, $"{field} is required: {example}");

    private static string? ReadString(JsonObject json, string name)
    {
        if (!json.TryGetPropertyValue(name, out var node) || node is null) return null;
        if (node is JsonValue value && value.TryGetValue<string>(out var text)) return text;
        throw new ScheduleFormatException(name, $"must be a string, got {node.ToJsonString()}");
    }
}
