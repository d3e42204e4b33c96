using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Activities.Functions;

/// <summary>Parses a dotted path input, turning a malformed path into a fault that names the input.</summary>
internal static class PathSegments
{
    public static IReadOnlyList<string> Parse(string path, string inputName = "path")
    {
        try { return JsonValues.ParsePath(path); }
        catch (ArgumentException e) { throw new ActivityFaultException($"{inputName}: {e.Message}"); }
    }

    /// <summary>Reads a path, telling a missing value apart from a present null.</summary>
    public static bool TryGet(System.Text.Json.Nodes.JsonNode? root, IReadOnlyList<string> segments, out System.Text.Json.Nodes.JsonNode? value)
    {
        value = root;
        foreach (var segment in segments)
        {
            switch (value)
            {
                case System.Text.Json.Nodes.JsonObject o when o.TryGetPropertyValue(segment, out var next):
                    value = next;
                    break;
                case System.Text.Json.Nodes.JsonArray a when int.TryParse(segment, System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out var index) && index < a.Count:
                    value = a[index];
                    break;
                default:
                    value = null;
                    return false;
            }
        }
        return true;
    }

    /// <summary>The value at a path of an item, or the item itself for an empty path.</summary>
    public static System.Text.Json.Nodes.JsonNode? ValueAt(System.Text.Json.Nodes.JsonNode? item, IReadOnlyList<string> segments) =>
        segments.Count == 0 ? item : TryGet(item, segments, out var value) ? value : null;
}
