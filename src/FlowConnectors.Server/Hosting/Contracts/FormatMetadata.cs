using System.Reflection;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Formats;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace FlowConnectors.Server.Hosting.Contracts;

/// <summary>
/// Describes to OpenAPI a body or an answer that is one of our file formats (a flow document, a collection template) with
/// the format's own JSON Schema from <c>schemas/</c>, the one the format validator evaluates: the handler keeps reading and
/// writing the format's canonical text (deterministic saving stays byte-identical), and the document cannot drift from
/// the format. The schema's root becomes the component <c>Name</c>, each of its <c>$defs</c> the component
/// <c>Name</c> + the definition's name in Pascal case (<c>FlowDocumentNode</c>).
/// </summary>
internal static class FormatMetadata
{
    /// <summary>A format as the OpenAPI document names it.</summary>
    internal sealed record Format(string Name, FormatSchema Schema);

    public static readonly Format Flow = new("FlowDocument", FormatSchema.Flow);
    public static readonly Format CollectionTemplate = new("CollectionTemplateDocument", FormatSchema.CollectionTemplate);
    public static readonly Format Connector = new("ConnectorManifest", FormatSchema.Connector);
    public static readonly Format Card = new("CardDocument", FormatSchema.Card);

    /// <summary>The format a <see cref="FormatDocumentAttribute"/> names.</summary>
    public static Format Of(FormatKind kind) => kind switch
    {
        FormatKind.Flow => Flow,
        FormatKind.CollectionTemplate => CollectionTemplate,
        FormatKind.Connector => Connector,
        FormatKind.Card => Card,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// Gives each record member marked <see cref="FormatDocumentAttribute"/> its format's schema (or a list or map of it)
    /// in place of the bare JSON object its CLR type says, in every component named after the record.
    /// </summary>
    public static void DescribeFormatMembers(OpenApiDocument document)
    {
        var schemas = document.Components?.Schemas;
        if (schemas is null) return;
        foreach (var type in typeof(FormatMetadata).Assembly.GetTypes())
        {
            if (!schemas.TryGetValue(type.Name, out var found) || found is not OpenApiSchema record || record.Properties is null) continue;
            foreach (var property in type.GetProperties())
            {
                if (property.GetCustomAttributes(typeof(FormatDocumentAttribute), false).FirstOrDefault() is not FormatDocumentAttribute marked) continue;
                var name = System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(property.Name);
                if (!record.Properties.ContainsKey(name)) continue;
                IOpenApiSchema schema = Reference(document, Of(marked.Format));
                if (marked.Shape == FormatShape.List) schema = new OpenApiSchema { Type = JsonSchemaType.Array, Items = schema };
                else if (marked.Shape == FormatShape.Map) schema = new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalProperties = schema };
                var nullable = new NullabilityInfoContext().Create(property).ReadState == NullabilityState.Nullable;
                record.Properties[name] = nullable ? new OpenApiSchema { OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, schema] } : schema;
            }
        }
    }

    /// <summary>The 200 answer is the format's document as JSON.</summary>
    public static RouteHandlerBuilder ProducesFormat(this RouteHandlerBuilder builder, Format format) =>
        builder.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            var document = context.Document ?? throw new InvalidOperationException("no OpenAPI document to add the format's schema to");
            AddComponents(document, format);
            operation.Responses ??= new OpenApiResponses();
            operation.Responses["200"] = new OpenApiResponse
            {
                Description = "OK",
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(format.Name, document) } },
            };
            return Task.CompletedTask;
        });

    /// <summary>The body is the format's document, read as text by the format's reader (which names each problem's JSON path).</summary>
    public static RouteHandlerBuilder DocumentsFormatBody(this RouteHandlerBuilder builder, Format format) =>
        builder.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            var document = context.Document ?? throw new InvalidOperationException("no OpenAPI document to add the format's schema to");
            AddComponents(document, format);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(format.Name, document) } },
            };
            return Task.CompletedTask;
        });

    /// <summary>
    /// The body is a patch of the format's root (a connector's settings): any of its members, each replacing the stored
    /// one, or null to remove it. Described as the component <c>Name</c>Patch: the root's members, none required, each
    /// also null.
    /// </summary>
    public static RouteHandlerBuilder DocumentsFormatPatchBody(this RouteHandlerBuilder builder, Format format) =>
        builder.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            var document = context.Document ?? throw new InvalidOperationException("no OpenAPI document to add the format's schema to");
            AddComponents(document, format);
            var name = format.Name + "Patch";
            lock (document)
            {
                if (document.Components?.Schemas?.ContainsKey(name) != true)
                {
                    var patch = Components(format).First().Schema;
                    patch.Remove("required");
                    patch.Remove("title");
                    patch["description"] = $"Members of a {format.Name} to replace; a null removes the member.";
                    if (patch["properties"] is JsonObject members)
                        foreach (var (member, schema) in members.ToList())
                            members[member] = new JsonObject { ["oneOf"] = new JsonArray(new JsonObject { ["type"] = "null" }, schema!.DeepClone()) };
                    document.AddComponent(name, Parse(document, name, patch));
                }
            }
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(name, document) } },
            };
            return Task.CompletedTask;
        });

    /// <summary>The component of the format's document (added to the document once).</summary>
    public static OpenApiSchemaReference Reference(OpenApiDocument document, Format format)
    {
        AddComponents(document, format);
        return new OpenApiSchemaReference(format.Name, document);
    }

    private static void AddComponents(OpenApiDocument document, Format format)
    {
        lock (document)
        {
            if (document.Components?.Schemas?.ContainsKey(format.Name) == true) return;
            foreach (var (name, schema) in Components(format))
            {
                if (document.Components?.Schemas?.ContainsKey(name) == true)
                    throw new InvalidOperationException($"the OpenAPI component '{name}' of format {format.Name} is taken by another type");
                document.AddComponent(name, Parse(document, name, schema));
            }
        }
    }

    private static OpenApiSchema Parse(OpenApiDocument document, string name, JsonObject schema)
    {
        var parsed = OpenApiModelFactory.Parse<OpenApiSchema>(schema.ToJsonString(), OpenApiSpecVersion.OpenApi3_1, document, out var diagnostic, "json")
            ?? throw new InvalidOperationException($"the schema of {name} cannot be read as OpenAPI");
        if (diagnostic?.Errors.Count > 0)
            throw new InvalidOperationException($"the schema of {name} is not valid OpenAPI: {string.Join("; ", diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}"))}");
        return parsed;
    }

    /// <summary>The format's root and each of its definitions, with <c>#/$defs/x</c> references pointing at the components.</summary>
    private static IEnumerable<(string Name, JsonObject Schema)> Components(Format format)
    {
        var root = format.Schema.Document.DeepClone().AsObject();
        var defs = root["$defs"]?.AsObject() ?? [];
        root.Remove("$defs");
        root.Remove("$schema");
        root.Remove("$id");
        Rewrite(root, format);
        yield return (format.Name, root);
        foreach (var (name, schema) in defs.ToList())
        {
            var copy = schema!.DeepClone().AsObject();
            Rewrite(copy, format);
            // Microsoft.OpenApi reads a definition that is only a reference as a reference, not a schema: wrap it.
            if (copy["$ref"] is { } only)
            {
                copy.Remove("$ref");
                copy["allOf"] = new JsonArray(new JsonObject { ["$ref"] = only.DeepClone() });
            }
            yield return (DefinitionName(format, name), copy);
        }
    }

    private static string DefinitionName(Format format, string definition) => format.Name + char.ToUpperInvariant(definition[0]) + definition[1..];

    /// <summary>Keywords whose value is a schema, and those whose value is a list or map of schemas (JSON Schema 2020-12).</summary>
    private static readonly HashSet<string> SchemaKeywords = ["items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames"];
    private static readonly HashSet<string> SchemaListKeywords = ["allOf", "anyOf", "oneOf", "prefixItems"];
    private static readonly HashSet<string> SchemaMapKeywords = ["properties", "patternProperties", "$defs", "dependentSchemas"];

    /// <summary>Rewrites one schema of the format (and the schemas inside it) into what the OpenAPI document holds.</summary>
    private static void Rewrite(JsonNode? node, Format format)
    {
        if (node is not JsonObject o) return;
        // Microsoft.OpenApi keeps a const as text ("const": 1 would become "1"); an enum of one keeps the JSON value.
        if (o["const"] is JsonValue constant && constant.GetValueKind() != System.Text.Json.JsonValueKind.String)
        {
            o.Remove("const");
            o["enum"] = new JsonArray(constant.DeepClone());
        }
        // JSON Schema allows any further member where additionalProperties is left out (the flow's card block, owned
        // by the connectors layer); say so, or the generated client would know only the members listed.
        if (o["properties"] is JsonObject && !o.ContainsKey("additionalProperties")) o["additionalProperties"] = new JsonObject();
        if (o["$ref"] is JsonValue reference && reference.TryGetValue(out string? target) && target.StartsWith("#/$defs/", StringComparison.Ordinal))
            o["$ref"] = "#/components/schemas/" + DefinitionName(format, target["#/$defs/".Length..]);
        foreach (var (keyword, value) in o.ToList())
        {
            if (SchemaKeywords.Contains(keyword)) Rewrite(value, format);
            else if (SchemaListKeywords.Contains(keyword) && value is JsonArray list)
                foreach (var item in list) Rewrite(item, format);
            else if (SchemaMapKeywords.Contains(keyword) && value is JsonObject map)
                foreach (var (_, item) in map) Rewrite(item, format);
        }
    }
}

/// <summary>Our file formats, each described by its JSON Schema in <c>schemas/</c>.</summary>
internal enum FormatKind { Flow, CollectionTemplate, Connector, Card }

/// <summary>How a member holds documents of a format: one, a list of them, or a map from name to one.</summary>
internal enum FormatShape { One, List, Map }

/// <summary>
/// A record member (a JSON object or array the server passes through as it is) that holds a document of one of our
/// formats: OpenAPI describes it with the format's schema (<see cref="FormatMetadata.DescribeFormatMembers"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class FormatDocumentAttribute(FormatKind format, FormatShape shape = FormatShape.One) : Attribute
{
    public FormatKind Format { get; } = format;
    public FormatShape Shape { get; } = shape;
}
