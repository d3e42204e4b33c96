using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using Json.Schema;

namespace FlowConnectors.Engine.Formats;

/// <summary>
/// One JSON Schema from <c>schemas/</c> (embedded in this assembly), built once per process and reused:
/// building is the expensive part, and flowc validate and server start read many files.
/// </summary>
public sealed class FormatSchema
{
    public static FormatSchema Flow { get; } = new("flow.schema.json");
    public static FormatSchema Connector { get; } = new("connector.schema.json");
    public static FormatSchema CollectionTemplate { get; } = new("collection-template.schema.json");
    public static FormatSchema Card { get; } = new("card.schema.json");

    private static readonly EvaluationOptions ListOutput = new() { OutputFormat = OutputFormat.List };

    private readonly Lazy<(JsonSchema Schema, JsonNode Document)> _built;

    private FormatSchema(string resource) => _built = new(() => Build(resource), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The schema's own JSON, for reading a subschema's properties, required list, bounds or enum.</summary>
    public JsonNode Document => _built.Value.Document;

    private static (JsonSchema, JsonNode) Build(string resource)
    {
        using var stream = typeof(FormatSchema).Assembly.GetManifestResourceStream("schemas/" + resource)
            ?? throw new InvalidOperationException($"schema {resource} is not embedded");
        var text = new StreamReader(stream).ReadToEnd();
        // A registry of its own: the schemas' $ids stay out of the library's global registry.
        var schema = JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        return (schema, JsonNode.Parse(text)!);
    }

    /// <summary>
    /// Every place the instance breaks the schema, innermost first within each branch, one per keyword. Numbers outside
    /// decimal range (1e400, 1e-400), which JsonSchema.Net reads as decimal and throws on, come back alone as
    /// <see cref="SchemaViolation.NumberOutOfRange"/> violations, and the schema is then not evaluated: every format
    /// reports them as problems, none throws.
    /// </summary>
    public List<SchemaViolation> Evaluate(JsonElement instance)
    {
        var violations = new List<SchemaViolation>();
        NumbersOutOfRange(instance, instance, "", violations);
        if (violations.Count > 0) return violations;
        var results = _built.Value.Schema.Evaluate(instance, ListOutput);
        if (results.IsValid) return violations;
        Collect(results, instance, violations);
        return violations;
    }

    private static void NumbersOutOfRange(JsonElement root, JsonElement value, string pointer, List<SchemaViolation> into)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Number when !value.TryGetDecimal(out _):
                into.Add(new SchemaViolation(pointer, ToPath(root, pointer), SchemaViolation.NumberOutOfRange, "",
                    $"the number {value.GetRawText()} is out of range"));
                break;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                    NumbersOutOfRange(root, property.Value, pointer + "/" + Escape(property.Name), into);
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray()) NumbersOutOfRange(root, item, pointer + "/" + index++, into);
                break;
        }
    }

    /// <summary>A property name as a JSON pointer segment.</summary>
    /// <summary>How a problem names the JSON type a schema asks for ("a string", "true or false").</summary>
    public static string Expected(string? type) => type switch
    {
        "string" => "a string",
        "array" => "an array",
        "object" => "an object",
        "boolean" => "true or false",
        "integer" => "an integer",
        "number" => "a number",
        _ => type ?? "another value",
    };

    public static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    /// <summary>
    /// The document without the values at <paramref name="leaveOut"/> (pointers) and without second copies of a field
    /// (the first counts), for a typed read of what a schema check left readable.
    /// </summary>
    public static byte[] CopyWithout(JsonElement root, IReadOnlySet<string> leaveOut)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
            Copy(root, "", writer, leaveOut);
        return buffer.ToArray();
    }

    private static void Copy(JsonElement element, string pointer, Utf8JsonWriter writer, IReadOnlySet<string> leaveOut)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    var child = pointer + "/" + Escape(property.Name);
                    if (!seen.Add(property.Name) || leaveOut.Contains(child)) continue;
                    writer.WritePropertyName(property.Name);
                    Copy(property.Value, child, writer, leaveOut);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    var child = pointer + "/" + index++;
                    if (!leaveOut.Contains(child)) Copy(item, child, writer, leaveOut);
                }
                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private void Collect(EvaluationResults results, JsonElement root, List<SchemaViolation> into)
    {
        if (results.Errors is { Count: > 0 } errors)
        {
            var pointer = results.InstanceLocation.ToString();
            var schemaPointer = Fragment(results.SchemaLocation.ToString());
            var evaluationPath = results.EvaluationPath.ToString();
            foreach (var (keyword, message) in errors)
            {
                // A false subschema (additionalProperties: false) fails with no keyword; name the keyword that led there.
                var named = keyword.Length > 0 ? keyword : evaluationPath[(evaluationPath.LastIndexOf('/') + 1)..];
                var holder = keyword.Length > 0 ? schemaPointer : ParentOf(schemaPointer, named);
                into.Add(new SchemaViolation(pointer, ToPath(root, pointer), named, holder, message));
            }
        }
        if (results.Details is { } details)
            foreach (var detail in details) Collect(detail, root, into);
    }

    /// <summary>The subschema at a pointer into the schema document (<c>/$defs/node</c>), or null.</summary>
    public JsonObject? Subschema(string pointer)
    {
        JsonNode? node = Document;
        foreach (var segment in Segments(pointer))
            node = node is JsonObject o && o.TryGetPropertyValue(segment, out var child) ? child : null;
        return node as JsonObject;
    }

    private static string Fragment(string location)
    {
        var hash = location.IndexOf('#');
        return hash < 0 ? "" : Uri.UnescapeDataString(location[(hash + 1)..]);
    }

    /// <summary>The schema object holding <paramref name="keyword"/>, from a location at or under it.</summary>
    private static string ParentOf(string pointer, string keyword)
    {
        var cut = pointer.LastIndexOf("/" + keyword, StringComparison.Ordinal);
        return cut < 0 ? pointer : pointer[..cut];
    }

    public static IEnumerable<string> Segments(string pointer) =>
        pointer.Length == 0 ? [] : pointer[1..].Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));

    /// <summary>A JSON pointer into the instance as the path problems print (<c>$.nodes[2].id</c>).</summary>
    public static string ToPath(JsonElement root, string pointer)
    {
        var path = "$";
        var current = root;
        foreach (var segment in Segments(pointer))
        {
            if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, out var index))
            {
                path = JsonPath.Index(path, index);
                current = index < current.GetArrayLength() ? current[index] : default;
            }
            else
            {
                path = JsonPath.Property(path, segment);
                current = current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out var child) ? child : default;
            }
        }
        return path;
    }

    /// <summary>The instance value at a pointer (undefined when absent).</summary>
    public static JsonElement At(JsonElement root, string pointer)
    {
        var current = root;
        foreach (var segment in Segments(pointer))
        {
            if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, out var index) && index < current.GetArrayLength()) current = current[index];
            else if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out var child)) current = child;
            else return default;
        }
        return current;
    }
}

/// <summary>
/// One failed schema keyword: where in the instance (pointer and printed path), which keyword, and the
/// schema object holding it (a pointer into the schema, e.g. <c>/$defs/node</c>), with the library's text.
/// </summary>
public sealed record SchemaViolation(string Pointer, string Path, string Keyword, string SchemaPointer, string LibraryMessage)
{
    /// <summary>The keyword of a number outside decimal range; its message is ours ("the number 1e400 is out of range").</summary>
    public const string NumberOutOfRange = "numberRange";

    public bool IsNumberOutOfRange => Keyword == NumberOutOfRange;

    /// <summary>For additionalProperties: the name of the field it refused.</summary>
    public string Field => FormatSchema.Segments(Pointer).LastOrDefault() ?? "";
}
