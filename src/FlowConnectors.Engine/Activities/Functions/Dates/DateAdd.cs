namespace FlowConnectors.Engine.Activities.Functions.Dates;

[Activity("Date.Add", Category = "Date & Time", DisplayName = "Add to Date",
    Description = "Adds (or with a negative amount, subtracts) time. With a time zone, days, weeks, months and years keep the local time of day across daylight-saving changes.")]
internal sealed class DateAdd : Activity
{
    [Input(Required = true, Description = DateValues.DateDescription)]
    public string Date { get; set; } = "";

    [Input(Required = true, Description = "How many units to add; negative subtracts. Months and years take whole numbers.")]
    public double Amount { get; set; }

    [Input]
    public DateUnit Unit { get; set; } = DateUnit.Days;

    [Input(Description = DateValues.ZoneDescription + " Calendar units follow its wall clock; the result carries its offset.")]
    public string TimeZone { get; set; } = "";

    [Output(Description = "ISO 8601 date and time.")]
    public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var date = DateValues.Parse(Date, "date");
        var zone = DateValues.FindZone(TimeZone);
        if (Unit is DateUnit.Months or DateUnit.Years && Amount != Math.Floor(Amount))
            throw new ActivityFaultException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"amount must be a whole number of {Unit.ToString().ToLowerInvariant()}, got {Amount}"));
        try
        {
            DateTimeOffset result;
            if (Unit is DateUnit.Days or DateUnit.Weeks or DateUnit.Months or DateUnit.Years)
            {
                // Calendar arithmetic happens on the wall clock of the zone (or of the date's own offset).
                if (zone is null) result = AddCalendar(date, Unit, Amount);
                else result = DateValues.FromLocal(AddCalendar(DateValues.InZone(date, zone), Unit, Amount).DateTime, zone);
            }
            else
            {
                result = DateValues.InZone(date + Elapsed(Unit, Amount), zone);
            }
            Result = DateValues.ToIso(result);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new ActivityFaultException("the result is outside the supported date range (years 1 to 9999)");
        }
        return ActivityResult.DoneTask;
    }

    private static DateTimeOffset AddCalendar(DateTimeOffset date, DateUnit unit, double amount) => unit switch
    {
        DateUnit.Days => date.AddDays(amount),
        DateUnit.Weeks => date.AddDays(amount * 7),
        DateUnit.Months => date.AddMonths(checked((int)amount)),
        _ => date.AddYears(checked((int)amount)),
    };

    private static TimeSpan Elapsed(DateUnit unit, double amount)
    {
        var milliseconds = unit switch
        {
            DateUnit.Milliseconds => amount,
            DateUnit.Seconds => amount * 1000,
            DateUnit.Minutes => amount * 60_000,
            _ => amount * 3_600_000,
        };
        if (!double.IsFinite(milliseconds) || Math.Abs(milliseconds) > TimeSpan.MaxValue.TotalMilliseconds)
            throw new ArgumentOutOfRangeException(nameof(amount));
        return TimeSpan.FromMilliseconds(milliseconds);
    }
}
