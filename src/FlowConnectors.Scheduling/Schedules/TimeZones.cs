namespace FlowConnectors.Scheduling;

internal static class TimeZones
{
    /// <summary>Finds an IANA (or Windows) zone id; an unknown or empty id names the field.</summary>
    public static TimeZoneInfo Find(string? id, string field = "timeZone")
    {
        if (string.IsNullOrWhiteSpace(id))
            throw new ScheduleFormatException(field, "a time zone is required, e.g. 'UTC' or 'Europe/Berlin'");
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id.Trim());
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ScheduleFormatException(field, $"unknown time zone '{id}'; use an IANA id such as 'Europe/Berlin' or 'UTC'");
        }
    }
}
