using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Testing;

/// <summary>Lists where two JSON values differ, one line per path, for readable test failures.</summary>
public static class JsonDiff
{
    public static List<string> Compare(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        var differences = new List<string>();
        Walk(expected, actual, path, differences);
        return differences;
    }

    private static void Walk(JsonNode? expected, JsonNode? actual, string path, List<string> differences)
    {
        if (differences.Count >= 20) return;
        switch (expected)
        {
            case JsonObject e when actual is JsonObject a:
                foreach (var (key, value) in e)
                {
                    if (!a.ContainsKey(key)) differences.Add($"{JsonPath.Property(path, key)}: expected {Show(value)} but it is missing");
                    else Walk(value, a[key], JsonPath.Property(path, key), differences);
                }
                foreach (var (key, value) in a)
                    if (!e.ContainsKey(key)) differences.Add($"{JsonPath.Property(path, key)}: unexpected {Show(value)}");
                return;
            case JsonArray e when actual is JsonArray a:
                for (var i = 0; i < Math.Max(e.Count, a.Count); i++)
                {
                    if (i >= a.Count) differences.Add($"{JsonPath.Index(path, i)}: expected {Show(e[i])} but the array ends");
                    else if (i >= e.Count) differences.Add($"{JsonPath.Index(path, i)}: unexpected {Show(a[i])}");
                    else Walk(e[i], a[i], JsonPath.Index(path, i), differences);
                }
                return;
        }
        if (JsonValues.TryGetNumber(expected, out var x) && JsonValues.TryGetNumber(actual, out var y) && x == y) return;
        if (!JsonNode.DeepEquals(expected, actual)) differences.Add($"{path}: expected {Show(expected)} but was {Show(actual)}");
    }

    private static string Show(JsonNode? value)
    {
        var text = value?.ToJsonString() ?? "null";
        return text.Length > 80 ? text[..80] + "…" : text;
    }
}
