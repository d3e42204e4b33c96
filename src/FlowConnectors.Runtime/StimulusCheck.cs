using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowConnectors.Runtime;

/// <summary>
/// What a stimulus payload (an event's or a callback's) must be before it is accepted: nested no deeper
/// than the limit, so the instance it resumes can still be saved with it (a state is serialized with a
/// depth limit of 64, and the payload sits a few levels down), and within the size limit.
/// </summary>
public static class StimulusCheck
{
    /// <summary>Null when the payload is fine; otherwise the problem, naming the JSON path where it is.</summary>
    public static (string Path, string Message)? Problem(JsonNode? payload, int maxDepth, long maxBytes, string path = "$.payload")
    {
        if (payload is null) return null;
        if (DeepestPath(payload, path, 0, maxDepth) is { } deep)
            return (deep, $"the payload is nested deeper than {maxDepth} levels");
        long size;
        try { size = JsonSerializer.SerializeToUtf8Bytes(payload).LongLength; }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return (path, "the payload cannot be stored: " + e.Message);
        }
        return size > maxBytes ? (path, $"the payload is larger than {maxBytes:N0} bytes") : null;
    }

    /// <summary>The path of the first container nested deeper than <paramref name="maxDepth"/>; the recursion stops at that depth.</summary>
    private static string? DeepestPath(JsonNode node, string path, int depth, int maxDepth)
    {
        if (node is not (JsonObject or JsonArray)) return null;
        if (depth >= maxDepth) return path;
        if (node is JsonObject o)
        {
            foreach (var (key, child) in o)
                if (child is not null && DeepestPath(child, path + "." + key, depth + 1, maxDepth) is { } found) return found;
        }
        else
        {
            var array = (JsonArray)node;
            for (var i = 0; i < array.Count; i++)
                if (array[i] is { } child && DeepestPath(child, $"{path}[{i}]", depth + 1, maxDepth) is { } found) return found;
        }
        return null;
    }
}
