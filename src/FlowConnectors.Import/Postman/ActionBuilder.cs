using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowConnectors.Testing;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Import.Postman;

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
    /// <summary>null: the connector's own auth; <c>none</c>; or an additional auth's name (the httpHelper's auth input).</summary>
    private readonly string? _authChoice;
    /// <summary>The auth this request sends (null for none): its header or query name is left to it.</summary>
    private readonly MappedAuth? _auth;
    /// <summary>Inputs that fill the path, which must not be empty.</summary>
    private readonly List<string> _pathInputs = [];
    private readonly List<FlowParameter> _inputs = [];
    private readonly Dictionary<string, string> _variableInputs = new(StringComparer.Ordinal);
    /// <summary>Each input's value when the fixture runs (its default, or a sample).</summary>
    private readonly Dictionary<string, JsonNode?> _sample = new(StringComparer.Ordinal);

    private ActionBuilder(string id, PostmanItem item, Dictionary<string, string> scope, PostmanImporter.ActionContext context, string? authChoice, MappedAuth? auth)
    {
        _authChoice = authChoice;
        _auth = auth;
        _id = id;
        _item = item;
        _request = item.Request!;
        _scope = scope;
        _context = context;
    }

    public static Result Build(string id, PostmanItem item, List<PostmanItem> folders, Dictionary<string, string> scope, PostmanImporter.ActionContext context,
        string? authChoice, MappedAuth? auth) =>
        new ActionBuilder(id, item, scope, context, authChoice, auth).Build(folders);

    private sealed class CredentialUse(string variable) : Exception(variable);

    private Result Build(List<PostmanItem> folders)
    {
        var (relativeJs, relativeSample, displayPath) = RelativeUrl();
        var example = _item.Responses.FirstOrDefault(r => r.Code is >= 200 and < 300) ?? _item.Responses.FirstOrDefault();
        var exampleBody = example is null ? null : ResponseBody(example);
        var plan = Paging(example, exampleBody);
        var (queryJs, querySample, queryEntries) = Query(plan?.Parameters);
        var (bodyJs, bodySample, contentType, bodyKind) = Body();
        var (headersJs, headersSample) = Headers(contentType);

        var callInputs = new JsonObject
        {
            ["relative_url"] = relativeJs.IsLiteral ? relativeSample : new JsonObject { ["js"] = relativeJs.Code },
            ["request_method"] = _request.Method,
        };
        if (_authChoice is not null) callInputs["auth"] = _authChoice;
        if (queryJs is not null) callInputs["query"] = new JsonObject { ["js"] = queryJs };
        if (headersJs is not null) callInputs["headers"] = new JsonObject { ["js"] = headersJs };
        if (bodyJs is not null) callInputs["body"] = new JsonObject { ["js"] = bodyJs };

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
        var card = new JsonObject { ["kind"] = "action", ["label"] = PostmanTemplate.DisplayName(_item.Name) };
        if (group.Length > 0) card["group"] = group;
        var authNote = _authChoice switch
        {
            null => "",
            Http.ConnectionAuth.None => " Sends no credentials (No Auth in the collection).",
            var name => $" Sends the connection's '{name}' auth ({_auth!.Kind}) instead of the connector's.",
        };
        var paging = plan is null ? "" : $" Paged ({plan.Describe()}).";
        card["description"] = PostmanImporter.Truncate((_item.Description ?? $"{_request.Method} {displayPath}") + paging + authNote, 300);
        var flow = new FlowDefinition
        {
            Id = _id,
            Name = PostmanTemplate.DisplayName(_item.Name),
            Description = $"{_request.Method} {displayPath} — imported from Postman ({_item.Path}).{paging}{authNote}",
            Inputs = _inputs,
            Outputs = outputs,
            Nodes =
            [
                new FlowNode { Id = "call", Type = "CallFlow", Name = $"{_request.Method} {displayPath}", Inputs = new(StringComparer.Ordinal) { ["flowId"] = "httpHelper", ["inputs"] = callInputs } },
                new FlowNode { Id = "done", Type = "Return", Name = "Return response", Inputs = new(StringComparer.Ordinal) { ["outputs"] = returnOutputs } },
            ],
            Connections = [new FlowConnection { FromNode = "call", Outcome = "done", To = "done" }],
        };
        if (plan is not null)
        {
            var maxItems = AddInput("maxItems", "integer", JsonValue.Create(1000), false, "Max Items", "Records gathered at most, across all pages.");
            plan.ApplyTo(flow, outputs, _request.Method, displayPath, callInputs["relative_url"], queryEntries, callInputs["headers"], maxItems);
            fields.Clear();
        }
        var firstCall = plan is null ? "call" : "pages";
        if (_pathInputs.Count > 0)
        {
            // An empty path input would send /tickets//status: refuse it before anything is sent, naming the input and the path.
            var list = "[" + string.Join(", ", _pathInputs.Distinct().Select(i => $"[{PostmanTemplate.Literal(i)}, input.{i}]")) + "]";
            const string Empty = "p => p[1] === undefined || p[1] === null || String(p[1]).trim() === ''";
            flow.Nodes.Insert(0, new FlowNode
            {
                Id = "checkPath", Type = "If", Name = "Path inputs given?",
                Inputs = new(StringComparer.Ordinal) { ["condition"] = new JsonObject { ["js"] = $"!{list}.some({Empty})" } },
            });
            flow.Nodes.Insert(1, new FlowNode
            {
                Id = "emptyPath", Type = "Fail", Name = "Empty path input",
                Inputs = new(StringComparer.Ordinal)
                {
                    ["message"] = new JsonObject { ["js"] = $"{list}.filter({Empty}).map(p => p[0]).join(', ') + ' must not be empty: it fills the path {_request.Method} ' + {PostmanTemplate.Literal(displayPath)}" },
                },
            });
            flow.Connections.Insert(0, new FlowConnection { FromNode = "checkPath", Outcome = "true", To = firstCall });
            flow.Connections.Insert(1, new FlowConnection { FromNode = "checkPath", Outcome = "false", To = "emptyPath" });
        }
        flow.Extensions["card"] = card;

        var fixtures = new List<JsonObject>();
        foreach (var response in _item.Responses)
            fixtures.Add(plan is null
                ? Fixture(response, relativeSample, querySample, headersSample, bodySample, bodyKind, fields)
                : PagedFixture(plan, response, relativeSample, querySample, headersSample));
        var summary = new ImportedAction(_id, _item.Name, group, _request.Method, displayPath,
            _inputs.Select(i => i.Name).ToList(), outputs.Select(o => o.Name).ToList(), _item.Responses.Count, _item.Path, _authChoice);
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

    /// <summary>
    /// The input a {{variable}} reads from (created on first use). Credentials of the connection's auths are
    /// refused where the auth applies anyway (URL, query, headers); in a body they become secret inputs.
    /// </summary>
    private string VariableInput(string variable, bool inBody = false)
    {
        if (_variableInputs.TryGetValue(variable, out var existing)) return existing;
        var credential = _context.CredentialVariables.Contains(variable);
        if (credential && !inBody) throw new CredentialUse(variable);
        var value = _scope.TryGetValue(variable, out var v) ? PostmanTemplate.Resolve(v, _scope) : null;
        if (credential || _context.SecretVariables.Contains(variable) || (value is not null && FlowConnectors.Catalog.SecretScanner.LooksLikeSecret(variable, value)))
        {
            // The value stays out of the connector (no default, no literal): the input is required and secret.
            var why = credential ? "a credential of the connection's auth" : _context.SecretVariables.Contains(variable) ? "a secret variable in the collection" : "a secret-looking value";
            _context.Warnings.Add(new(_request.Path, $"{{{{{variable}}}}} holds {why}; its value is not copied — the input '{PostmanTemplate.Identifier(variable, "value")}' is required and has no default"));
            var secret = AddInput(PostmanTemplate.Identifier(variable, "value"), "string", null, required: true, variable, $"{{{{{variable}}}}} ({why} in the collection)");
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

    /// <summary>Whether a {{variable}} in a body must become an input of its own: no value, or a value that must not be copied.</summary>
    private bool NeedsOwnInput(string variable)
    {
        if (_variableInputs.ContainsKey(variable)) return true;
        if (!_scope.TryGetValue(variable, out var v)) return true;
        return _context.CredentialVariables.Contains(variable) || _context.SecretVariables.Contains(variable) ||
            FlowConnectors.Catalog.SecretScanner.LooksLikeSecret(variable, PostmanTemplate.Resolve(v, _scope));
    }

    /// <summary>The text with every variable substituted except those that need an input of their own.</summary>
    private string ResolveKeeping(string text, out List<string> kept)
    {
        kept = PostmanTemplate.Variables(text).Distinct().Where(NeedsOwnInput).ToList();
        var keep = kept.ToHashSet(StringComparer.Ordinal);
        return PostmanTemplate.Resolve(text, _scope.Where(p => !keep.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
    }

    private Js Template(string text) =>
        PostmanTemplate.Variables(text).Any()
            ? new Js(PostmanTemplate.ToJs(text, v => "input." + VariableInput(v)), false)
            : new Js(PostmanTemplate.Literal(text), true);

    private string Sample(string text) =>
        PostmanTemplate.Resolve(text, _variableInputs.ToDictionary(p => p.Key, p => _sample[p.Value] is JsonValue s ? s.ToString() : "", StringComparer.Ordinal));

    private readonly record struct Js(string Code, bool IsLiteral);

    // ---- URL, query, headers ------------------------------------------------------------------

    private (Js Code, string Sample, string Display) RelativeUrl()
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
                    variable, $"Path parameter :{variable}; must not be empty.");
                _pathInputs.Add(pathInputs[variable]);
                template.Add($"{{{{{PathVariable}{variable}}}}}");
                continue;
            }
            var credential = PostmanTemplate.Variables(segment).FirstOrDefault(_context.CredentialVariables.Contains);
            if (credential is not null)
            {
                _context.Warnings.Add(new(_request.Path + ".url.path", $"{{{{{credential}}}}} is a credential of the connection; the path segment holding it is not imported"));
                continue;
            }
            template.Add(segment);
        }
        var text = "/" + string.Join('/', template);
        var literal = !PostmanTemplate.Variables(text).Any();
        var code = literal ? PostmanTemplate.Literal(text) : PostmanTemplate.ToJs(text, v =>
        {
            if (v[0] == PathVariable) return $"encodeURIComponent(input.{pathInputs[v[1..]]})";
            var input = VariableInput(v);
            _pathInputs.Add(input);
            return "input." + input;
        });
        // What a reader sees: /tickets/{ticketId}/status, not a sample value.
        var display = Regex.Replace(text, @"\{\{\u0001?([^{}]+)\}\}", m => "{" + m.Groups[1].Value.TrimStart(PathVariable).Trim() + "}");
        var samples = _variableInputs.ToDictionary(p => p.Key, p => _sample[p.Value] is JsonValue s ? s.ToString() : "", StringComparer.Ordinal);
        foreach (var (variable, input) in pathInputs) samples[PathVariable + variable] = Uri.EscapeDataString(_sample[input]?.ToString() ?? "");
        return (new Js(code, literal), PostmanTemplate.Resolve(text, samples), display);
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

    /// <summary>A literal value that looks like a credential becomes a required secret input instead of a literal in the flow.</summary>
    private Js? SecretLiteral(string key, string? value, string path)
    {
        if (value is null || PostmanTemplate.Variables(value).Any() || !FlowConnectors.Catalog.SecretScanner.LooksLikeSecret(key, value)) return null;
        var name = AddInput(PostmanTemplate.Identifier(key, "value"), "string", null, required: true, key, $"'{key}' (a literal credential in the collection, not copied)");
        _inputs[^1].Secret = true;
        _context.Warnings.Add(new(path, $"'{key}' holds a literal credential; it is not copied — the input '{name}' is required and has no default"));
        return new Js("input." + name, false);
    }

    /// <summary>The query as JavaScript (an object, and its <c>key: value</c> entries) and as sent; <paramref name="paging"/> is left to Paginate.</summary>
    private (string? Code, JsonObject Sample, List<string> Entries) Query(IReadOnlySet<string>? paging)
    {
        var entries = new List<(string Key, string Code, string Sample)>();
        foreach (var q in _request.Url.Query)
        {
            if (q.Disabled) continue;
            var key = PostmanTemplate.Resolve(q.Key, _scope);
            if (paging?.Contains(key) == true) continue;
            if (_auth?.QueryName is { } authQuery && key == authQuery)
            {
                _context.Warnings.Add(new(q.Path, $"query parameter '{key}' removed: the connector's API key auth adds it"));
                continue;
            }
            var secretJs = SecretLiteral(key, q.Value, q.Path);
            var js = secretJs ?? SafeTemplate(q.Value ?? "", q.Path);
            if (js is null) continue;
            entries.Add((key, js.Value.Code, secretJs is { } sj ? _sample[sj.Code["input.".Length..]]!.ToString() : Sample(q.Value ?? "")));
        }
        return (ObjectJs(entries), SampleObject(entries), ObjectEntries(entries));
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
                (_auth?.HeaderName is { } authHeader && key.Equals(authHeader, StringComparison.OrdinalIgnoreCase)))
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
            var secretJs = SecretLiteral(key, h.Value, h.Path);
            var js = secretJs ?? SafeTemplate(h.Value ?? "", h.Path);
            if (js is null) continue;
            entries.Add((key, js.Value.Code, secretJs is { } sj ? _sample[sj.Code["input.".Length..]]!.ToString() : Sample(h.Value ?? "")));
        }
        // Postman sends the body's content type on its own when the request has none.
        if (contentType is not null && !hasContentType)
            entries.Add(("Content-Type", PostmanTemplate.Literal(contentType), contentType));
        return (ObjectJs(entries), SampleObject(entries));
    }

    /// <summary>An object literal in source order (repeated keys become lists), so the wire order matches Postman's.</summary>
    private static string? ObjectJs(List<(string Key, string Code, string Sample)> entries) =>
        entries.Count == 0 ? null : "({ " + string.Join(", ", ObjectEntries(entries)) + " })";

    /// <summary>The <c>key: value</c> entries of <see cref="ObjectJs"/>; a repeated key is one list.</summary>
    private static List<string> ObjectEntries(List<(string Key, string Code, string Sample)> entries) =>
        entries.GroupBy(e => e.Key, StringComparer.Ordinal)
            .Select(g => $"{PostmanTemplate.Literal(g.Key)}: {(g.Count() == 1 ? g.First().Code : "[" + string.Join(", ", g.Select(e => e.Code)) + "]")}")
            .ToList();

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
                // Variables with no value, credentials and secret-looking values are not substituted: each
                // becomes an input of its own, and the action fills the {{placeholder}} in the body at run time.
                var resolved = ResolveKeeping(body.Raw, out var kept);
                var fills = new List<(string Placeholder, string Input)>();
                foreach (var variable in kept)
                {
                    if (!_scope.ContainsKey(variable))
                        _context.Warnings.Add(new(body.Path + ".raw", $"{{{{{variable}}}}} in the body has no value in the collection; it became the required input '{PostmanTemplate.Identifier(variable, "value")}'"));
                    fills.Add(($"{{{{{variable}}}}}", VariableInput(variable, inBody: true)));
                }
                var isJson = body.Language == "json" || (body.Language is null && explicitType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true);
                if (isJson)
                {
                    var parsed = PostmanImporter.ParseJson(resolved);
                    if (parsed is JsonObject or JsonArray)
                    {
                        HideLiteralSecrets(parsed, null, body.Path + ".raw", fills);
                        var name = AddInput("body", parsed is JsonArray ? "array" : "object", parsed, required: false, "Body",
                            fills.Count == 0 ? "The JSON request body; the collection's example is the default."
                                : $"The JSON request body; the collection's example is the default. {string.Join(", ", fills.Select(f => f.Placeholder))} in it {(fills.Count == 1 ? "is" : "are")} filled from the input{(fills.Count == 1 ? "" : "s")} of {(fills.Count == 1 ? "that" : "those")} name{(fills.Count == 1 ? "" : "s")}.");
                        return (Fill($"input.{name}", fills, json: true), FillSample(parsed, fills), "application/json", BodyKind.Json);
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
                return (Fill($"input.{text}", fills, json: false), FillSample(JsonValue.Create(resolved), fills), type, BodyKind.Text);
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
                    var value = ResolveKeeping(field.Value ?? "", out var kept);
                    var inputName = PostmanTemplate.Identifier(field.Key, "field");
                    string name;
                    if (kept.Count == 1 && PostmanTemplate.IsSingleVariable(field.Value ?? "", out var only))
                    {
                        // The whole field is one variable with no value, or one that must not be copied: that variable's input.
                        if (!_scope.ContainsKey(only))
                            _context.Warnings.Add(new(field.Path, $"form field '{field.Key}' holds {{{{{only}}}}}, which has no value in the collection; it became a required input"));
                        name = VariableInput(only, inBody: true);
                    }
                    else if (kept.Count > 0 || FlowConnectors.Catalog.SecretScanner.LooksLikeSecret(field.Key, value))
                    {
                        // Part literal, part a variable that cannot be filled in (or a literal credential): the field is a required input with no default.
                        var why = kept.Count > 0 ? string.Join(", ", kept.Select(k => $"{{{{{k}}}}}")) + " (no value in the collection, or a credential)" : "a literal credential, not copied";
                        _context.Warnings.Add(new(field.Path, $"form field '{field.Key}' holds {why}; it became a required input with no default"));
                        name = AddInput(inputName, "string", null, required: true, field.Key, $"Form field '{field.Key}'; the collection's value held {why}.");
                        _inputs[^1].Secret = kept.Any(k => _context.CredentialVariables.Contains(k) || _context.SecretVariables.Contains(k)) || kept.Count == 0;
                    }
                    else
                        name = AddInput(inputName, "string", JsonValue.Create(value), required: false, field.Key, $"Form field '{field.Key}'.");
                    entries.Add((field.Key, $"input.{name}", _sample[name]?.ToString() ?? ""));
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

    /// <summary>
    /// Replaces each literal credential in a JSON body (a secret-looking value, or a real-looking value under a
    /// credential name) with a {{placeholder}} filled from a new required secret input.
    /// </summary>
    private void HideLiteralSecrets(JsonNode? node, string? name, string path, List<(string Placeholder, string Input)> fills)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList()) HideLiteralSecrets(o[key], key, path, fills);
                break;
            case JsonArray a:
                foreach (var item in a.ToList()) HideLiteralSecrets(item, name, path, fills);
                break;
            case JsonValue v when v.TryGetValue(out string? text) && !text.Contains("{{", StringComparison.Ordinal) && FlowConnectors.Catalog.SecretScanner.LooksLikeSecret(name, text):
            {
                var input = AddInput(PostmanTemplate.Identifier(name ?? "secret", "secret"), "string", null, required: true, name ?? "secret",
                    $"'{name}' of the body (a literal credential in the collection, not copied)");
                _inputs[^1].Secret = true;
                _context.Warnings.Add(new(path, $"'{name}' in the body holds a literal credential; it is not copied — the input '{input}' is required and fills it"));
                var placeholder = $"{{{{{input}}}}}";
                fills.Add((placeholder, input));
                v.ReplaceWith(JsonValue.Create(placeholder));
                break;
            }
        }
    }

    /// <summary>The body input with its {{placeholders}} filled from their inputs (in a JSON body, as JSON string content).</summary>
    private static string Fill(string body, List<(string Placeholder, string Input)> fills, bool json)
    {
        if (fills.Count == 0) return body;
        var values = "({ " + string.Join(", ", fills.Select(f => $"{PostmanTemplate.Literal(f.Placeholder)}: input.{f.Input}")) + " })";
        return json
            ? $"((b, v) => {{ let s = JSON.stringify(b); for (const k of Object.keys(v)) s = s.split(k).join(JSON.stringify(v[k] == null ? '' : String(v[k])).slice(1, -1)); return JSON.parse(s); }})({body}, {values})"
            : $"((b, v) => {{ let s = b == null ? '' : String(b); for (const k of Object.keys(v)) s = s.split(k).join(v[k] == null ? '' : String(v[k])); return s; }})({body}, {values})";
    }

    /// <summary>The body the fixture expects: placeholders filled with the inputs' samples.</summary>
    private JsonNode? FillSample(JsonNode? body, List<(string Placeholder, string Input)> fills)
    {
        if (fills.Count == 0 || body is null) return body;
        var text = body is JsonValue v && v.TryGetValue(out string? s) ? s : body.ToJsonString();
        foreach (var (placeholder, input) in fills)
        {
            var sample = _sample[input]?.ToString() ?? "";
            text = text.Replace(placeholder, body is JsonValue ? sample : JsonSerializer.Serialize(sample)[1..^1], StringComparison.Ordinal);
        }
        return body is JsonValue ? JsonValue.Create(text) : JsonNode.Parse(text);
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

    // ---- paging -------------------------------------------------------------------------------

    /// <summary>
    /// How the request pages, if it does and the collection shows enough (a saved example with the records): the same
    /// Http.Paginate strategies as the OpenAPI import. A request that pages but cannot be walked is one call and a warning.
    /// </summary>
    private PagingPlan? Paging(PostmanResponse? example, JsonNode? exampleBody)
    {
        // Disabled parameters count: collections (Stripe's among them) list starting_after or cursor disabled, for the next page.
        var query = _request.Url.Query.Select(q => (PostmanTemplate.Resolve(q.Key, _scope), q.Value)).ToList();
        var shown = example is { Code: >= 200 and < 300 } ? exampleBody : null;
        var link = example?.Headers.FirstOrDefault(h => !h.Disabled && h.Key.Equals("Link", StringComparison.OrdinalIgnoreCase))?.Value;
        var plan = PagingPlan.FromExample(query, _request.Method, _authChoice, shown, link, out var note);
        if (note is not null) _context.Warnings.Add(new(_request.Path + ".url", note));
        return plan;
    }

    /// <summary>
    /// A paged action's fixture from a saved example: the example is the first page (its Link header left out, so the
    /// fixture stops there); when Paginate would ask for another (a next cursor, has_more, page or offset), the stub
    /// answers with the end of the list. A non-2xx example is a fault of the first page.
    /// </summary>
    private JsonObject PagedFixture(PagingPlan plan, PostmanResponse response, string relative, JsonObject query, JsonObject headers)
    {
        var sentHeaders = new JsonObject();
        foreach (var (name, value) in headers)
            if (!FixtureRunner.CredentialHeaders.Contains(name) && value is JsonValue)
                sentHeaders[name.ToLowerInvariant()] = value.DeepClone();
        var body = ResponseBody(response) ?? new JsonArray();
        var responseHeaders = new JsonObject();
        foreach (var h in response.Headers)
            if (!h.Disabled && !PostmanImporter.IsDroppedResponseHeader(h.Key) && !h.Key.Equals("Link", StringComparison.OrdinalIgnoreCase))
                responseHeaders[h.Key.ToLowerInvariant()] = h.Value ?? "";
        if (!responseHeaders.Any(h => h.Key == "content-type")) responseHeaders["content-type"] = "application/json";
        var exchanges = new JsonArray();
        JsonObject Exchange(IEnumerable<(string Name, string Value)> paging, JsonNode page)
        {
            var sent = (JsonObject)query.DeepClone();
            foreach (var (name, value) in paging) sent[name] = value;
            return new JsonObject
            {
                ["request"] = new JsonObject { ["method"] = _request.Method, ["path"] = _context.BasePath + relative, ["query"] = sent, ["headers"] = sentHeaders.DeepClone() },
                ["response"] = new JsonObject { ["status"] = response.Code, ["headers"] = responseHeaders.DeepClone(), ["body"] = page.DeepClone() },
            };
        }
        exchanges.Add(Exchange(plan.Strategy == "linkHeader" ? [] : plan.FirstPageQuery(), body));
        var inputs = new JsonObject();
        foreach (var input in _inputs.Where(i => i.Default is null && _sample[i.Name] is not null))
            inputs[input.Name] = _sample[input.Name]!.DeepClone();
        var fixture = new JsonObject
        {
            ["description"] = $"example '{response.Name}' saved in Postman ({response.Path}), as the first page",
            ["flow"] = _id,
            ["inputs"] = inputs,
            ["exchanges"] = exchanges,
        };
        if (response.Code is < 200 or > 299)
        {
            fixture["fault"] = $"HTTP {response.Code}";
            return fixture;
        }
        var items = plan.Items(body) ?? [];
        if (plan.Strategy != "linkHeader" && plan.NextPageQuery(body, items.Count) is { } next) exchanges.Add(Exchange(next, plan.EndOfList(body)));
        fixture["outputs"] = new JsonObject { ["items"] = items.DeepClone(), ["pages"] = items.Count == 0 ? 0 : 1, ["truncated"] = false };
        return fixture;
    }

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
