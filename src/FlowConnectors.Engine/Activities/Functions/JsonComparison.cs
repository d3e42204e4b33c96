using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Activities.Functions;

/// <summary>
/// How function nodes compare values: text ignoring case, numbers by value, everything else by
/// JSON equality. One place so Filter, Find, Sort and Unique agree with each other.
/// </summary>
internal static class JsonComparison
{
    public static bool LooselyEquals(JsonNode? a, JsonNode? b)
    {
        if (JsonValues.IsNull(a) || JsonValues.IsNull(b)) return JsonValues.IsNull(a) && JsonValues.IsNull(b);
        if (JsonValues.TryGetString(a, out var x) && JsonValues.TryGetString(b, out var y))
            return string.Equals(x, y, StringComparison.OrdinalIgnoreCase);
        if (JsonValues.TryGetNumber(a, out var m) && JsonValues.TryGetNumber(b, out var n)) return m == n;
        return JsonValues.DeepEquals(a, b);
    }

    /// <summary>
    /// Orders values: numbers numerically, text ordinally ignoring case, false before true; values
    /// of different kinds order number, text, boolean, object, array, and null always last.
    /// </summary>
    public static int Compare(JsonNode? a, JsonNode? b)
    {
        var (rankA, rankB) = (Rank(a), Rank(b));
        if (rankA != rankB) return rankA.CompareTo(rankB);
        if (JsonValues.TryGetNumber(a, out var m) && JsonValues.TryGetNumber(b, out var n)) return m.CompareTo(n);
        if (JsonValues.TryGetString(a, out var x) && JsonValues.TryGetString(b, out var y))
            return StringComparer.OrdinalIgnoreCase.Compare(x, y);
        if (rankA == BooleanRank) return JsonValues.IsTruthy(a).CompareTo(JsonValues.IsTruthy(b));
        if (rankA == NullRank) return 0;
        return string.CompareOrdinal(a!.ToJsonString(), b!.ToJsonString());
    }

    /// <summary>True when both values can be ordered against each other (two numbers or two texts).</summary>
    public static bool AreOrderable(JsonNode? a, JsonNode? b) =>
        (JsonValues.TryGetNumber(a, out _) && JsonValues.TryGetNumber(b, out _)) ||
        (JsonValues.TryGetString(a, out _) && JsonValues.TryGetString(b, out _));

    private const int BooleanRank = 2;
    private const int NullRank = 5;

    private static int Rank(JsonNode? value) => value switch
    {
        _ when JsonValues.IsNull(value) => NullRank,
        JsonObject => 3,
        JsonArray => 4,
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.Number => 0,
            JsonValueKind.String => 1,
            _ => BooleanRank,
        },
        _ => NullRank,
    };
}
