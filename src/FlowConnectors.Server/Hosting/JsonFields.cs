using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// A client sent a value of the wrong type or form. <see cref="ClientErrorHandler"/> answers it with 422 and
/// the JSON path; it is never thrown for anything but request input.
/// </summary>
internal sealed class InputException(string path, string message) : Exception(message)
{
    public string Path { get; } = path;
}

/// <summary>
/// Typed members of a request body. A cast such as <c>(string?)node</c> throws InvalidOperationException for
/// <c>{"mode":5}</c>, which would be a 500; these name the JSON path instead.
/// </summary>
internal static class JsonFields
{
    /// <summary>A string member's text; null when it is missing or JSON null.</summary>
    public static string? Text(JsonObject o, string name, string at = "$") => o[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var other => throw new InputException(PathOf(at, name), $"must be text, not {KindOf(other)}"),
    };

    /// <summary>An object member; null when it is missing or JSON null.</summary>
    public static JsonObject? Object(JsonObject o, string name, string at = "$") => o[name] switch
    {
        null => null,
        JsonObject value => value,
        var other => throw new InputException(PathOf(at, name), $"must be an object, not {KindOf(other)}"),
    };

    public static string PathOf(string at, string name) => $"{at}.{name}";

    /// <summary>What a JSON value is, in words for error messages.</summary>
    public static string KindOf(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "text",
        _ => "null",
    };
}
