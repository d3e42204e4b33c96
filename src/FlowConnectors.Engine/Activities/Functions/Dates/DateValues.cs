using System.Globalization;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Activities.Functions.Dates;

/// <summary>
/// Reading dates, time zones and local wall times for the date nodes. Dates are taken as text so
/// the offset the author wrote is kept (the engine's datetime conversion turns every value into UTC).
/// </summary>
internal static class DateValues
{
    public const string DateDescription = "ISO 8601 date and time, e.g. 2026-03-29T09:30:00+02:00, or milliseconds since 1970.";
    public const string ZoneDescription = "IANA time zone such as Europe/Berlin or America/New_York.";

    public static DateTimeOffset Parse(string text, string inputName)
    {
        var trimmed = text.Trim();
        if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
            return FromUnix(ms, 1, inputName);
        if (DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
            return value;
        throw new ActivityFaultException($"{inputName}: '{Preview(text)}' is not a date and time (use ISO 8601, e.g. 2026-11-22T10:00:00Z)");
    }

    public static DateTimeOffset FromUnix(long value, long millisecondsPerUnit, string inputName)
    {
        try { return DateTimeOffset.FromUnixTimeMilliseconds(checked(value * millisecondsPerUnit)); }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            throw new ActivityFaultException($"{inputName}: {value} is outside the supported date range");
        }
    }

    /// <summary>The zone, or null when <paramref name="zone"/> is empty.</summary>
    public static TimeZoneInfo? FindZone(string zone)
    {
        if (string.IsNullOrWhiteSpace(zone)) return null;
        try { return DateHelpers.FindZone(zone.Trim()); }
        catch (ExpressionException e) { throw new ActivityFaultException(e.Message); }
    }

    public static DateTimeOffset InZone(DateTimeOffset value, TimeZoneInfo? zone) =>
        zone is null ? value : TimeZoneInfo.ConvertTime(value, zone);

    /// <summary>
    /// The instant a wall-clock time names in a zone. A time skipped by a DST change moves forward
    /// by the gap (02:30 becomes 03:30); a time that happens twice means the first of them.
    /// </summary>
    public static DateTimeOffset FromLocal(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsAmbiguousTime(local))
            return new DateTimeOffset(local, zone.GetAmbiguousTimeOffsets(local).Max());
        if (zone.IsInvalidTime(local))
        {
            var offsetBefore = zone.GetUtcOffset(local.AddDays(-1));
            return TimeZoneInfo.ConvertTime(new DateTimeOffset(local, offsetBefore), zone);
        }
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    public static string ToIso(DateTimeOffset value) => ValueConverter.FormatDateTime(value);

    /// <summary>Formats as <c>iso</c>, <c>unix</c> (seconds), <c>unixMs</c> or a .NET custom format.</summary>
    public static string Format(DateTimeOffset value, string format)
    {
        switch (format)
        {
            case "" or "iso": return ToIso(value);
            case "unix": return value.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            case "unixMs": return value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        }
        try { return value.ToString(format, CultureInfo.InvariantCulture); }
        catch (FormatException) { throw new ActivityFaultException($"'{format}' is not a valid date format (use iso, unix, unixMs or a .NET format such as yyyy-MM-dd HH:mm)"); }
    }

    private static string Preview(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
