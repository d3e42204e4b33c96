using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace FlowConnectors.Server.Hosting;

/// <summary>What is wrong with a JSON body, and where (a JSON path; line and column for syntax errors).</summary>
internal sealed record JsonInputError(string Title, string Path, string Message, bool IsSyntax = false);

/// <summary>
/// Reads JSON text from a client. System.Text.Json parses some text it cannot use later: duplicate keys
/// (a JsonObject throws when first read), invalid UTF-8 inside strings and unpaired surrogate escapes such
/// as "\ud800" (thrown when the string is read or written again), U+0000 (PostgreSQL text cannot hold it)
/// and numbers too large for a double. A
/// body nested close to the serializer's 64 levels parses, but no longer serializes once a run has wrapped
/// it in its state. So every body is checked whole before anything uses it, and the first problem is
/// reported with its JSON path: nothing runs on input that cannot be stored.
/// </summary>
internal static class JsonInput
{
    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>Parses a checked body; the error says what is wrong and where when it is not usable.</summary>
    public static (JsonNode? Value, JsonInputError? Error) Parse(ReadOnlyMemory<byte> utf8, int maxDepth)
    {
        if (utf8.Span.StartsWith(Bom)) utf8 = utf8[Bom.Length..];
        if (Check(utf8.Span, maxDepth) is { } error) return (null, error);
        // Checked above: the parse cannot fail, and the depth option only has to let the checked depth through.
        return (JsonNode.Parse(utf8.Span, documentOptions: new JsonDocumentOptions { MaxDepth = maxDepth + 1 }), null);
    }

    /// <summary>The first problem of the text, or null when it is one JSON value this server can keep.</summary>
    public static JsonInputError? Check(ReadOnlySpan<byte> utf8, int maxDepth)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = maxDepth + 1 });
        var frames = new List<Frame>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        NextElement(frames);
                        if (frames.Count + 1 > maxDepth)
                            return new("Too deeply nested", PathOf(frames), $"nests deeper than {maxDepth} levels");
                        frames.Add(new Frame(reader.TokenType == JsonTokenType.StartArray));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        var frame = frames[^1];
                        if (TextError(ref reader) is { } nameError)
                            return new("Invalid text", PathOf(frames) + "[?]", $"a property name {nameError}");
                        var name = reader.GetString()!;
                        frame.Property = name;
                        if (!frame.AddName(name))
                            return new("Duplicate key", PathOf(frames), $"'{Shorten(name)}' appears more than once in the same object");
                        break;
                    case JsonTokenType.String:
                        NextElement(frames);
                        if (TextError(ref reader) is { } textError) return new("Invalid text", PathOf(frames), $"the string {textError}");
                        break;
                    case JsonTokenType.Number:
                        NextElement(frames);
                        if (!reader.TryGetDouble(out var number) || !double.IsFinite(number)) return new("Number out of range", PathOf(frames), "the number does not fit a 64-bit floating point value");
                        break;
                    default:
                        NextElement(frames);
                        break;
                }
            }
            return null;
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $"at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "in the body";
            var path = PathOf(frames);
            return new("Malformed JSON", path, $"the body is not valid JSON {where}{(path == "$" ? "" : $" (in {path})")}", IsSyntax: true);
        }
    }

    /// <summary>Null when the current string token is valid Unicode; else what is wrong with it.</summary>
    private static string? TextError(ref Utf8JsonReader reader)
    {
        if (!reader.HasValueSequence && !Utf8.IsValid(reader.ValueSpan)) return "holds bytes that are not UTF-8";
        try
        {
            // PostgreSQL text cannot hold U+0000: a NUL that became an id or a correlation id would fail in the store.
            return reader.GetString()!.Contains('\0') ? "holds U+0000 (NUL), which the server cannot store" : null;
        }
        catch (InvalidOperationException)
        {
            return "holds an unpaired surrogate escape (\\ud800–\\udfff without its pair)";
        }
    }

    /// <summary>A value inside an array is its next element.</summary>
    private static void NextElement(List<Frame> frames)
    {
        if (frames.Count > 0 && frames[^1].IsArray) frames[^1].Index++;
    }

    private static string PathOf(List<Frame> frames)
    {
        var path = new StringBuilder("$");
        foreach (var frame in frames)
        {
            if (frame.IsArray)
            {
                if (frame.Index >= 0) path.Append('[').Append(frame.Index).Append(']');
            }
            else if (frame.Property is { } name)
            {
                if (name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(name[0])) path.Append('.').Append(name);
                else path.Append("['").Append(Shorten(name).Replace("\\", "\\\\").Replace("'", "\\'")).Append("']");
            }
        }
        return path.ToString();
    }

    /// <summary>At most 64 characters of a name, never cutting a surrogate pair in two.</summary>
    private static string Shorten(string name) =>
        name.Length <= 64 ? name : name[..(char.IsHighSurrogate(name[63]) ? 63 : 64)] + "…";

    private sealed class Frame(bool isArray)
    {
        public bool IsArray { get; } = isArray;
        public int Index { get; set; } = -1;
        public string? Property { get; set; }
        private HashSet<string>? _names;

        /// <summary>False when the object already has this key (compared as unescaped text, case-sensitive like JsonObject).</summary>
        public bool AddName(string name) => (_names ??= new HashSet<string>(StringComparer.Ordinal)).Add(name);
    }
}
