using System.Text.Json.Nodes;
using FlowConnectors.Import.Postman;
using FlowConnectors.Engine.Flows;
using Microsoft.OpenApi;

namespace FlowConnectors.Import.OpenApi;

/// <summary>One operation → one action flow (a CallFlow to httpHelper and a Return), its card and its fixtures from response examples.</summary>
internal sealed class OpenApiAction(string id, string path, string method, IOpenApiPathItem item, OpenApiOperation operation, string pointer,
    string? authChoice, string basePath, List<ImportMessage> warnings)
{
    internal sealed record Result(FlowDefinition Flow, ImportedAction Summary, List<JsonObject> Fixtures);

    private static readonly string[] CursorNames = ["cursor", "starting_after", "page_token", "pageToken", "after", "next_cursor", "continuation"];
    private readonly List<FlowParameter> _inputs = [];
    private readonly Dictionary<string, JsonNode?> _sample = new(StringComparer.Ordinal);

    public Result Build()
    {
        // Path-level parameters, overridden by the operation's own of the same name and place.
        var parameters = new Dictionary<(string, ParameterLocation?), IOpenApiParameter>();
        foreach (var p in (item.Parameters ?? []).Concat(operation.Parameters ?? []))
            if (p.Name is not null) parameters[(p.Name, p.In)] = p;

        var plan = PagingPlan.Detect(parameters.Values, operation, method, authChoice, out var pagingNote);
        if (pagingNote is not null) warnings.Add(new(pointer, pagingNote));

        var pathInputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var query = new List<(string Key, string Input)>();
        var headers = new List<(string Key, string Input)>();
        foreach (var p in parameters.Values)
        {
            // A credential parameter (Slack's 'token') is the connection's business, not a card input.
            if (p.In is ParameterLocation.Query or ParameterLocation.Header && p.Name is "token" or "access_token" or "api_key" or "apikey" && authChoice != Http.ConnectionAuth.None)
            {
                warnings.Add(new(pointer + ".parameters", $"{p.In?.ToString().ToLowerInvariant()} parameter '{p.Name}' carries a credential; the connection's auth sends it, so it is not an input"));
                continue;
            }
            switch (p.In)
            {
                case ParameterLocation.Path:
                    pathInputs[p.Name!] = AddParameter(p, required: true, "path");
                    break;
                case ParameterLocation.Query when plan is not null && plan.Parameters.Contains(p.Name!):
                    // Paginate sends it, page after page.
                    break;
                case ParameterLocation.Query:
                    query.Add((p.Name!, AddParameter(p, p.Required, "query")));
                    break;
                case ParameterLocation.Header when !p.Name!.Equals("Authorization", StringComparison.OrdinalIgnoreCase):
                    headers.Add((p.Name!, AddParameter(p, p.Required, "header")));
                    break;
                default:
                    warnings.Add(new(pointer + ".parameters", $"{p.In?.ToString().ToLowerInvariant()} parameter '{p.Name}' is not imported (path, query and header parameters are)"));
                    break;
            }
        }

        // Body: JSON as one object input; a form as one input per property.
        string? bodyJs = null;
        JsonNode? bodySample = null;
        string? contentType = null;
        if (operation.RequestBody?.Content is { Count: > 0 } content)
        {
            var (mediaType, media) = content.FirstOrDefault(c => c.Key.Contains("json", StringComparison.OrdinalIgnoreCase)) is { Value: not null } json ? json
                : content.FirstOrDefault(c => c.Key.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) || c.Key.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase)) is { Value: not null } form ? form
                : content.First();
            contentType = mediaType;
            var required = operation.RequestBody.Required;
            if (mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
            {
                var example = Example(media);
                var type = media.Schema?.Type?.HasFlag(JsonSchemaType.Array) == true ? "array" : "object";
                var safe = example is not null && !FlowConnectors.Catalog.SecretScanner.LooksLikeSecret(null, example.ToJsonString()) ? example : null;
                var name = AddInput("body", type, safe, required, "Body", media.Schema?.Description ?? "The JSON request body.");
                if (_sample[name] is null) _sample[name] = example?.DeepClone() ?? (type == "array" ? new JsonArray() : new JsonObject());
                bodyJs = $"input.{name}";
                bodySample = _sample[name]?.DeepClone();
            }
            else if (media.Schema?.Properties is { Count: > 0 } properties)
            {
                var entries = new List<string>();
                var sample = new JsonObject();
                foreach (var (property, schema) in properties)
                {
                    var name = AddInput(PostmanTemplate.Identifier(property, "field"), TypeOf(schema), Default(schema, property), media.Schema.Required?.Contains(property) == true,
                        property, schema.Description, Options(schema));
                    entries.Add($"{PostmanTemplate.Literal(property)}: input.{name}");
                    sample[property] = _sample[name]?.DeepClone();
                }
                bodyJs = "({ " + string.Join(", ", entries) + " })";
                bodySample = sample;
            }
            else warnings.Add(new(pointer + ".requestBody", $"request body '{mediaType}' has no JSON or form schema; the action sends none (use the Custom API Action)"));
        }

        var relative = "\"" + System.Text.RegularExpressions.Regex.Replace(path, @"\{([^{}]+)\}", m =>
            pathInputs.TryGetValue(m.Groups[1].Value, out var input) ? $"\" + encodeURIComponent(input.{input}) + \"" : m.Value) + "\"";
        relative = relative.Replace(" + \"\"", "", StringComparison.Ordinal);
        var samplePath = System.Text.RegularExpressions.Regex.Replace(path, @"\{([^{}]+)\}", m =>
            pathInputs.TryGetValue(m.Groups[1].Value, out var input) ? Uri.EscapeDataString(_sample[input]?.ToString() ?? "") : m.Value);
        var callInputs = new JsonObject
        {
            ["relative_url"] = pathInputs.Count == 0 ? path : new JsonObject { ["js"] = relative },
            ["request_method"] = method,
        };
        if (query.Count > 0) callInputs["query"] = new JsonObject { ["js"] = "({ " + string.Join(", ", query.Select(q => $"{PostmanTemplate.Literal(q.Key)}: input.{q.Input}")) + " })" };
        var headerEntries = headers.Select(h => $"{PostmanTemplate.Literal(h.Key)}: input.{h.Input}").ToList();
        if (contentType is not null && bodyJs is not null) headerEntries.Add($"\"Content-Type\": {PostmanTemplate.Literal(contentType)}");
        if (headerEntries.Count > 0) callInputs["headers"] = new JsonObject { ["js"] = "({ " + string.Join(", ", headerEntries) + " })" };
        if (bodyJs is not null) callInputs["body"] = new JsonObject { ["js"] = bodyJs };
        if (authChoice is not null) callInputs["auth"] = authChoice;

        // Outputs: the 2xx response's top-level properties.
        var success = operation.Responses?.Where(r => r.Key.StartsWith('2')).OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Value).FirstOrDefault();
        var successMedia = success?.Content?.FirstOrDefault(c => c.Key.Contains("json", StringComparison.OrdinalIgnoreCase)).Value;
        var outputs = new List<FlowParameter>
        {
            new() { Name = "statusCode", Type = "integer", Label = "Status Code" },
            new() { Name = "headers", Type = "object", Label = "Headers", Description = "Response headers (lower-case names)." },
            new() { Name = "body", Type = "any", Label = "Body", Description = success?.Description ?? "The response body." },
        };
        var returnOutputs = new JsonObject
        {
            ["statusCode"] = new JsonObject { ["js"] = "nodes.call.outputs.status_code" },
            ["headers"] = new JsonObject { ["js"] = "nodes.call.outputs.headers" },
            ["body"] = new JsonObject { ["js"] = "nodes.call.outputs.body" },
        };
        var fields = new List<(string Output, string Field)>();
        if (successMedia?.Schema?.Properties is { } responseProperties)
            foreach (var (field, schema) in responseProperties)
            {
                var output = PostmanTemplate.Identifier(field, "field");
                if (outputs.Any(o => o.Name == output)) continue;
                outputs.Add(new FlowParameter { Name = output, Type = TypeOf(schema), Label = field, Description = schema.Description ?? $"'{field}' of the response body." });
                returnOutputs[output] = new JsonObject { ["js"] = $"(nodes.call.outputs.body || {{}})[{PostmanTemplate.Literal(field)}] ?? null" };
                fields.Add((output, field));
            }

        var display = path;
        var paging = plan?.Describe() ?? Paging(parameters.Values, operation);
        var authNote = authChoice switch
        {
            null => "",
            Http.ConnectionAuth.None => " Sends no credentials (security: [] in the description).",
            var name => $" Sends the connection's '{name}' auth instead of the connector's.",
        };
        var label = operation.Summary?.Trim() is { Length: > 0 } summary ? summary : operation.OperationId ?? $"{method} {path}";
        var card = new JsonObject { ["kind"] = "action", ["label"] = PostmanTemplate.DisplayName(label) };
        var group = operation.Tags?.FirstOrDefault()?.Name;
        if (group is not null) card["group"] = group;
        card["description"] = PostmanImporter.Truncate((operation.Description?.Trim() is { Length: > 0 } d ? d : $"{method} {display}") + (paging is null ? "" : $" Paged ({paging}).") + authNote, 300);
        var flow = new FlowDefinition
        {
            Id = id,
            Name = PostmanTemplate.DisplayName(label),
            Description = $"{method} {display} — imported from OpenAPI ({pointer}).{(paging is null ? "" : $" Pagination: {paging}.")}{authNote}",
            Inputs = _inputs,
            Outputs = outputs,
            Nodes =
            [
                new FlowNode { Id = "call", Type = "CallFlow", Name = $"{method} {display}", Inputs = new(StringComparer.Ordinal) { ["flowId"] = "httpHelper", ["inputs"] = callInputs } },
                new FlowNode { Id = "done", Type = "Return", Name = "Return response", Inputs = new(StringComparer.Ordinal) { ["outputs"] = returnOutputs } },
            ],
            Connections = [new FlowConnection { FromNode = "call", Outcome = "done", To = "done" }],
        };
        if (plan is not null)
        {
            var maxItems = AddInput("maxItems", "integer", JsonValue.Create(1000), false, "Max Items", "Records gathered at most, across all pages.");
            plan.ApplyTo(flow, outputs, method, display, callInputs["relative_url"], query.Select(q => $"{PostmanTemplate.Literal(q.Key)}: input.{q.Input}"),
                callInputs["headers"], maxItems);
            fields.Clear();
        }
        var firstCall = plan is null ? "call" : "pages";
        if (pathInputs.Count > 0)
        {
            // An empty path input would send /repos//issues: refuse it before anything is sent.
            var list = "[" + string.Join(", ", pathInputs.Values.Select(i => $"[{PostmanTemplate.Literal(i)}, input.{i}]")) + "]";
            const string Empty = "p => p[1] === undefined || p[1] === null || String(p[1]).trim() === ''";
            flow.Nodes.Insert(0, new FlowNode { Id = "checkPath", Type = "If", Name = "Path inputs given?", Inputs = new(StringComparer.Ordinal) { ["condition"] = new JsonObject { ["js"] = $"!{list}.some({Empty})" } } });
            flow.Nodes.Insert(1, new FlowNode
            {
                Id = "emptyPath", Type = "Fail", Name = "Empty path input",
                Inputs = new(StringComparer.Ordinal) { ["message"] = new JsonObject { ["js"] = $"{list}.filter({Empty}).map(p => p[0]).join(', ') + ' must not be empty: it fills the path {method} ' + {PostmanTemplate.Literal(display)}" } },
            });
            flow.Connections.Insert(0, new FlowConnection { FromNode = "checkPath", Outcome = "true", To = firstCall });
            flow.Connections.Insert(1, new FlowConnection { FromNode = "checkPath", Outcome = "false", To = "emptyPath" });
        }
        flow.Extensions["card"] = card;

        var fixtures = new List<JsonObject>();
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (!int.TryParse(status, out var code)) continue;
            var media = response.Content?.FirstOrDefault(c => c.Key.Contains("json", StringComparison.OrdinalIgnoreCase)).Value;
            if (media is null || Example(media) is not { } example) continue;
            var sentQuery = new JsonObject();
            foreach (var (key, input) in query)
                if (_sample[input] is { } value) sentQuery[key] = JsonValue.Create(value is JsonValue v && v.TryGetValue(out string? s) ? s : value.ToJsonString().Trim('"'));
            if (plan is not null)
            {
                fixtures.Add(PagedFixture(plan, status, code, example, sentQuery, basePath + samplePath));
                continue;
            }
            var request = new JsonObject { ["method"] = method, ["path"] = basePath + samplePath, ["query"] = sentQuery, ["headers"] = new JsonObject() };
            if (bodySample is not null && contentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true) request["body"] = bodySample.DeepClone();
            var responseHeaders = new JsonObject { ["content-type"] = "application/json" };
            var expected = new JsonObject { ["statusCode"] = code, ["headers"] = responseHeaders.DeepClone(), ["body"] = example.DeepClone() };
            foreach (var (output, field) in fields) expected[output] = example is JsonObject o ? o[field]?.DeepClone() : null;
            var inputs = new JsonObject();
            foreach (var input in _inputs.Where(i => i.Default is null && _sample[i.Name] is not null)) inputs[input.Name] = _sample[input.Name]!.DeepClone();
            fixtures.Add(new JsonObject
            {
                ["description"] = $"the {status} example of {method} {path} in the description",
                ["flow"] = id,
                ["inputs"] = inputs,
                ["exchanges"] = new JsonArray(new JsonObject { ["request"] = request, ["response"] = new JsonObject { ["status"] = code, ["headers"] = responseHeaders, ["body"] = example } }),
                ["outputs"] = expected,
            });
        }
        var summaryAction = new ImportedAction(id, label, group ?? "", method, display, _inputs.Select(i => i.Name).ToList(), outputs.Select(o => o.Name).ToList(), fixtures.Count, pointer, authChoice);
        return new Result(flow, summaryAction, fixtures);
    }

    /// <summary>
    /// A paged action's fixture from a response example: the example is the first page; when Paginate would ask for
    /// another (a next cursor in the example, page or offset paging), the stub answers it with the end of the list.
    /// A non-2xx example is a fault of the first page.
    /// </summary>
    private JsonObject PagedFixture(PagingPlan plan, string status, int code, JsonNode example, JsonObject sentQuery, string requestPath)
    {
        var inputs = new JsonObject();
        foreach (var input in _inputs.Where(i => i.Default is null && _sample[i.Name] is not null)) inputs[input.Name] = _sample[input.Name]!.DeepClone();
        var exchanges = new JsonArray();
        JsonObject Exchange(IEnumerable<(string Name, string Value)> paging, JsonNode body)
        {
            var query = (JsonObject)sentQuery.DeepClone();
            if (plan.Strategy == "linkHeader" && plan.SizeParameter is { } size) query[size] = plan.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var (name, value) in paging) query[name] = value;
            return new JsonObject
            {
                ["request"] = new JsonObject { ["method"] = method, ["path"] = requestPath, ["query"] = query, ["headers"] = new JsonObject() },
                ["response"] = new JsonObject { ["status"] = code, ["headers"] = new JsonObject { ["content-type"] = "application/json" }, ["body"] = body.DeepClone() },
            };
        }
        exchanges.Add(Exchange(plan.Strategy == "linkHeader" ? [] : plan.FirstPageQuery(), example));
        var fixture = new JsonObject
        {
            ["description"] = $"the {status} example of {method} {path} in the description, as the first page",
            ["flow"] = id,
            ["inputs"] = inputs,
            ["exchanges"] = exchanges,
        };
        if (code is < 200 or > 299)
        {
            fixture["fault"] = $"HTTP {code}";
            return fixture;
        }
        var items = plan.Items(example) ?? [];
        if (plan.NextPageQuery(example, items.Count) is { } next) exchanges.Add(Exchange(next, plan.EndOfList(example)));
        fixture["outputs"] = new JsonObject { ["items"] = items.DeepClone(), ["pages"] = items.Count == 0 ? 0 : 1, ["truncated"] = false };
        return fixture;
    }

    /// <summary>Which paging the operation shows: a cursor parameter, a Link response header, page/per_page or offset/limit.</summary>
    private static string? Paging(IEnumerable<IOpenApiParameter> parameters, OpenApiOperation operation)
    {
        var names = parameters.Where(p => p.In == ParameterLocation.Query).Select(p => p.Name!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (CursorNames.FirstOrDefault(names.Contains) is { } cursor) return $"cursor, parameter '{cursor}'";
        if (operation.Responses?.Values.Any(r => r.Headers?.Keys.Contains("Link", StringComparer.OrdinalIgnoreCase) == true) == true) return "Link header, rel=\"next\"";
        if (names.Contains("page")) return names.FirstOrDefault(n => n is "per_page" or "perPage" or "page_size" or "pageSize" or "limit") is { } size ? $"page number, parameters 'page' and '{size}'" : "page number, parameter 'page'";
        if (names.Contains("offset")) return "offset, parameters 'offset' and 'limit'";
        return null;
    }

    private string AddParameter(IOpenApiParameter p, bool required, string where)
    {
        var schema = p.Schema;
        var name = AddInput(PostmanTemplate.Identifier(p.Name!, "value"), schema is null ? "string" : TypeOf(schema), schema is null ? null : Default(schema, p.Name), required,
            p.Name!, (p.Description?.Trim() ?? $"The {where} parameter '{p.Name}'.") + (where == "path" ? " Must not be empty." : ""), schema is null ? null : Options(schema));
        if (_sample[name] is null && p.Example is { } example) _sample[name] = example.DeepClone();
        return name;
    }

    private string AddInput(string wanted, string type, JsonNode? @default, bool required, string label, string? description, JsonArray? options = null)
    {
        var name = wanted;
        for (var n = 2; _inputs.Any(i => i.Name == name); n++) name = wanted + n;
        _inputs.Add(new FlowParameter { Name = name, Type = type, Default = @default?.DeepClone(), Required = required && @default is null, Label = label, Description = description, Options = options });
        _sample[name] = @default?.DeepClone() ?? (options?.FirstOrDefault()?["value"]?.DeepClone()) ?? (type switch
        {
            "string" => JsonValue.Create($"sample-{name}"),
            "integer" => JsonValue.Create(1),
            "number" => JsonValue.Create(1),
            "boolean" => JsonValue.Create(true),
            _ => null,
        });
        if (!required && @default is null) _sample[name] = null; // left out of the request, as the action sends it
        return name;
    }

    /// <summary>A schema's default, unless it looks like a credential.</summary>
    private static JsonNode? Default(IOpenApiSchema schema, string? name) =>
        schema.Default is { } d && !(d is JsonValue v && v.TryGetValue(out string? s) && FlowConnectors.Catalog.SecretScanner.LooksLikeSecret(name, s)) ? d.DeepClone() : null;

    /// <summary>An enum as a static dropdown.</summary>
    private static JsonArray? Options(IOpenApiSchema schema) =>
        schema.Enum is { Count: > 0 } values
            ? new JsonArray(values.Where(v => v is not null).Select(v => (JsonNode?)new JsonObject { ["label"] = v!.ToString(), ["value"] = v.DeepClone() }).ToArray())
            : null;

    private static string TypeOf(IOpenApiSchema schema)
    {
        var type = schema.Type ?? 0;
        if (type.HasFlag(JsonSchemaType.Array)) return "array";
        if (type.HasFlag(JsonSchemaType.Object)) return "object";
        if (type.HasFlag(JsonSchemaType.Integer)) return "integer";
        if (type.HasFlag(JsonSchemaType.Number)) return "number";
        if (type.HasFlag(JsonSchemaType.Boolean)) return "boolean";
        if (type.HasFlag(JsonSchemaType.String)) return "string";
        return schema.Properties is { Count: > 0 } ? "object" : "any";
    }

    private static JsonNode? Example(OpenApiMediaType media) =>
        media.Example?.DeepClone() ?? media.Examples?.Values.Select(e => e.Value).FirstOrDefault(v => v is not null)?.DeepClone();
}
