using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Values;

/// <summary>
/// JSON objects known to hold exactly the text of a parsed element (a response body, or a copy of one the engine made
/// for another place in a run's values), remembered with that element, so a copy is a new object over the same text
/// (64 bytes) instead of a node and a name per member, and a script reads the text instead of materialized nodes.
/// <para>The ownership rule: a remembered object is a run value (a node's outputs, a flow's outputs, an input the
/// engine bound), and run values are never changed in place (see <see cref="JsonValues"/>); copies that leave a run
/// (<see cref="Runtime.FlowRunResult.OutputsAsJson"/>), which their owner may change, are never remembered. The
/// document behind the element is never disposed (it reads a buffer nobody else holds), so the element stays valid for
/// as long as anything refers to it; the entries' keys are weak, so an entry lives exactly as long as its object.</para>
/// <para>Only elements of documents parsed with the default depth limit (64) are remembered.</para>
/// </summary>
public static class ParsedJson
{
    private static readonly ConditionalWeakTable<JsonObject, StrongBox<JsonElement>> s_parsed = new();

    /// <summary>
    /// The node <see cref="JsonNode.Parse(string, JsonNodeOptions?, JsonDocumentOptions)"/> would give for the element,
    /// backed by it; an object is remembered with it. For a value that becomes a run value (a response body).
    /// </summary>
    public static JsonNode? NodeOf(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Object => Share(element),
        JsonValueKind.Array => JsonArray.Create(element),
        _ => JsonValue.Create(element),
    };

    /// <summary>A new object over <paramref name="element"/> (an object), remembered with it.</summary>
    internal static JsonObject Share(JsonElement element)
    {
        var node = JsonObject.Create(element)!;
        s_parsed.AddOrUpdate(node, new StrongBox<JsonElement>(element));
        return node;
    }

    /// <summary>The parsed element behind <paramref name="value"/>; false for any object not remembered here.</summary>
    internal static bool TryGetElement(JsonNode? value, out JsonElement element)
    {
        if (value is JsonObject o && s_parsed.TryGetValue(o, out var box))
        {
            element = box.Value;
            return true;
        }
        element = default;
        return false;
    }

    /// <summary>
    /// True when no name occurs twice in the parsed object (escapes undone); false when one does or it cannot tell
    /// cheaply (more than 256 members, two names of one hash): the materialized object then decides.
    /// </summary>
    internal static bool HasDistinctNames(JsonElement element)
    {
        var count = element.GetPropertyCount();
        if (count > 256) return false;
        Span<int> hashes = stackalloc int[count];
        Span<char> buffer = stackalloc char[128];
        var n = 0;
        foreach (var property in element.EnumerateObject())
        {
            var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8PropertyName(property);
            var name = raw.IndexOf((byte)'\\') < 0 && raw.Length <= buffer.Length
                ? buffer[..System.Text.Encoding.UTF8.GetChars(raw, buffer)]
                : property.Name.AsSpan();
            var hash = new HashCode();
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(name));
            hashes[n++] = hash.ToHashCode();
        }
        hashes.Sort();
        for (var i = 1; i < n; i++)
            if (hashes[i] == hashes[i - 1]) return false;
        return true;
    }
}
