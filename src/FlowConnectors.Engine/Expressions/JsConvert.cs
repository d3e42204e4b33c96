using System.Text.Json.Nodes;
using Jint;
using JintEngine = Jint.Engine;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Expressions;

/// <summary>Converts between the engine's JSON values and Jint values, with depth and size guards.</summary>
internal static class JsConvert
{
    private const int MaxDepth = 64;
    /// <summary>
    /// How deep a value handed to a script may nest. Values the engine holds come from parsers that stop at
    /// 64, so this only stops a value an activity built deeper, before the conversion can exhaust the stack.
    /// </summary>
    internal const int MaxInputDepth = 256;

    /// <summary>
    /// The value as JavaScript. Objects are <see cref="LazyJsonObject"/>s: their members are converted when a script
    /// first touches them, so a script reading two fields of a large body converts those two and not the body.
    /// How deep the value nests is checked here, over all of it, as a full conversion would.
    /// </summary>
    public static JsValue ToJs(JintEngine engine, JsonNode? value)
    {
        CheckDepth(value, 0);
        return ToJsChecked(engine, value);
    }

    /// <summary>As the full conversion refused a value: the same depth bound and message, before the script runs.</summary>
    private static void CheckDepth(JsonNode? value, int depth)
    {
        if (depth > MaxInputDepth || !System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new ExpressionException($"a value nests deeper than {MaxInputDepth} levels");
        // Parsed text nests at most 64 levels (the parser's limit): no need to walk it, which would materialize it.
        if (depth + 64 <= MaxInputDepth && ParsedJson.TryGetElement(value, out _)) return;
        switch (value)
        {
            case JsonObject obj:
                for (var i = 0; i < obj.Count; i++) CheckDepth(obj.GetAt(i).Value, depth + 1);
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) CheckDepth(array[i], depth + 1);
                break;
        }
    }

    /// <summary>A value whose depth was checked: objects stay lazy, arrays are built (their objects lazy).</summary>
    internal static JsValue ToJsChecked(JintEngine engine, JsonNode? value)
    {
        switch (value)
        {
            case null:
                return JsValue.Null;
            case JsonObject obj:
                return new LazyJsonObject(engine, obj);
            case JsonArray array:
                var items = new JsValue[array.Count];
                for (var i = 0; i < items.Length; i++) items[i] = ToJsChecked(engine, array[i]);
                return new JsArray(engine, items);
            default:
                if (JsonValues.TryGetString(value, out var s)) return JsString.Create(s);
                if (JsonValues.TryGetNumber(value, out var d)) return JsNumber.Create(d);
                return value.GetValueKind() switch
                {
                    System.Text.Json.JsonValueKind.True => JsBoolean.True,
                    System.Text.Json.JsonValueKind.False => JsBoolean.False,
                    _ => JsValue.Null,
                };
        }
    }

    public static JsValue ToJs(JintEngine engine, IReadOnlyDictionary<string, JsonNode?> values)
    {
        var target = new JsObject(engine);
        foreach (var (key, child) in values) target.FastSetDataProperty(key, ToJs(engine, child));
        return target;
    }

    public static JsonNode? FromJs(JsValue value, ScriptLimits limits)
    {
        long size = 0;
        return FromJs(value, limits, 0, ref size);
    }

    /// <summary>Converts a result, counting its size (characters of strings and keys, a few per other value) against the limit.</summary>
    private static JsonNode? FromJs(JsValue value, ScriptLimits limits, int depth, ref long size)
    {
        if (depth > MaxDepth)
            throw new ExpressionException($"the result nests deeper than {MaxDepth} levels or refers to itself");
        if ((size += 4) > limits.MaxResultLength) throw ResultTooLarge(limits);
        switch (value.Type)
        {
            case Types.Undefined:
            case Types.Null:
                return null;
            case Types.Boolean:
                return JsonValue.Create(value.AsBoolean());
            case Types.Number:
                var d = value.AsNumber();
                return double.IsFinite(d) ? JsonValues.FromNumber(d) : null;
            case Types.String:
                var s = value.AsString();
                if (s.Length > limits.MaxStringLength)
                    throw new ExpressionException($"the result is a string of {s.Length:N0} characters, over the limit of {limits.MaxStringLength:N0}");
                if ((size += s.Length) > limits.MaxResultLength) throw ResultTooLarge(limits);
                return JsonValue.Create(s);
            case Types.BigInt:
                return JsonValue.Create(value.ToString());
            case Types.Symbol:
                return null;
        }
        if (value is JsDate date)
            return JsonValue.Create(ValueConverter.FormatDateTime(new DateTimeOffset(date.ToDateTime().ToUniversalTime(), TimeSpan.Zero)));
        if (value is JsArray array)
        {
            var result = new JsonArray();
            var length = array.Length;
            for (uint i = 0; i < length; i++) result.Add(FromJs(array.Get(i), limits, depth + 1, ref size));
            return result;
        }
        // Untouched by the script: its JSON, copied as this conversion would have built it (when that is sure).
        if (value is LazyJsonObject { Untouched: { } source } && MemberPath.TryCopyAt(source, limits, depth, ref size, out var copy))
            return copy;
        if (value is ObjectInstance obj)
        {
            if (obj is Jint.Native.Function.Function) return null;
            var result = new JsonObject();
            foreach (var key in obj.GetOwnPropertyKeys(Types.String))
            {
                var descriptor = obj.GetOwnProperty(key);
                if (!descriptor.Enumerable) continue;
                var child = obj.Get(key);
                if (child is Jint.Native.Function.Function || child.IsUndefined()) continue;
                var name = key.AsString();
                if ((size += name.Length) > limits.MaxResultLength) throw ResultTooLarge(limits);
                result[name] = FromJs(child, limits, depth + 1, ref size);
            }
            return result;
        }
        return JsonValue.Create(value.ToString());
    }

    internal static ExpressionException ResultTooLarge(ScriptLimits limits) =>
        new($"the result is larger than the limit of {limits.MaxResultLength:N0} characters");
}

/// <summary>
/// A JSON object handed to a script. Its own properties are converted from the JSON when the script first touches
/// the object in any way that looks at them (Jint calls <see cref="Initialize"/> before every own-property read,
/// write, delete, key listing or definition); until then it holds the JSON only. After that it is an ordinary
/// object with the same properties, in the same order, a full conversion gives; its object members are lazy in turn.
/// The JSON is only read, never changed: what a script does to the object stays in JavaScript.
/// </summary>
internal sealed class LazyJsonObject : ObjectInstance
{
    private JsonObject? _source;
    // Parsed text the object reads directly when its source is remembered with it (ParsedJson): no node is made per
    // member, only the JavaScript values.
    private System.Text.Json.JsonElement _parsed;
    private bool _untouched = true;

    public LazyJsonObject(JintEngine engine, JsonObject source) : base(engine) => _source = source;

    private LazyJsonObject(JintEngine engine, System.Text.Json.JsonElement parsed) : base(engine) => _parsed = parsed;

    /// <summary>The JSON while no own property has been looked at or changed; null after that.</summary>
    public JsonObject? Untouched => _untouched ? _source ??= ParsedJson.Share(_parsed) : null;

    protected override void Initialize()
    {
        if (!_untouched) return;
        _untouched = false;
        var source = _source;
        _source = null;
        if (source is null || ParsedJson.TryGetElement(source, out _parsed))
        {
            if (ParsedJson.HasDistinctNames(_parsed))
            {
                foreach (var property in _parsed.EnumerateObject())
                    FastSetDataProperty(property.Name, ToJs(_engine, property.Value));
                return;
            }
            // A name twice: the materialized object decides, as for any other object.
            source ??= ParsedJson.Share(_parsed);
        }
        for (var i = 0; i < source.Count; i++)
        {
            var (key, child) = source.GetAt(i);
            FastSetDataProperty(key, JsConvert.ToJsChecked(_engine, child));
        }
    }

    /// <summary>A parsed value as <see cref="JsConvert.ToJsChecked"/> converts the node the parser would give for it.</summary>
    private static JsValue ToJs(JintEngine engine, System.Text.Json.JsonElement value)
    {
        switch (value.ValueKind)
        {
            case System.Text.Json.JsonValueKind.Object:
                return new LazyJsonObject(engine, value);
            case System.Text.Json.JsonValueKind.Array:
                var items = new JsValue[value.GetArrayLength()];
                var i = 0;
                foreach (var item in value.EnumerateArray()) items[i++] = ToJs(engine, item);
                return new JsArray(engine, items);
            case System.Text.Json.JsonValueKind.String:
                return JsString.Create(value.GetString()!);
            case System.Text.Json.JsonValueKind.Number:
                // In the order JsonValues.TryGetNumber asks a parsed number.
                if (value.TryGetDouble(out var d)) return JsNumber.Create(d);
                if (value.TryGetInt64(out var l)) return JsNumber.Create((double)l);
                if (value.TryGetInt32(out var n)) return JsNumber.Create(n);
                if (value.TryGetDecimal(out var m)) return JsNumber.Create((double)m);
                return JsValue.Null;
            case System.Text.Json.JsonValueKind.True:
                return JsBoolean.True;
            case System.Text.Json.JsonValueKind.False:
                return JsBoolean.False;
            default:
                return JsValue.Null;
        }
    }
}
