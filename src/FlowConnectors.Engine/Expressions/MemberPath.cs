using System.Text.Json;
using System.Text.Json.Nodes;
using Acornima.Ast;
using FlowConnectors.Engine.Values;
using Jint;

namespace FlowConnectors.Engine.Expressions;

/// <summary>
/// An expression that only reads a member path of <c>input</c> or <c>nodes</c>, such as <c>nodes.send.body</c> or
/// <c>input.relative_url</c>, or one with an empty object for a falsy value, <c>input.query || {}</c> (a connector's
/// helper flow is mostly made of these). <see cref="ScriptHost"/> reads such a
/// path from the run's values instead of running the script, when it can tell that the script would give the same
/// result (<see cref="ScriptHost.TryEvaluatePath"/>); otherwise the script runs as any other.
/// </summary>
internal sealed class MemberPath
{
    private MemberPath(string root, string[] names, bool orEmptyObject)
    {
        Root = root;
        Names = names;
        OrEmptyObject = orEmptyObject;
        RootKey = Jint.Native.JsString.Create(root);
        Keys = Array.ConvertAll(names, name => (Jint.Native.JsValue)Jint.Native.JsString.Create(name));
    }

    /// <summary><see cref="Root"/> and <see cref="Names"/> as property keys, made once per path instead of per read.</summary>
    public Jint.Native.JsValue RootKey { get; }

    /// <inheritdoc cref="RootKey"/>
    public Jint.Native.JsValue[] Keys { get; }

    /// <summary><c>input</c> or <c>nodes</c>.</summary>
    public string Root { get; }

    /// <summary>The names after the root, in order; at least one.</summary>
    public string[] Names { get; }

    /// <summary>
    /// The script is <c>path || {}</c> (a helper's <c>input.query || {}</c>): a falsy value (missing, null, false, 0,
    /// empty text) gives a new empty object, any other value the value itself.
    /// </summary>
    public bool OrEmptyObject { get; }

    /// <summary>The path the script reads, or null when it does anything else (or is written any other way).</summary>
    public static MemberPath? Of(in Prepared<Script> script)
    {
        if (script.Program is not { } program) return null;
        var body = program.Body;
        if (body.Count != 1 || body[0] is not NonSpecialExpressionStatement statement) return null;
        return Of(statement.Expression);
    }

    /// <summary>The path an expression reads (as <see cref="Of(in Prepared{Script})"/>), or null.</summary>
    internal static MemberPath? Of(Expression expression)
    {
        var names = new List<string>();
        var orEmptyObject = false;
        if (expression is LogicalExpression { Operator: Acornima.Operator.LogicalOr, Right: ObjectExpression { Properties.Count: 0 } } or)
        {
            expression = or.Left;
            orEmptyObject = true;
        }
        while (expression is MemberExpression { Computed: false, Optional: false, Property: Identifier property } member)
        {
            names.Add(property.Name);
            expression = member.Object;
        }
        if (names.Count == 0 || expression is not Identifier { Name: "input" or "nodes" } root) return null;
        names.Reverse();
        return new MemberPath(root.Name, names.ToArray(), orEmptyObject);
    }

    /// <summary>
    /// The value a script returning <paramref name="value"/> gives (<see cref="JsConvert.ToJs(Jint.Engine, JsonNode?)"/>
    /// then <see cref="JsConvert.FromJs"/>: new values, numbers as JavaScript writes them back, JSON nulls as missing
    /// ones), built without an engine; false when an object has a key JavaScript would move (one that looks like an
    /// index) or treat apart (<c>__proto__</c>), or when the conversion would stop at a limit (the script then runs and
    /// reports it).
    /// </summary>
    public static bool TryRoundTrip(JsonNode? value, ScriptLimits limits, out JsonNode? result) => TryRoundTrip(value, limits, 0, out result);

    /// <summary><see cref="TryRoundTrip(JsonNode?, ScriptLimits, out JsonNode?)"/> for a value inside a result that already counts <paramref name="counted"/>.</summary>
    public static bool TryRoundTrip(JsonNode? value, ScriptLimits limits, long counted, out JsonNode? result)
    {
        var size = counted;
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
        if (ParsedJson.TryGetElement(value, out var parsed))
        {
            // Parsed text the conversion gives back as it is: a new object over the same text, nothing materialized.
            // Anything the walk is not sure of is copied below, which decides as before.
            var walked = size;
            if (IsRoundTrip(parsed, limits, depth, ref walked, budget))
            {
                size = walked;
                result = ParsedJson.Share(parsed);
                return true;
            }
        }
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
    /// <summary>
    /// True when the members of a parsed object (<paramref name="size"/> and <paramref name="depth"/> already counting
    /// the object itself) convert to JavaScript and back to exactly their text, counted as <see cref="TryCopy"/> counts
    /// them and within its limits: names without escapes, none index-like, <c>__proto__</c> or twice in one object;
    /// strings without escapes; numbers only as JavaScript writes them back (integers of up to 15 digits, not -0).
    /// False when it is not sure; the copy then decides.
    /// </summary>
    private static bool IsRoundTrip(JsonElement element, ScriptLimits limits, int depth, ref long size, long budget)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            if (depth >= 64) return false;
            // Twice the same name (or two names of one hash): the materialized copy decides, as before.
            var count = element.GetPropertyCount();
            if (count > 256) return false;
            Span<int> hashes = stackalloc int[count];
            var n = 0;
            Span<char> buffer = stackalloc char[128];
            foreach (var property in element.EnumerateObject())
            {
                var rawName = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8PropertyName(property);
                // A name is read as JavaScript will have it (escapes undone), to check and count it.
                var name = rawName.IndexOf((byte)'\\') < 0 && rawName.Length <= buffer.Length
                    ? buffer[..System.Text.Encoding.UTF8.GetChars(rawName, buffer)]
                    : property.Name.AsSpan();
                if (name.Length > 0 && char.IsAsciiDigit(name[0]) || name.SequenceEqual("__proto__")) return false;
                var hash = new HashCode();
                hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(name));
                hashes[n++] = hash.ToHashCode();
                if ((size += name.Length) > budget || (size += 4) > budget) return false;
                if (!IsRoundTrip(property.Value, limits, depth + 1, ref size, budget)) return false;
            }
            hashes.Sort();
            for (var i = 1; i < n; i++)
                if (hashes[i] == hashes[i - 1]) return false;
            return true;
        }
        if (element.ValueKind == JsonValueKind.Array)
        {
            if (depth >= 64) return false;
            foreach (var item in element.EnumerateArray())
                if ((size += 4) > budget || !IsRoundTrip(item, limits, depth + 1, ref size, budget)) return false;
            return true;
        }
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element);
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                var length = raw.IndexOf((byte)'\\') < 0 ? System.Text.Encoding.UTF8.GetCharCount(raw[1..^1]) : UnescapedLength(raw);
                return length >= 0 && length <= limits.MaxStringLength && (size += length) <= budget;
            case JsonValueKind.Number:
                var digits = raw[0] == (byte)'-' ? raw[1..] : raw;
                if (digits.Length is 0 or > 15 || digits[0] == (byte)'0' && (digits.Length > 1 || raw.Length > 1)) return false;
                foreach (var b in digits)
                    if (!char.IsAsciiDigit((char)b)) return false;
                return true;
            default:
                return true;
        }
    }

    /// <summary>The length in UTF-16 of a parsed string with escapes, its text undone without a string; -1 when invalid.</summary>
    private static int UnescapedLength(ReadOnlySpan<byte> quoted)
    {
        var rented = quoted.Length > 256 ? System.Buffers.ArrayPool<char>.Shared.Rent(quoted.Length) : null;
        Span<char> buffer = rented is not null ? rented : stackalloc char[256];
        try
        {
            var reader = new Utf8JsonReader(quoted);
            reader.Read();
            return reader.CopyString(buffer);
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<char>.Shared.Return(rented);
        }
    }
}
