using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowConnectors.Cli;

/// <summary>Reading JSON given on the command line.</summary>
internal static class Json
{
    /// <summary>JSON when the text is valid JSON (numbers, booleans, objects, quoted strings), else the text itself.</summary>
    public static JsonNode? ParseOrText(string text)
    {
        try { return JsonNode.Parse(text); }
        catch (JsonException) { return JsonValue.Create(text); }
    }

    /// <summary>Parses a JSON argument, or the file it names with <c>@file</c>.</summary>
    public static JsonNode? ParseArgument(string value, string option, WorkingDirectory directory)
    {
        var fromFile = value.StartsWith('@');
        var text = fromFile ? FlowFiles.ReadText(value[1..], directory, $"{option} file") : value;
        try { return JsonNode.Parse(text); }
        catch (JsonException e)
        {
            throw new CliException($"{option}{(fromFile ? " " + value[1..] : "")} is not valid JSON: {Describe(e)}");
        }
    }

    /// <summary>The error with a 1-based line and column, without the parser's internal path text.</summary>
    public static string Describe(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut].TrimEnd();
        return e.LineNumber is { } line ? $"line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}: {message}" : message;
    }
}
