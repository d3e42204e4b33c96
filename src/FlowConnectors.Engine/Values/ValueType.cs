namespace FlowConnectors.Engine.Values;

/// <summary>
/// The value types a flow, card or activity declares, named as they appear in flow JSON:
/// <c>string</c>, <c>number</c>, <c>integer</c>, <c>boolean</c>, <c>datetime</c>, <c>object</c>,
/// <c>any</c> and lists written <c>array</c> or <c>array&lt;T&gt;</c>.
/// </summary>
public static class ValueTypes
{
    public const string String = "string";
    public const string Number = "number";
    public const string Integer = "integer";
    public const string Boolean = "boolean";
    public const string DateTime = "datetime";
    public const string Object = "object";
    public const string Array = "array";
    public const string Any = "any";

    private static readonly HashSet<string> Scalars = [String, Number, Integer, Boolean, DateTime, Object, Any];

    /// <summary>True for every type name the flow format accepts.</summary>
    public static bool IsKnown(string? type)
    {
        if (type is null) return false;
        if (Scalars.Contains(type) || type == Array) return true;
        return ItemTypeOf(type) is { } item && IsKnown(item);
    }

    /// <summary>The element type of <c>array&lt;T&gt;</c>, <c>any</c> for a plain <c>array</c>, null for non-lists.</summary>
    public static string? ItemTypeOf(string type)
    {
        if (type == Array) return Any;
        if (type.StartsWith("array<", StringComparison.Ordinal) && type.EndsWith('>'))
            return type[6..^1];
        return null;
    }

    public static string ListOf(string itemType) => itemType == Any ? Array : $"array<{itemType}>";

    /// <summary>The JSON kind of a value, in the words error messages use.</summary>
    public static string Describe(System.Text.Json.Nodes.JsonNode? value) => value switch
    {
        null => "null",
        System.Text.Json.Nodes.JsonObject => "object",
        System.Text.Json.Nodes.JsonArray => "array",
        System.Text.Json.Nodes.JsonValue v => v.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.String => "string",
            System.Text.Json.JsonValueKind.Number => "number",
            System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
            _ => "value",
        },
        _ => "value",
    };
}
