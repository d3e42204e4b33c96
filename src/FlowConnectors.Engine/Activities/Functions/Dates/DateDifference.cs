namespace FlowConnectors.Engine.Activities.Functions.Dates;

[Activity("Date.Difference", Category = "Date & Time", DisplayName = "Date Difference",
    Description = "How much time lies from start to end (negative when end is earlier). Months and years count whole calendar months and years.")]
internal sealed class DateDifference : Activity
{
    [Input(Required = true, Description = DateValues.DateDescription)]
    public string Start { get; set; } = "";

    [Input(Required = true, Description = DateValues.DateDescription)]
    public string End { get; set; } = "";

    [Input]
    public DateUnit Unit { get; set; } = DateUnit.Days;

    [Output] public double Result { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var start = DateValues.Parse(Start, "start");
        var end = DateValues.Parse(End, "end");
        var elapsed = end - start;
        Result = Unit switch
        {
            DateUnit.Milliseconds => elapsed.TotalMilliseconds,
            DateUnit.Seconds => elapsed.TotalSeconds,
            DateUnit.Minutes => elapsed.TotalMinutes,
            DateUnit.Hours => elapsed.TotalHours,
            DateUnit.Days => elapsed.TotalDays,
            DateUnit.Weeks => elapsed.TotalDays / 7,
            DateUnit.Months => WholeMonths(start, end),
            _ => Math.Truncate(WholeMonths(start, end) / 12.0),
        };
        return ActivityResult.DoneTask;
    }

    /// <summary>Completed calendar months, counted on the start's wall clock.</summary>
    private static int WholeMonths(DateTimeOffset start, DateTimeOffset end)
    {
        end = end.ToOffset(start.Offset);
        var months = (end.Year - start.Year) * 12 + end.Month - start.Month;
        if (months > 0 && start.AddMonths(months) > end) months--;
        else if (months < 0 && start.AddMonths(months) < end) months++;
        return months;
    }
}
