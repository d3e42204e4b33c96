using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Testing;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Connectors.Postman;

/// <summary>One Postman request → one action flow (a CallFlow to httpHelper and a Return), its card and its fixtures.</summary>
internal sealed class ActionBuilder
{
    internal sealed record Result(FlowDefinition Flow, ImportedAction Summary, List<JsonObject> Fixtures);

    private static readonly string[] Reserved = ["statusCode", "headers", "body"];

    private readonly string _id;
    private readonly PostmanItem _item;
    private readonly PostmanRequest _request;
    private readonly Dictionary<string, string> _scope;
    private readonly PostmanImporter.ActionContext _context;
    private readonly List<FlowParameter> _inputs = [];
    private readonly Dictionary<string, string> _variableInputs = new(StringComparer.Ordinal);
    /// <summary>Each input's value when the fixture runs (its default, or a sample).</summary>
    private readonly Dictionary<string, JsonNode?> _sample = new(StringComparer.Ordinal);

    private ActionBuilder(string id, PostmanItem item, Dictionary<string, string> scope, PostmanImporter.ActionContext context)
    {
        _id = id;
        _item = item;
        _request = item.Request!;
        _scope = scope;
        _context = context;
    }

    public static Result Build(string id, PostmanItem item, List<PostmanItem> folders, Dictionary<string, string> scope, PostmanImporter.ActionContext context) =>
        new ActionBuilder(id, item, scope, context).Build(folders);

    private sealed class CredentialUse(string variable) : Exception(variable);

    private Result Build(List<PostmanItem> folders)
    {
        var (relativeJs, relativeSample) = RelativeUrl();
        var (queryJs, querySample) = Query();
        var (bodyJs, bodySample, contentType, bodyKind) = Body();
        var (headersJs, headersSample) = Headers(contentType);

        var callInputs = new JsonObject
        {
            ["relative_url"] = relativeJs.IsLiteral ? relativeSample : new JsonObject { ["js"] = relativeJs.Code },
            ["request_method"] = _request.Method,
        };
        if (queryJs is not null) callInputs["query"] = new JsonObject { ["js"] = queryJs };
        if (headersJs is not null) callInputs["headers"] = new JsonObject { ["js"] = headersJs };
        if (bodyJs is not null) callInputs["body"] = new JsonObject { ["js"] = bodyJs };

        var example = _item.Responses.FirstOrDefault(r => r.Code is >= 200 and < 300) ?? _item.Responses.FirstOrDefault();
        var exampleBody = example is null ? null : ResponseBody(example);
        var outputs = new List<FlowParameter>
        {
            new() { Name = "statusCode", Type = "integer", Label = "Status Code" },
            new() { Name = "headers", Type = "object", Label = "Headers", Description = "Response headers (lower-case names)." },
            // Any: an error response need not look like the example.
            new() { Name = "body", Type = "any", Label = "Body", Description = example is null ? "The response body." : $"The response body ({TypeOf(exampleBody)} in the example '{example.Name}')." },
        };
        var returnOutputs = new JsonObject
        {
            ["statusCode"] = new JsonObject { ["js"] = "nodes.call.outputs.status_code" },
            ["headers"] = new JsonObject { ["js"] = "nodes.call.outputs.headers" },
            ["body"] = new JsonObject { ["js"] = "nodes.call.outputs.body" },
        };
        var fields = new List<(string Output, string Field)>();
        if (exampleBody is JsonObject sample)
            foreach (var (field, value) in sample)
            {
                var output = PostmanTemplate.Identifier(field, "field");
                if (Reserved.Contains(output) || outputs.Any(o => o.Name == output)) continue;
                outputs.Add(new FlowParameter { Name = output, Type = TypeOf(value), Label = field, Description = $"'{field}' of the response body." });
                returnOutputs[output] = new JsonObject { ["js"] = $"(nodes.call.outputs.body || {{}})[{PostmanTemplate.Literal(field)}] ?? null" };
                fields.Add((output, field));
            }

        var group = string.Join(" / ", folders.Select(f => f.Name));
        var card = new JsonObject { ["kind"] = "action", ["label"] = _item.Name };
        if (group.Length > 0) card["group"] = group;
        card["description"] = PostmanImporter.Truncate(_item.Description ?? $"{_request.Method} {relativeSample}", 300);
        var flow = new FlowDefinition
        {
            Id = _id,
            Name = _item.Name,
            Description = $"{_request.Method} {relativeSample} — imported from Postman ({_item.Path}).",
            Inputs = _inputs,
            Outputs = outputs,
            Nodes =
            [
                new FlowNode { Id = "call", Type = "CallFlow", Name = $"{_request.Method} {relativeSample}", Inputs = new(StringComparer.Ordinal) { ["flowId"] = "httpHelper", ["inputs"] = callInputs } },
                new FlowNode { Id = "done", Type = "Return", Name = "Return response", Inputs = new(StringComparer.Ordinal) { ["outputs"] = returnOutputs } },
            ],
            Connections = [new FlowConnection { FromNode = "call", Outcome = "done", To = "done" }],
        };
        flow.Extensions["card"] = card;

        var fixtures = new List<JsonObject>();
        foreach (var response in _item.Responses)
            fixtures.Add(Fixture(response, relativeSample, querySample, headersSample, bodySample, bodyKind, fields));
        var summary = new ImportedAction(_id, _item.Name, group, _request.Method, relativeSample,
            _inputs.Select(i => i.Name).ToList(), outputs.Select(o => o.Name).ToList(), _item.Responses.Count, _item.Path);
        return new Result(flow, summary, fixtures);
    }

    // ---- inputs -------------------------------------------------------------------------------

    private string AddInput(string wanted, string type, JsonNode? @default, bool required, string label, string? description)
    {
        var name = wanted;
        for (var n = 2; _inputs.Any(i => i.Name == name); n++) name = wanted + n;
        _inputs.Add(new FlowParameter { Name = name, Type = type, Default = @default?.DeepClone(), Required = required && @default is null, Label = label, Description = description });
        _sample[name] = @default?.DeepClone() ?? (type == "string" ? JsonValue.Create($"sample-{name}") : null);
        return name;
    }

    /// <summary>The input a {{variable}} reads from (created on first use); credentials are refused.</summary>
    private string VariableInput(string variable)
    {
        if (_variableInputs.TryGetValue(variable, out var existing)) return existing;
        if (_context.Auth.CredentialVariables.Contains(variable)) throw new CredentialUse(variable);
        var value = _scope.TryGetValue(variable, out var v) ? PostmanTemplate.Resolve(v, _scope) : null;
        if (_context.SecretVariables.Contains(variable))
        {
            // Postman's "secret" variables: the value stays out of the connector; the input is marked secret.
            _context.Warnings.Add(new(_request.Path, $"{{{{{variable}}}}} is a secret variable in the collection; its value is not copied — the input '{PostmanTemplate.Identifier(variable, "value")}' has no default"));
            var secret = AddInput(PostmanTemplate.Identifier(variable, "value"), "string", null, required: true, variable, $"{{{{{variable}}}}} (a secret variable in the collection)");
            _inputs[^1].Secret = true;
            _variableInputs[variable] = secret;
            return secret;
        }
        if (variable.StartsWith('$'))
            _context.Warnings.Add(new(_request.Path, $"dynamic variable {{{{{variable}}}}} is generated by Postman at run time; it became the input '{PostmanTemplate.Identifier(variable, "value")}'"));
        var name = AddInput(PostmanTemplate.Identifier(variable, "value"), "string", value is null ? null : JsonValue.Create(value), required: true,
            variable, _context.BaseVariables.Contains(variable) ? $"{{{{{variable}}}}} (also part of the base URL)" : $"{{{{{variable}}}}} in the collection");
        _variableInputs[variable] = name;
        return name;
    }

    private Js Template(string text) =>
        PostmanTemplate.Variables(text).Any()
            ? new Js(PostmanTemplate.ToJs(text, v => "input." + VariableInput(v)), false)
            : new Js(PostmanTemplate.Literal(text), true);

    private string Sample(string text) =>
        PostmanTemplate.Resolve(text, _variableInputs.ToDictionary(p => p.Key, p => _sample[p.Value] is JsonValue s ? s.ToString() : "", StringComparer.Ordinal));

    private readonly record struct Js(string Code, bool IsLiteral);

    // ---- URL, query, headers ------------------------------------------------------------------

    private (Js Code, string Sample) RelativeUrl()
    {
        const char PathVariable = '\u0001';
        var template = new List<string>();
        var pathInputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var segment in _request.Url.Path)
        {
            if (segment.StartsWith(':') && segment.Length > 1)
            {
                var variable = segment[1..];
                var declared = _request.Url.PathVariables.FirstOrDefault(p => p.Key == variable);
                var value = declared?.Value is { Length: > 0 } dv ? PostmanTemplate.Resolve(dv, _scope) : null;
                pathInputs[variable] = AddInput(PostmanTemplate.Identifier(variable, "id"), "string", value is null ? null : JsonValue.Create(value), required: true,
                    variable, $"Path parameter :{variable}.");
                template.Add($"{{{{{PathVariable}{variable}}}}}");
                continue;
            }
            var credential = PostmanTemplate.Variables(segment).FirstOrDefault(_context.Auth.CredentialVariables.Contains);
            if (credential is not null)
            {
                _context.Warnings.Add(new(_request.Path + ".url.path", $"{{{{{credential}}}}} is a credential of the connection; the path segment holding it is not imported"));
                continue;
            }
            template.Add(segment);
        }
        var text = "/" + string.Join('/', template);
        var literal = !PostmanTemplate.Variables(text).Any();
        var code = literal ? PostmanTemplate.Literal(text) : PostmanTemplate.ToJs(text, v => v[0] == PathVariable
            ? $"encodeURIComponent(input.{pathInputs[v[1..]]})"
            : "input." + VariableInput(v));
        var samples = _variableInputs.ToDictionary(p => p.Key, p => _sample[p.Value] is JsonValue s ? s.ToString() : "", StringComparer.Ordinal);
        foreach (var (variable, input) in pathInputs) samples[PathVariable + variable] = Uri.EscapeDataString(_sample[input]?.ToString() ?? "");
        return (new Js(code, literal), PostmanTemplate.Resolve(text, samples));
    }

    /// <summary>A template, or null (with a warning) when it would put a credential into a card input.</summary>
    private Js? SafeTemplate(string text, string path)
    {
        try { return Template(text); }
        catch (CredentialUse e)
        {
            _context.Warnings.Add(new(path, $"{{{{{e.Message}}}}} is a credential of the connection; it is not copied into the action (the connector's auth applies)"));
            return null;
        }
    }

    private (string? Code, JsonObject Sample) Query()
    {
        var entries = new List<(string Key, string Code, string Sample)>();
        foreach (var q in _request.Url.Query)
        {
            if (q.Disabled) continue;
            var key = PostmanTemplate.Resolve(q.Key, _scope);
            if (_context.Auth.QueryName is { } authQuery && key == authQuery)
            {
                _context.Warnings.Add(new(q.Path, $"query parameter '{key}' removed: the connector's API key auth adds it"));
                continue;
            }
            var js = SafeTemplate(q.Value ?? "", q.Path);
            if (js is null) continue;
            entries.Add((key, js.Value.Code, Sample(q.Value ?? "")));
        }
        return (ObjectJs(entries), SampleObject(entries));
    }

    private (string? Code, JsonObject Sample) Headers(string? contentType)
    {
        var entries = new List<(string Key, string Code, string Sample)>();
        var hasContentType = false;
        foreach (var h in _request.Headers)
        {
            if (h.Disabled) continue;
            var key = PostmanTemplate.Resolve(h.Key, _scope).Trim();
            if (key.Equals("Authorization", StringComparison.OrdinalIgnoreCase) ||
                (_context.Auth.HeaderName is { } authHeader && key.Equals(authHeader, StringComparison.OrdinalIgnoreCase)))
            {
                _context.Warnings.Add(new(h.Path, $"header '{key}' removed: the connector's auth applies"));
                continue;
            }
            if (Http.Requests.SensitiveHeaders.IsSensitive(key))
            {
                _context.Warnings.Add(new(h.Path, $"header '{key}' removed: it carries a credential, and credentials live only in the connection (set the connector's auth in connector.json)"));
                continue;
            }
            if (key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                if (contentType is null) continue; // no body to describe
                if (contentType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)) continue; // the encoder adds the boundary
                hasContentType = true;
            }
            var js = SafeTemplate(h.Value ?? "", h.Path);
            if (js is null) continue;
            entries.Add((key, js.Value.Code, Sample(h.Value ?? "")));
        }
        // Postman sends the body's content type on its own when the request has none.
        if (contentType is not null && !hasContentType)
            entries.Add(("Content-Type", PostmanTemplate.Literal(contentType), contentType));
        return (ObjectJs(entries), SampleObject(entries));
    }

    /// <summary>An object literal in source order (repeated keys become lists), so the wire order matches Postman's.</summary>
    private static string? ObjectJs(List<(string Key, string Code, string Sample)> entries)
    {
        if (entries.Count == 0) return null;
        var parts = entries.GroupBy(e => e.Key, StringComparer.Ordinal)
            .Select(g => $"{PostmanTemplate.Literal(g.Key)}: {(g.Count() == 1 ? g.First().Code : "[" + string.Join(", ", g.Select(e => e.Code)) + "]")}");
        return "({ " + string.Join(", ", parts) + " })";
    }

    private static JsonObject SampleObject(List<(string Key, string Code, string Sample)> entries)
    {
        var o = new JsonObject();
        foreach (var g in entries.GroupBy(e => e.Key, StringComparer.Ordinal))
            o[g.Key] = g.Count() == 1 ? JsonValue.Create(g.First().Sample) : new JsonArray(g.Select(e => (JsonNode?)JsonValue.Create(e.Sample)).ToArray());
        return o;
    }

    // ---- body ---------------------------------------------------------------------------------

    private enum BodyKind { None, Json, Text, Form, Multipart }

    private (string? Code, JsonNode? Sample, string? ContentType, BodyKind Kind) Body()
    {
        var body = _request.Body;
        if (body is null || body.Mode == "none") return (null, null, null, BodyKind.None);
        var explicitType = _request.Headers.Where(h => !h.Disabled && h.Key.Trim().Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            .Select(h => PostmanTemplate.Resolve(h.Value ?? "", _scope)).LastOrDefault();
        switch (body.Mode)
        {
            case "raw":
            {
                if (string.IsNullOrEmpty(body.Raw)) return (null, null, null, BodyKind.None);
                var resolved = PostmanTemplate.Resolve(body.Raw, _scope);
                foreach (var unknown in PostmanTemplate.Variables(resolved).Distinct())
                    _context.Warnings.Add(new(body.Path + ".raw", $"{{{{{unknown}}}}} in the body has no value in the collection; it stays as text in the body's default"));
                var isJson = body.Language == "json" || (body.Language is null && explicitType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true);
                if (isJson)
                {
                    var parsed = PostmanImporter.ParseJson(resolved);
                    if (parsed is JsonObject or JsonArray)
                    {
                        var name = AddInput("body", parsed is JsonArray ? "array" : "object", parsed, required: false, "Body",
                            "The JSON request body; the collection's example is the default.");
                        return ($"input.{name}", parsed, "application/json", BodyKind.Json);
                    }
                    _context.Warnings.Add(new(body.Path + ".raw", "the raw JSON body is not a JSON object or list (after substituting variables); it is sent as text"));
                }
                var type = isJson ? "application/json" : body.Language switch
                {
                    "javascript" => "application/javascript",
                    "html" => "text/html",
                    "xml" => "application/xml",
                    _ => "text/plain",
                };
                var text = AddInput("body", "string", JsonValue.Create(resolved), required: false, "Body", "The request body as text; the collection's example is the default.");
                return ($"input.{text}", JsonValue.Create(resolved), type, BodyKind.Text);
            }
            case "urlencoded":
            case "formdata":
            {
                var multipart = body.Mode == "formdata";
                var entries = new List<(string Key, string Code, string Sample)>();
                foreach (var field in body.Fields)
                {
                    if (field.Disabled) continue;
                    if (multipart && field.Type == "file")
                    {
                        _context.Warnings.Add(new(field.Path, $"file field '{field.Key}' not imported: only text fields of form-data bodies are"));
                        continue;
                    }
                    var value = PostmanTemplate.Resolve(field.Value ?? "", _scope);
                    var name = AddInput(PostmanTemplate.Identifier(field.Key, "field"), "string", JsonValue.Create(value), required: false, field.Key,
                        $"Form field '{field.Key}'.");
                    entries.Add((field.Key, $"input.{name}", value));
                }
                if (entries.Count == 0) return (null, null, null, BodyKind.None);
                return (ObjectJs(entries), SampleObject(entries), multipart ? "multipart/form-data" : "application/x-www-form-urlencoded",
                    multipart ? BodyKind.Multipart : BodyKind.Form);
            }
            default:
                _context.Warnings.Add(new(body.Path + ".mode", $"body mode '{body.Mode}' is not supported (raw, urlencoded and formdata are); the request is imported without a body"));
                return (null, null, null, BodyKind.None);
        }
    }

    // ---- examples → outputs and fixtures ------------------------------------------------------

    private static JsonNode? ResponseBody(PostmanResponse response)
    {
        var json = PostmanImporter.ParseJson(response.Body);
        if (json is not null) return json;
        return string.IsNullOrEmpty(response.Body) ? null : JsonValue.Create(response.Body);
    }

    private static string TypeOf(JsonNode? value) => value switch
    {
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => v.TryGetValue(out long _) ? "integer" : "number",
            _ => "any",
        },
        _ => "any",
    };

    private JsonObject Fixture(PostmanResponse response, string relative, JsonObject query, JsonObject headers, JsonNode? body, BodyKind kind,
        List<(string Output, string Field)> fields)
    {
        var request = new JsonObject
        {
            ["method"] = _request.Method,
            ["path"] = _context.BasePath + relative,
            ["query"] = query.DeepClone(),
        };
        var sentHeaders = new JsonObject();
        foreach (var (name, value) in headers)
            if (!FixtureRunner.CredentialHeaders.Contains(name) && value is JsonValue)
                sentHeaders[name.ToLowerInvariant()] = value.DeepClone();
        request["headers"] = sentHeaders;
        // Form bodies are compared by the conformance tests; the fixture checks JSON and text exactly.
        if (kind is BodyKind.Json or BodyKind.Text) request["body"] = body?.DeepClone();

        var responseBody = ResponseBody(response);
        var responseHeaders = new JsonObject();
        foreach (var h in response.Headers)
            if (!h.Disabled && !PostmanImporter.IsDroppedResponseHeader(h.Key))
                responseHeaders[h.Key.ToLowerInvariant()] = h.Value ?? "";
        if (responseBody is JsonObject or JsonArray && !responseHeaders.Any(h => h.Key == "content-type"))
            responseHeaders["content-type"] = "application/json";
        var isJson = responseHeaders["content-type"]?.ToString().Contains("json", StringComparison.OrdinalIgnoreCase) == true;
        if (!isJson && responseBody is not null && responseBody is not JsonValue) responseBody = JsonValue.Create(response.Body);

        var outputs = new JsonObject
        {
            ["statusCode"] = response.Code,
            ["headers"] = responseHeaders.DeepClone(),
            ["body"] = responseBody?.DeepClone(),
        };
        foreach (var (output, field) in fields)
            outputs[output] = responseBody is JsonObject o ? o[field]?.DeepClone() : null;

        var inputs = new JsonObject();
        foreach (var input in _inputs.Where(i => i.Default is null && _sample[i.Name] is not null))
            inputs[input.Name] = _sample[input.Name]!.DeepClone();
        var responseNode = new JsonObject { ["status"] = response.Code, ["headers"] = responseHeaders };
        if (responseBody is not null) responseNode["body"] = responseBody;
        return new JsonObject
        {
            ["description"] = $"example '{response.Name}' saved in Postman ({response.Path})",
            ["flow"] = _id,
            ["inputs"] = inputs,
            ["exchanges"] = new JsonArray(new JsonObject { ["request"] = request, ["response"] = responseNode }),
            ["outputs"] = outputs,
        };
    }
}
