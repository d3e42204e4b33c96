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

    /// <summary>True when <see cref="ToJs(JintEngine, JsonNode?)"/> takes the value (false: it would refuse it as too deep).</summary>
    internal static bool IsWithinInputDepth(JsonNode? value)
    {
        try
        {
            CheckDepth(value, 0);
            return true;
        }
        catch (ExpressionException)
        {
            return false;
        }
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
        // An invalid date is null, as JSON.stringify makes it (Date.prototype.toJSON), and so is one past the year 9999 (which
        // .NET cannot hold): Jint's conversion throws for both, and that was a fault reading "RangeError: Exception of type
        // 'Jint.Runtime.JavaScriptException' was thrown".
        if (value is JsDate date)
        {
            DateTime time;
            try { time = date.ToDateTime(); }
            catch (Jint.Runtime.JavaScriptException) { return null; }
            return JsonValue.Create(ValueConverter.FormatDateTime(new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero)));
        }
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
/// A JSON object handed to a script. Until a script lists, writes, deletes or defines one of its own properties, it
/// answers reads of one property at a time from the JSON (<see cref="TryGetOwnPropertyValue"/>, the lane Jint reads
/// <c>o.name</c> and <c>o["name"]</c> through), keeping each value it hands out so a second read gives the same one.
/// Anything else (Jint calls <see cref="Initialize"/> before every other own-property look, write, delete, key listing
/// or definition) fills all of its own properties from the JSON, in the JSON's order, the values already read among
/// them; after that it is an ordinary object with the same properties, in the same order, a full conversion gives.
/// Its object members are lazy in turn. The JSON is only read, never changed: what a script does stays in JavaScript.
/// </summary>
internal sealed class LazyJsonObject : ObjectInstance
{
    // How many distinct names (and how many misses) are answered one at a time before the object is filled: a script
    // reading most members or probing in a loop gets the ordinary object, not a search of the JSON per read.
    private const int MaxSingleReads = 8;

    private JsonObject? _source;
    // Parsed text the object reads directly when its source is remembered with it (ParsedJson): no node is made per
    // member, only the JavaScript values.
    private System.Text.Json.JsonElement _parsed;
    private bool _untouched = true;
    private bool _filled;
    private Lookup _lookup;
    // The values read one at a time so far, by name: the first in fields (most objects a script reads are read for
    // one member), the others in small arrays.
    private string? _firstName;
    private JsValue? _firstValue;
    private string[]? _readNames;
    private JsValue[]? _readValues;
    private int _reads;
    private int _misses;

    private enum Lookup : byte { Undecided, Parsed, Nodes, None }

    public LazyJsonObject(JintEngine engine, JsonObject source) : base(engine) => _source = source;

    private LazyJsonObject(JintEngine engine, System.Text.Json.JsonElement parsed) : base(engine) => _parsed = parsed;

    /// <summary>
    /// The JSON while the object is as the JSON says: no own property changed, listed or defined, and no object member
    /// handed to a script (which could change it); null after that.
    /// </summary>
    public JsonObject? Untouched => _untouched ? _source ??= ParsedJson.Share(_parsed) : null;

    /// <summary>True once all own properties were filled from the JSON (tests of the one-at-a-time reads).</summary>
    internal bool Filled => _filled;

    /// <summary>
    /// A read of one own property. Before the object is filled, a string name is looked up in the JSON (a symbol is
    /// never an own property of JSON); the answer is what <see cref="GetOwnProperty"/> of the filled object gives.
    /// </summary>
    protected override bool TryGetOwnPropertyValue(JsValue property, JsValue receiver, out JsValue value)
    {
        if (!_filled && _lookup != Lookup.None)
        {
            if (property is JsSymbol)
            {
                value = Undefined;
                return false;
            }
            if (property is JsString && TryReadOne(property.ToString(), out value, out var found)) return found;
        }
        return base.TryGetOwnPropertyValue(property, receiver, out value);
    }

    /// <summary>False when the object should be filled instead (names twice in its text, or too many reads).</summary>
    private bool TryReadOne(string name, out JsValue value, out bool found)
    {
        if (Read(name) is { } read)
        {
            value = read;
            found = true;
            return true;
        }
        value = Undefined;
        found = false;
        if (_lookup == Lookup.Undecided) _lookup = Decide();
        if (_lookup == Lookup.None || _reads == MaxSingleReads || _misses == MaxSingleReads) return false;
        if (_lookup == Lookup.Parsed)
        {
            if (!_parsed.TryGetProperty(name, out var member))
            {
                _misses++;
                return true;
            }
            value = ToJs(_engine, member);
        }
        else
        {
            if (!_source!.TryGetPropertyValue(name, out var child))
            {
                _misses++;
                return true;
            }
            value = JsConvert.ToJsChecked(_engine, child);
        }
        // A string, number, boolean or null cannot be changed; an object or array handed out can.
        if (value is ObjectInstance) _untouched = false;
        if (_reads == 0)
        {
            _firstName = name;
            _firstValue = value;
        }
        else
        {
            if (_readNames is null || _readNames.Length == _reads - 1)
            {
                Array.Resize(ref _readNames, _readNames is null ? 3 : MaxSingleReads - 1);
                Array.Resize(ref _readValues, _readNames.Length);
            }
            _readNames[_reads - 1] = name;
            _readValues![_reads - 1] = value;
        }
        _reads++;
        found = true;
        return true;
    }

    private Lookup Decide()
    {
        if (_source is null || ParsedJson.TryGetElement(_source, out _parsed))
            // A name twice: the materialized object decides which value the name has, so the object is filled.
            return ParsedJson.HasDistinctNames(_parsed) ? Lookup.Parsed : Lookup.None;
        return Lookup.Nodes;
    }

    protected override void Initialize()
    {
        _filled = true;
        _untouched = false;
        var source = _source;
        _source = null;
        if (source is null || ParsedJson.TryGetElement(source, out _parsed))
        {
            if (ParsedJson.HasDistinctNames(_parsed))
            {
                foreach (var property in _parsed.EnumerateObject())
                {
                    var name = property.Name;
                    FastSetDataProperty(name, Read(name) ?? ToJs(_engine, property.Value));
                }
                return;
            }
            // A name twice: the materialized object decides, as for any other object.
            source ??= ParsedJson.Share(_parsed);
        }
        for (var i = 0; i < source.Count; i++)
        {
            var (key, child) = source.GetAt(i);
            FastSetDataProperty(key, Read(key) ?? JsConvert.ToJsChecked(_engine, child));
        }
    }

    /// <summary>The value already handed out for <paramref name="name"/>, if any: it stays the same value.</summary>
    private JsValue? Read(string name)
    {
        if (_reads == 0) return null;
        if (string.Equals(_firstName, name, StringComparison.Ordinal)) return _firstValue;
        for (var i = 0; i < _reads - 1; i++)
            if (string.Equals(_readNames![i], name, StringComparison.Ordinal)) return _readValues![i];
        return null;
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
