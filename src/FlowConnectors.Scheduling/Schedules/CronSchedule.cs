using Cronos;

namespace FlowConnectors.Scheduling;

/// <summary>
/// A cron expression evaluated in a time zone (Cronos). Five fields (minute hour day month weekday)
/// or six (with seconds first) are told apart by counting; macros such as <c>@daily</c> work too.
/// Across daylight-saving changes Cronos follows local time: a time skipped by spring-forward fires
/// at the end of the gap, a time repeated by fall-back fires once.
/// </summary>
public sealed class CronSchedule : ISchedule
{
    private readonly CronExpression _cron;

    public CronSchedule(string expression, string timeZone = "UTC")
    {
        Expression = expression?.Trim() ?? "";
        _cron = Parse(Expression);
        Zone = TimeZones.Find(timeZone);
        TimeZone = timeZone;
    }

    public string Expression { get; }
    public string TimeZone { get; }
    public TimeZoneInfo Zone { get; }

    public DateTimeOffset? NextAfter(DateTimeOffset after) =>
        _cron.GetNextOccurrence(after.ToUniversalTime(), Zone, inclusive: false)?.ToUniversalTime();

    public override string ToString() => $"cron '{Expression}' in {TimeZone}";

    private static CronExpression Parse(string expression)
    {
        if (expression.Length == 0)
            throw new ScheduleFormatException("expression", "a cron expression is required, e.g. '0 23 * * *'");
        var fields = expression.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        var format = expression.StartsWith('@') ? CronFormat.Standard : fields switch
        {
            5 => CronFormat.Standard,
            6 => CronFormat.IncludeSeconds,
            _ => throw new ScheduleFormatException("expression",
                $"'{expression}' has {fields} fields; use 5 (minute hour day month weekday) or 6 (second minute hour day month weekday)"),
        };
        try
        {
            return CronExpression.Parse(expression, format);
        }
        catch (CronFormatException e)
        {
            throw new ScheduleFormatException("expression", $"'{expression}' is not a valid cron expression: {e.Message}");
        }
    }
}
