using System.Globalization;

namespace FlowConnectors.Http.Requests;

/// <summary>Maps a status code to one of the outcomes a SendRequest node declares ("404", "2xx", …).</summary>
internal static class StatusOutcomes
{
    public const string Unmatched = "unmatched";
    public static readonly string[] Defaults = ["2xx", "4xx", "5xx"];

    /// <summary>An exact code (100–599) or a class written <c>Nxx</c>.</summary>
    public static bool IsValid(string entry) =>
        entry.Length == 3 && entry[0] is >= '1' and <= '5' &&
        ((char.IsAsciiDigit(entry[1]) && char.IsAsciiDigit(entry[2])) || entry[1..].Equals("xx", StringComparison.OrdinalIgnoreCase));

    /// <summary>The first entry naming the exact code, else the first naming its class, else <c>unmatched</c>.</summary>
    public static string Pick(IReadOnlyList<string> outcomes, int statusCode)
    {
        var exact = statusCode.ToString(CultureInfo.InvariantCulture);
        foreach (var entry in outcomes)
            if (entry == exact) return entry;
        foreach (var entry in outcomes)
            if (entry.Length == 3 && entry[0] == exact[0] && entry[1..].Equals("xx", StringComparison.OrdinalIgnoreCase)) return entry;
        return Unmatched;
    }
}
