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

    public static JsValue ToJs(JintEngine engine, JsonNode? value) => ToJs(engine, value, 0);

    private static JsValue ToJs(JintEngine engine, JsonNode? value, int depth)
    {
        if (depth > MaxInputDepth || !System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new ExpressionException($"a value nests deeper than {MaxInputDepth} levels");
        switch (value)
        {
            case null:
                return JsValue.Null;
            case JsonObject obj:
                var target = new JsObject(engine);
                foreach (var (key, child) in obj) target.FastSetDataProperty(key, ToJs(engine, child, depth + 1));
                return target;
            case JsonArray array:
                var items = new JsValue[array.Count];
                for (var i = 0; i < items.Length; i++) items[i] = ToJs(engine, array[i], depth + 1);
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

    private static ExpressionException ResultTooLarge(ScriptLimits limits) =>
        new($"the result is larger than the limit of {limits.MaxResultLength:N0} characters");
}
