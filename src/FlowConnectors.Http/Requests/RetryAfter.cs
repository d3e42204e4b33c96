using System.Globalization;

namespace FlowConnectors.Http.Requests;

/// <summary>Reads a Retry-After header (RFC 9110 §10.2.3): delay-seconds or an HTTP date.</summary>
internal static class RetryAfter
{
    /// <summary>The wait the header asks for from <paramref name="now"/>; null when it is neither form.</summary>
    public static TimeSpan? Parse(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        value = value.Trim();
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.FromDays(365).TotalSeconds));
        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return at <= now ? TimeSpan.Zero : at - now;
        return null;
    }
}
