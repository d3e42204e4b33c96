using System.Globalization;

namespace FlowConnectors.Engine.Expressions;

/// <summary>Date parsing, formatting and IANA time zones shared by expressions and date nodes.</summary>
public static class DateHelpers
{
    public static DateTimeOffset Parse(string text)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
            return value;
        throw new ExpressionException($"'{Truncate(text)}' is not a date and time (use ISO 8601, e.g. 2026-11-22T10:00:00Z)");
    }

    public static TimeZoneInfo FindZone(string zone)
    {
        try { return TimeZoneInfo.FindSystemTimeZoneById(zone); }
        catch (TimeZoneNotFoundException) { throw new ExpressionException($"unknown time zone '{zone}' (use an IANA name such as Europe/Berlin)"); }
        catch (InvalidTimeZoneException) { throw new ExpressionException($"time zone '{zone}' could not be read"); }
    }

    /// <summary>Formats with a .NET format string (or <c>iso</c>), in a time zone when given.</summary>
    public static string Format(DateTimeOffset value, string? format, string? zone)
    {
        if (!string.IsNullOrEmpty(zone)) value = TimeZoneInfo.ConvertTime(value, FindZone(zone));
        if (string.IsNullOrEmpty(format) || format == "iso") return Values.ValueConverter.FormatDateTime(value);
        try { return value.ToString(format, CultureInfo.InvariantCulture); }
        catch (FormatException) { throw new ExpressionException($"'{format}' is not a valid date format"); }
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
