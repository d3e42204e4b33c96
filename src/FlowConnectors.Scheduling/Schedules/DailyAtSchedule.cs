namespace FlowConnectors.Scheduling;

/// <summary>
/// Fires once a day at a wall-clock time in a time zone (e.g. 23:00 Europe/Berlin is 21:00 UTC in
/// summer and 22:00 UTC in winter). On a spring-forward day when the time does not exist it fires
/// at the first valid instant after the gap; on a fall-back day when it occurs twice it fires once,
/// at the first occurrence.
/// </summary>
public sealed class DailyAtSchedule : ISchedule
{
    public DailyAtSchedule(TimeOnly time, string timeZone = "UTC")
    {
        Time = time;
        Zone = TimeZones.Find(timeZone);
        TimeZone = timeZone;
    }

    public TimeOnly Time { get; }
    public string TimeZone { get; }
    public TimeZoneInfo Zone { get; }

    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        var localDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(after, Zone).DateTime);
        // Start a day early: the local date of 'after' may already be past today's occurrence in UTC terms.
        for (var day = localDate.AddDays(-1); day <= localDate.AddDays(2); day = day.AddDays(1))
        {
            var occurrence = OccurrenceOn(day);
            if (occurrence > after) return occurrence;
        }
        return null; // unreachable for real zones: some day within three has an occurrence after 'after'
    }

    /// <summary>The one instant this schedule fires on a local date.</summary>
    public DateTimeOffset OccurrenceOn(DateOnly date)
    {
        var local = date.ToDateTime(Time, DateTimeKind.Unspecified);
        if (Zone.IsInvalidTime(local)) return EndOfGap(local);
        if (Zone.IsAmbiguousTime(local))
        {
            // Twice on a fall-back day: the first occurrence has the larger (daylight) offset.
            var offset = Zone.GetAmbiguousTimeOffsets(local).Max();
            return new DateTimeOffset(local, offset).ToUniversalTime();
        }
        return new DateTimeOffset(local, Zone.GetUtcOffset(local)).ToUniversalTime();
    }

    /// <summary>
    /// The first instant whose local time is at or after <paramref name="local"/>, which lies in a
    /// spring-forward gap: that is the transition itself. Local time only moves forward around a
    /// gap, so a binary search over UTC instants finds it.
    /// </summary>
    private DateTimeOffset EndOfGap(DateTime local)
    {
        var guess = new DateTimeOffset(local, TimeSpan.Zero);
        long lo = (guess - TimeSpan.FromHours(18)).UtcTicks, hi = (guess + TimeSpan.FromHours(18)).UtcTicks;
        while (lo < hi)
        {
            var mid = lo + (hi - lo) / 2;
            var wall = TimeZoneInfo.ConvertTime(new DateTimeOffset(mid, TimeSpan.Zero), Zone).DateTime;
            if (wall >= local) hi = mid; else lo = mid + 1;
        }
        return new DateTimeOffset(lo, TimeSpan.Zero);
    }

    public override string ToString() => $"daily at {Time:HH\\:mm} in {TimeZone}";
}
