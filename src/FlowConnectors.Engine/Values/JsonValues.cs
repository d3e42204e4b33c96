using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Values;

/// <summary>
/// Small helpers over <see cref="JsonNode"/>, the one value model of the engine. Values held in
/// flow state are shared and must never be mutated in place: copy with <see cref="Copy"/> before
/// placing a value inside a new object or array (a <see cref="JsonNode"/> has a single parent).
/// </summary>
public static class JsonValues
{
    public static JsonNode? Copy(JsonNode? value) => value?.DeepClone();

    /// <summary>
    /// A copy of <paramref name="value"/> for another place in the run's values: objects and arrays are new, leaves
    /// read from parsed text share it (a <see cref="JsonNode.DeepClone"/> copies the parsed text of every such leaf
    /// into a document of its own). Parsed documents behind the engine's values are never disposed while a value
    /// refers to them, so sharing is safe wherever the source value itself may be kept.
    /// </summary>
    /// <para>An object remembered with its parsed text (<see cref="ParsedJson"/>) is copied as a new object over that
    /// text; the copy is remembered too when <paramref name="runValue"/> says it becomes a run value (never changed in
    /// place), and not when it leaves the run, whose owner may change it.</para>
    internal static JsonNode? CopySharingText(JsonNode? value, bool runValue)
    {
        if (ParsedJson.TryGetElement(value, out var parsed))
            return runValue ? ParsedJson.Share(parsed) : JsonObject.Create(parsed);
        switch (value)
        {
            case null:
                return null;
            case JsonObject o:
                var count = o.Count;
                var members = System.Buffers.ArrayPool<KeyValuePair<string, JsonNode?>>.Shared.Rent(count);
                try
                {
                    for (var i = 0; i < count; i++)
                    {
                        var (key, child) = o.GetAt(i);
                        members[i] = new(key, CopySharingText(child, runValue));
                    }
                    return NewObject(members, count);
                }
                finally
                {
                    System.Buffers.ArrayPool<KeyValuePair<string, JsonNode?>>.Shared.Return(members, clearArray: true);
                }
            case JsonArray a:
                var items = new JsonArray();
                for (var i = 0; i < a.Count; i++) items.Add(CopySharingText(a[i], runValue));
                return items;
            default:
                return value is JsonValue v && v.TryGetValue(out JsonElement element) ? JsonValue.Create(element) : value.DeepClone();
        }
    }

    /// <summary>
    /// An object of the first <paramref name="count"/> members, its dictionary made at its size at once (adding
    /// members one by one grows it several times).
    /// </summary>
    internal static JsonObject NewObject(KeyValuePair<string, JsonNode?>[] members, int count) =>
        count == members.Length ? new JsonObject(members) : new JsonObject(new ArraySegment<KeyValuePair<string, JsonNode?>>(members, 0, count));

    public static bool DeepEquals(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    public static bool IsNull(JsonNode? value) =>
        value is null || (value is JsonValue v && v.GetValueKind() == JsonValueKind.Null);

    /// <summary>True when <paramref name="value"/> is a JSON string; <paramref name="text"/> is then its text.</summary>
    public static bool TryGetString(JsonNode? value, out string text)
    {
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            // Parsed text is read from its element: GetValue<string> on it boxes the element first.
            text = v.TryGetValue(out JsonElement element) ? element.GetString()! : v.GetValue<string>();
            return true;
        }
        text = "";
        return false;
    }

    public static bool TryGetNumber(JsonNode? value, out double number)
    {
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            if (v.TryGetValue(out double d)) { number = d; return true; }
            if (v.TryGetValue(out long l)) { number = l; return true; }
            if (v.TryGetValue(out int i)) { number = i; return true; }
            if (v.TryGetValue(out decimal m)) { number = (double)m; return true; }
            if (v.TryGetValue(out JsonElement e) && e.TryGetDouble(out d)) { number = d; return true; }
        }
        number = 0;
        return false;
    }

    /// <summary>
    /// Text for a value as a person reads it: strings as they are, numbers in invariant culture,
    /// objects and arrays as compact JSON, null as the empty string.
    /// </summary>
    public static string ToText(JsonNode? value)
    {
        if (IsNull(value)) return "";
        if (TryGetString(value, out var s)) return s;
        if (value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            return v.GetValueKind() == JsonValueKind.True ? "true" : "false";
        // Numbers, objects and arrays: their JSON text.
        return value!.ToJsonString();
    }

    /// <summary>Truthiness in JavaScript's sense, so If and Filter behave as flow authors expect.</summary>
    public static bool IsTruthy(JsonNode? value)
    {
        if (IsNull(value)) return false;
        if (value is JsonObject or JsonArray) return true;
        var v = (JsonValue)value!;
        return v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => v.GetValue<string>().Length > 0,
            JsonValueKind.Number => TryGetNumber(v, out var d) && d != 0 && !double.IsNaN(d),
            _ => false,
        };
    }

    public static JsonNode FromNumber(double d)
    {
        // Whole numbers stay integers so 3 does not become 3.0 in outputs.
        if (Math.Abs(d) < 9e15 && d == Math.Floor(d)) return JsonValue.Create((long)d);
        return JsonValue.Create(d);
    }

    /// <summary>
    /// Reads a dotted path (<c>a.b[0].c</c>, or <c>a.b.0.c</c>) from a value; null when any step is
    /// missing.
    /// </summary>
    public static JsonNode? GetPath(JsonNode? root, string path)
    {
        var current = root;
        foreach (var segment in ParsePath(path))
        {
            if (current is JsonObject o)
                current = o.TryGetPropertyValue(segment, out var next) ? next : null;
            else if (current is JsonArray a && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
                current = i < a.Count ? a[i] : null;
            else
                return null;
            if (current is null) return null;
        }
        return current;
    }

    /// <summary>As <see cref="GetPath(JsonNode?, string)"/> on parsed JSON: the element at the path, or null when absent or JSON null.</summary>
    public static System.Text.Json.JsonElement? GetPath(System.Text.Json.JsonElement root, string path)
    {
        var current = root;
        foreach (var segment in ParsePath(path))
        {
            if (current.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                if (!current.TryGetProperty(segment, out current)) return null;
            }
            else if (current.ValueKind == System.Text.Json.JsonValueKind.Array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
            {
                if (i >= current.GetArrayLength()) return null;
                current = current[i];
            }
            else
                return null;
        }
        return current.ValueKind is System.Text.Json.JsonValueKind.Null or System.Text.Json.JsonValueKind.Undefined ? null : current;
    }

    /// <summary>Splits <c>a.b[0]["x.y"]</c> into <c>a</c>, <c>b</c>, <c>0</c>, <c>x.y</c>.</summary>
    public static IReadOnlyList<string> ParsePath(string path)
    {
        var parts = new List<string>();
        var i = 0;
        if (path.StartsWith("$.", StringComparison.Ordinal)) i = 2;
        else if (path == "$") return parts;
        var current = new System.Text.StringBuilder();
        while (i < path.Length)
        {
            var c = path[i];
            if (c == '.')
            {
                if (current.Length > 0) { parts.Add(current.ToString()); current.Clear(); }
                i++;
            }
            else if (c == '[')
            {
                if (current.Length > 0) { parts.Add(current.ToString()); current.Clear(); }
                var end = path.IndexOf(']', i);
                if (end < 0) throw new ArgumentException($"path '{path}' has an unclosed '['");
                var inner = path[(i + 1)..end].Trim();
                if (inner.Length >= 2 && (inner[0] == '"' || inner[0] == '\'') && inner[^1] == inner[0])
                    inner = inner[1..^1];
                parts.Add(inner);
                i = end + 1;
            }
            else
            {
                current.Append(c);
                i++;
            }
        }
        if (current.Length > 0) parts.Add(current.ToString());
        return parts;
    }
}
