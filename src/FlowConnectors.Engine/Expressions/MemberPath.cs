using System.Text.Json;
using System.Text.Json.Nodes;
using Acornima.Ast;
using FlowConnectors.Engine.Values;
using Jint;

namespace FlowConnectors.Engine.Expressions;

/// <summary>
/// An expression that only reads a member path of <c>input</c> or <c>nodes</c>, such as <c>nodes.send.body</c> or
/// <c>input.relative_url</c> (a connector's helper flow is mostly made of these). <see cref="ScriptHost"/> reads such a
/// path from the run's values instead of running the script, when it can tell that the script would give the same
/// result (<see cref="ScriptHost.TryEvaluatePath"/>); otherwise the script runs as any other.
/// </summary>
internal sealed class MemberPath
{
    private MemberPath(string root, string[] names)
    {
        Root = root;
        Names = names;
    }

    /// <summary><c>input</c> or <c>nodes</c>.</summary>
    public string Root { get; }

    /// <summary>The names after the root, in order; at least one.</summary>
    public string[] Names { get; }

    /// <summary>The path the script reads, or null when it does anything else (or is written any other way).</summary>
    public static MemberPath? Of(in Prepared<Script> script)
    {
        if (script.Program is not { } program) return null;
        var body = program.Body;
        if (body.Count != 1 || body[0] is not NonSpecialExpressionStatement statement) return null;
        var names = new List<string>();
        var expression = statement.Expression;
        while (expression is MemberExpression { Computed: false, Optional: false, Property: Identifier property } member)
        {
            names.Add(property.Name);
            expression = member.Object;
        }
        if (names.Count == 0 || expression is not Identifier { Name: "input" or "nodes" } root) return null;
        names.Reverse();
        return new MemberPath(root.Name, names.ToArray());
    }

    /// <summary>
    /// The value a script returning <paramref name="value"/> gives (<see cref="JsConvert.ToJs(Jint.Engine, JsonNode?)"/>
    /// then <see cref="JsConvert.FromJs"/>: new values, numbers as JavaScript writes them back, JSON nulls as missing
    /// ones), built without an engine; false when an object has a key JavaScript would move (one that looks like an
    /// index) or treat apart (<c>__proto__</c>), or when the conversion would stop at a limit (the script then runs and
    /// reports it).
    /// </summary>
    public static bool TryRoundTrip(JsonNode? value, ScriptLimits limits, out JsonNode? result)
    {
        long size = 0;
        // Also well below the script's memory budget, which the conversion in a script counts against.
        var budget = Math.Min(limits.MaxResultLength, Math.Min(1_000_000, limits.MemoryBytes / 64));
        return TryCopy(value, limits, 0, ref size, budget, out result);
    }

    /// <summary>
    /// For <see cref="JsConvert.FromJs"/> of an object a script never touched (<see cref="LazyJsonObject"/>): its JSON
    /// copied as that conversion builds it, counting <paramref name="size"/> from where the conversion stands (which has
    /// already counted this object); false, with <paramref name="size"/> unchanged, when the conversion must decide.
    /// </summary>
    internal static bool TryCopyAt(JsonObject value, ScriptLimits limits, int depth, ref long size, out JsonNode? result)
    {
        var counted = size - 4;
        if (!TryCopy(value, limits, depth, ref counted, limits.MaxResultLength, out result)) return false;
        size = counted;
        return true;
    }

    private static bool TryCopy(JsonNode? value, ScriptLimits limits, int depth, ref long size, long budget, out JsonNode? result)
    {
        result = null;
        if (depth > 64 || (size += 4) > budget) return false;
        switch (value)
        {
            case null:
                return true;
            case JsonObject o:
                var count = o.Count;
                var members = System.Buffers.ArrayPool<KeyValuePair<string, JsonNode?>>.Shared.Rent(count);
                try
                {
                    for (var i = 0; i < count; i++)
                    {
                        var (key, child) = o.GetAt(i);
                        if (key.Length > 0 && char.IsAsciiDigit(key[0]) || key == "__proto__") return false;
                        if ((size += key.Length) > budget || !TryCopy(child, limits, depth + 1, ref size, budget, out var converted)) return false;
                        members[i] = new(key, converted);
                    }
                    result = JsonValues.NewObject(members, count);
                    return true;
                }
                finally
                {
                    System.Buffers.ArrayPool<KeyValuePair<string, JsonNode?>>.Shared.Return(members, clearArray: true);
                }
            case JsonArray a:
                var items = new JsonArray();
                for (var i = 0; i < a.Count; i++)
                {
                    if (!TryCopy(a[i], limits, depth + 1, ref size, budget, out var converted)) return false;
                    items.Add(converted);
                }
                result = items;
                return true;
        }
        // As JsConvert.ToJs reads a value, and JsConvert.FromJs writes the JavaScript value back.
        var leaf = (JsonValue)value;
        if (leaf.TryGetValue(out JsonElement element) && element.ValueKind == JsonValueKind.String
            && System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element) is var raw && raw.IndexOf((byte)'\\') < 0)
        {
            // Parsed text without escapes: its length is that of its UTF-8, and the copy shares the parsed value
            // (its document is never disposed while a node refers to it) instead of holding a new string.
            var length = System.Text.Encoding.UTF8.GetCharCount(raw[1..^1]);
            if (length > limits.MaxStringLength || (size += length) > budget) return false;
            result = JsonValue.Create(element);
            return true;
        }
        if (JsonValues.TryGetString(leaf, out var text))
        {
            if (text.Length > limits.MaxStringLength || (size += text.Length) > budget) return false;
            result = JsonValue.Create(text);
            return true;
        }
        if (JsonValues.TryGetNumber(leaf, out var number))
        {
            result = double.IsFinite(number) ? JsonValues.FromNumber(number) : null;
            return true;
        }
        result = leaf.GetValueKind() switch
        {
            JsonValueKind.True => JsonValue.Create(true),
            JsonValueKind.False => JsonValue.Create(false),
            _ => null,
        };
        return true;
    }
}
