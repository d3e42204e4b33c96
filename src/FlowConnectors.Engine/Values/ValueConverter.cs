using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Values;

/// <summary>
/// Converts between JSON values and the CLR types activity properties declare. Conversions are the
/// ones a flow author expects (a number for a text input becomes its text, <c>"42"</c> for an
/// integer input becomes 42) and nothing looser: an object for a number input is an error that
/// names both types.
/// </summary>
internal static class ValueConverter
{
    /// <summary>The flow-format type name of a CLR type.</summary>
    public static string TypeNameOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type.IsEnum) return ValueTypes.String;
        if (type == typeof(bool)) return ValueTypes.Boolean;
        if (type == typeof(int) || type == typeof(long)) return ValueTypes.Integer;
        if (type == typeof(double) || type == typeof(decimal) || type == typeof(float)) return ValueTypes.Number;
        if (type == typeof(DateTimeOffset)) return ValueTypes.DateTime;
        if (type == typeof(TimeSpan)) return ValueTypes.String;
        if (type == typeof(JsonObject)) return ValueTypes.Object;
        if (type == typeof(JsonArray)) return ValueTypes.Array;
        if (type == typeof(JsonNode)) return ValueTypes.Any;
        if (ListItemType(type) is { } item) return ValueTypes.ListOf(TypeNameOf(item));
        throw new NotSupportedException($"activity property type {type.Name} has no flow type");
    }

    private static Type? ListItemType(Type type)
    {
        if (type.IsArray) return type.GetElementType();
        if (type.IsGenericType)
        {
            var def = type.GetGenericTypeDefinition();
            if (def == typeof(IReadOnlyList<>) || def == typeof(List<>) || def == typeof(IList<>) || def == typeof(IEnumerable<>))
                return type.GetGenericArguments()[0];
        }
        return null;
    }

    /// <summary>Converts to the CLR type; throws <see cref="ValueConversionException"/> naming both types.</summary>
    public static object? FromJson(JsonNode? value, Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (JsonValues.IsNull(value))
        {
            if (underlying is not null || !type.IsValueType) return null;
            throw new ValueConversionException($"expected {TypeNameOf(type)} but got null");
        }
        type = underlying ?? type;
        if (type == typeof(JsonNode)) return value;
        if (type == typeof(string)) return ToStringValue(value);
        if (type == typeof(bool)) return ToBoolean(value);
        if (type == typeof(int))
        {
            var whole = ToInteger(value);
            if (whole is < int.MinValue or > int.MaxValue)
                throw new ValueConversionException($"expected an integer between {int.MinValue} and {int.MaxValue} but got {whole}");
            return (int)whole;
        }
        if (type == typeof(long)) return ToInteger(value);
        if (type == typeof(double)) return ToDouble(value);
        if (type == typeof(float)) return (float)ToDouble(value);
        if (type == typeof(decimal)) return (decimal)ToDouble(value);
        if (type == typeof(DateTimeOffset)) return ToDateTime(value);
        if (type == typeof(TimeSpan)) return ToTimeSpan(value);
        if (type.IsEnum) return ToEnum(value, type);
        if (type == typeof(JsonObject))
            return value as JsonObject ?? ParseTextAs<JsonObject>(value, ValueTypes.Object);
        if (type == typeof(JsonArray))
            return value as JsonArray ?? ParseTextAs<JsonArray>(value, ValueTypes.Array);
        if (ListItemType(type) is { } itemType)
        {
            var array = value as JsonArray ?? ParseTextAs<JsonArray>(value, ValueTypes.Array);
            var items = Array.CreateInstance(itemType, array.Count);
            for (var i = 0; i < array.Count; i++)
            {
                try { items.SetValue(FromJson(array[i], itemType), i); }
                catch (ValueConversionException e) { throw new ValueConversionException($"item [{i}]: {e.Message}"); }
            }
            if (type.IsArray) return items;
            var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(itemType))!;
            foreach (var item in items) list.Add(item);
            return list;
        }
        throw new ValueConversionException($"cannot convert to {type.Name}");
    }

    public static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        JsonNode node => node,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => double.IsFinite(d) ? JsonValues.FromNumber(d) : null,
        float f => JsonValues.FromNumber(f),
        decimal m => JsonValue.Create(m),
        DateTimeOffset dt => JsonValue.Create(FormatDateTime(dt)),
        DateTime dt => JsonValue.Create(FormatDateTime(new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt))),
        TimeSpan ts => JsonValue.Create(ts.ToString("c", CultureInfo.InvariantCulture)),
        Enum e => JsonValue.Create(char.ToLowerInvariant(e.ToString()[0]) + e.ToString()[1..]),
        System.Collections.IEnumerable list => ToJsonArray(list),
        _ => throw new ValueConversionException($"cannot convert {value.GetType().Name} to JSON"),
    };

    private static JsonArray ToJsonArray(System.Collections.IEnumerable list)
    {
        var array = new JsonArray();
        foreach (var item in list)
        {
            var node = ToJson(item);
            array.Add(node?.Parent is null ? node : node.DeepClone());
        }
        return array;
    }

    /// <summary>ISO 8601 with offset and at most millisecond precision when fractional.</summary>
    public static string FormatDateTime(DateTimeOffset value) =>
        value.Ticks % TimeSpan.TicksPerSecond == 0
            ? value.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture).Replace("+00:00", "Z", StringComparison.Ordinal)
            : value.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture).Replace("+00:00", "Z", StringComparison.Ordinal);

    private static string ToStringValue(JsonNode? value)
    {
        if (JsonValues.TryGetString(value, out var s)) return s;
        if (value is JsonValue) return JsonValues.ToText(value);
        throw Mismatch(value, ValueTypes.String);
    }

    private static bool ToBoolean(JsonNode? value)
    {
        if (value is JsonValue v)
        {
            switch (v.GetValueKind())
            {
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                case JsonValueKind.String:
                    var s = v.GetValue<string>().Trim();
                    if (string.Equals(s, "true", StringComparison.OrdinalIgnoreCase)) return true;
                    if (string.Equals(s, "false", StringComparison.OrdinalIgnoreCase)) return false;
                    break;
            }
        }
        throw Mismatch(value, ValueTypes.Boolean);
    }

    private static long ToInteger(JsonNode? value)
    {
        var d = ToDouble(value, ValueTypes.Integer);
        if (d != Math.Floor(d) || Math.Abs(d) > 9.2e18)
            throw new ValueConversionException($"expected integer but got number {d.ToString(CultureInfo.InvariantCulture)}");
        return (long)d;
    }

    private static double ToDouble(JsonNode? value) => ToDouble(value, ValueTypes.Number);

    private static double ToDouble(JsonNode? value, string expected)
    {
        if (JsonValues.TryGetNumber(value, out var d)) return d;
        if (JsonValues.TryGetString(value, out var s) &&
            double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out d))
            return d;
        throw Mismatch(value, expected);
    }

    private static DateTimeOffset ToDateTime(JsonNode? value)
    {
        if (JsonValues.TryGetString(value, out var s) &&
            DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dt))
            return dt;
        if (JsonValues.TryGetNumber(value, out var ms))
            return DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
        throw Mismatch(value, ValueTypes.DateTime);
    }

    /// <summary>Accepts <c>00:05:00</c>, ISO 8601 <c>PT5M</c>, or a number of milliseconds.</summary>
    private static TimeSpan ToTimeSpan(JsonNode? value)
    {
        if (JsonValues.TryGetNumber(value, out var ms)) return TimeSpan.FromMilliseconds(ms);
        if (JsonValues.TryGetString(value, out var s))
        {
            if (TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var ts)) return ts;
            try { return System.Xml.XmlConvert.ToTimeSpan(s); }
            catch (FormatException) { }
        }
        throw new ValueConversionException($"expected a duration (00:05:00, PT5M or milliseconds) but got {ValueTypes.Describe(value)} {Preview(value)}");
    }

    private static object ToEnum(JsonNode? value, Type type)
    {
        if (JsonValues.TryGetString(value, out var s) && Enum.TryParse(type, s, ignoreCase: true, out var e) && !int.TryParse(s, out _))
            return e!;
        var names = string.Join(", ", Enum.GetNames(type).Select(n => char.ToLowerInvariant(n[0]) + n[1..]));
        throw new ValueConversionException($"expected one of {names} but got {ValueTypes.Describe(value)} {Preview(value)}");
    }

    private static T ParseTextAs<T>(JsonNode? value, string expected) where T : JsonNode
    {
        // A template renders text; text that holds JSON of the right shape is accepted.
        if (JsonValues.TryGetString(value, out var s))
        {
            try
            {
                if (JsonNode.Parse(s) is T parsed) return parsed;
            }
            catch (JsonException) { }
        }
        throw Mismatch(value, expected);
    }

    private static ValueConversionException Mismatch(JsonNode? value, string expected) =>
        new($"expected {expected} but got {ValueTypes.Describe(value)} {Preview(value)}");

    /// <summary>The first characters of a value, for error messages.</summary>
    public static string Preview(JsonNode? value)
    {
        var text = value?.ToJsonString() ?? "null";
        return text.Length <= 40 ? text : text[..40] + "…";
    }

    /// <summary>Checks a JSON value against a flow type name, converting where <see cref="FromJson"/> would.</summary>
    public static JsonNode? ConvertToType(JsonNode? value, string type)
    {
        if (JsonValues.IsNull(value) || type == ValueTypes.Any) return value;
        switch (type)
        {
            case ValueTypes.String: return JsonValue.Create(ToStringValue(value));
            case ValueTypes.Boolean: return JsonValue.Create(ToBoolean(value));
            case ValueTypes.Integer: return JsonValue.Create(ToInteger(value));
            case ValueTypes.Number: return value is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? value : JsonValues.FromNumber(ToDouble(value));
            case ValueTypes.DateTime: return JsonValue.Create(FormatDateTime(ToDateTime(value)));
            case ValueTypes.Object: return value as JsonObject ?? ParseTextAs<JsonObject>(value, ValueTypes.Object);
        }
        if (ValueTypes.ItemTypeOf(type) is { } itemType)
        {
            var array = value as JsonArray ?? ParseTextAs<JsonArray>(value, ValueTypes.Array);
            if (itemType == ValueTypes.Any) return array;
            var converted = new JsonArray();
            for (var i = 0; i < array.Count; i++)
            {
                JsonNode? item;
                try { item = ConvertToType(array[i], itemType); }
                catch (ValueConversionException e) { throw new ValueConversionException($"item [{i}]: {e.Message}"); }
                converted.Add(item is null ? null : ReferenceEquals(item, array[i]) ? item.DeepClone() : item);
            }
            return converted;
        }
        throw new ValueConversionException($"unknown type '{type}'");
    }
}
