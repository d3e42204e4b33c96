using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Collection;

/// <summary>What the user chose when adding a connector from a template.</summary>
public sealed record CompileOptions
{
    /// <summary>The connector's display name.</summary>
    public required string Name { get; init; }
    /// <summary>Connector key; derived from <see cref="Name"/> when null.</summary>
    public string? Key { get; init; }
    /// <summary>Replaces the template's base URL (a self-hosted instance; a stub in tests).</summary>
    public string? BaseUrl { get; init; }
    /// <summary>Replaces the template's OAuth token URL.</summary>
    public string? TokenUrl { get; init; }
}

/// <summary>
/// Compiles a template into an ordinary connector folder: <c>connector.json</c> with the template's
/// auth and resilience settings (credentials become password connection parameters, so they live
/// encrypted in a connection), <c>httpHelper</c>, <c>_authping</c> (one small request to the users
/// URL: "saving tests the connection") and <c>collectUsers</c> — Http.Paginate in pages mode with a
/// Collection.StoreUsers node as its loop body, which opens and runs in the designer like any flow.
/// </summary>
public static partial class TemplateCompiler
{
    public const string CollectFlow = ConnectorPackage.CollectUsersFlow;
    public const string TemplateFile = "collection.template.json";
    /// <summary>The collect flow's page limit outside an import, and for a first import: a million users at 100 a page.</summary>
    public const int DefaultMaxPages = 10_000;

    /// <summary>A connector key from a name: lower case, '-' between words, 2–40 characters.</summary>
    public static string KeyFor(string name)
    {
        var key = ManifestReader.KeyFrom(name);
        if (key.Length < 2) return "collection-" + key;
        return ManifestReader.ReservedKeys.Contains(key) ? key + "-users" : key;
    }

    /// <summary>Writes the connector folder (created or emptied first) and returns its key.</summary>
    public static string WriteFolder(CollectionTemplate template, JsonObject templateJson, CompileOptions options, string folder)
    {
        var files = Compile(template, options);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(Path.Combine(folder, "flows"));
        foreach (var (path, content) in files) File.WriteAllText(Path.Combine(folder, path), content);
        File.WriteAllText(Path.Combine(folder, TemplateFile), CanonicalJson.WriteIndented(templateJson) + "\n");
        return (string)JsonNode.Parse(files["connector.json"])!["key"]!;
    }

    /// <summary>The connector's files by relative path.</summary>
    public static Dictionary<string, string> Compile(CollectionTemplate template, CompileOptions options)
    {
        var key = options.Key ?? KeyFor(options.Name);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["connector.json"] = CanonicalJson.WriteIndented(Manifest(template, options, key)) + "\n",
            ["flows/httpHelper.flow.json"] = Flow(HttpHelper(template)),
            ["flows/_authping.flow.json"] = Flow(AuthPing(template)),
            [$"flows/{CollectFlow}.flow.json"] = Flow(Collect(template)),
        };
    }

    private static string Flow(JsonObject flow) => FlowJson.Save(FlowJson.Parse(flow.ToJsonString())) + "\n";

    internal static JsonObject Manifest(CollectionTemplate template, CompileOptions options, string key)
    {
        var parameters = new JsonArray();
        foreach (var p in template.Parameters)
        {
            var parameter = new JsonObject { ["name"] = p.Name, ["label"] = p.Label, ["type"] = "text", ["required"] = p.Required };
            if (p.Description is not null) parameter["description"] = p.Description;
            if (p.Default is not null) parameter["default"] = p.Default;
            parameters.Add(parameter);
        }
        JsonObject auth;
        if (template.Auth.Kind == TemplateAuthKind.ApiKey)
        {
            auth = new JsonObject
            {
                ["kind"] = "apiKey",
                ["parameter"] = "token",
                ["in"] = "header",
                ["name"] = template.Auth.Header,
                ["tokenType"] = template.Auth.TokenType,
            };
            parameters.Add(new JsonObject
            {
                ["name"] = "token", ["label"] = "API key", ["type"] = "password", ["required"] = true,
                ["description"] = $"{template.Vendor} API key or token, sent as {template.Auth.Header}: {(template.Auth.TokenType.Length > 0 ? template.Auth.TokenType + " " : "")}<key>.",
            });
        }
        else
        {
            auth = new JsonObject
            {
                ["kind"] = "oauth2ClientCredentials",
                ["tokenUrl"] = options.TokenUrl ?? template.Auth.TokenUrl,
                ["clientIdParameter"] = "clientId",
                ["clientSecretParameter"] = "clientSecret",
                ["clientAuthentication"] = template.Auth.Credentials == "body" ? "client_secret_post" : "client_secret_basic",
            };
            if (template.Auth.Scope is { } scope) auth["scope"] = scope;
            parameters.Add(new JsonObject { ["name"] = "clientId", ["label"] = "Client ID", ["type"] = "text", ["required"] = true });
            parameters.Add(new JsonObject { ["name"] = "clientSecret", ["label"] = "Client secret", ["type"] = "password", ["required"] = true });
        }
        var manifest = new JsonObject
        {
            ["key"] = key,
            ["name"] = options.Name,
            ["version"] = "1.0.0",
            ["description"] = template.Description ?? $"Collects {template.Vendor} users ({template.Name} template).",
            ["baseUrl"] = (options.BaseUrl ?? template.BaseUrl).TrimEnd('/'),
            ["auth"] = auth,
            ["connectionParameters"] = parameters,
            ["http"] = template.Http?.DeepClone() ?? new JsonObject { ["maxRetries"] = 3, ["attemptTimeout"] = "00:00:30" },
        };
        return manifest;
    }

    private static JsonObject HttpHelper(CollectionTemplate template) => new()
    {
        ["format"] = 1,
        ["id"] = "httpHelper",
        ["name"] = "HTTP Helper",
        ["description"] = $"Sends a request to the {template.Vendor} API with the connection's credentials.",
        ["inputs"] = new JsonArray(
            Param("relative_url", "string", "Relative URL", required: true),
            Param("request_method", "string", "Request method", defaultValue: "GET"),
            Param("query", "object", "Query"),
            Param("headers", "object", "Headers"),
            Param("body", "any", "Body")),
        ["outputs"] = new JsonArray(Param("status_code", "integer", "Status code"), Param("headers", "object", "Headers"), Param("body", "any", "Body")),
        ["nodes"] = new JsonArray(
            Node("send", "Http.SendRequest", new JsonObject
            {
                ["method"] = Js("input.request_method"),
                ["url"] = Js("input.relative_url"),
                ["query"] = Js("input.query || {}"),
                ["headers"] = Js("input.headers || {}"),
                ["body"] = Js("input.body"),
                ["outcomes"] = new JsonArray("2xx", "3xx", "4xx", "5xx"),
                ["useConnection"] = true,
            }),
            Node("done", "Return", new JsonObject
            {
                ["outputs"] = new JsonObject
                {
                    ["status_code"] = Js("nodes.send.statusCode"),
                    ["headers"] = Js("nodes.send.headers"),
                    ["body"] = Js("nodes.send.body"),
                },
            })),
        ["connections"] = new JsonArray(Link("send:2xx", "done"), Link("send:3xx", "done"), Link("send:4xx", "done"), Link("send:5xx", "done"), Link("send:unmatched", "done")),
    };

    private static JsonObject AuthPing(CollectionTemplate template)
    {
        var query = template.Query is null ? new JsonObject() : (JsonObject)template.Query.DeepClone();
        var p = template.Pagination;
        switch (p.Kind)
        {
            case TemplatePaginationKind.OffsetLimit or TemplatePaginationKind.CursorLimit or TemplatePaginationKind.LinkHeader when p.LimitParameter.Length > 0:
                query[p.LimitParameter] = 1;
                break;
            case TemplatePaginationKind.PageNumber when p.PageSizeParameter.Length > 0:
                query[p.PageSizeParameter] = 1;
                break;
        }
        // One check for the whole answer, in the order a user fixes things: the status, then whether it is the API
        // at all (a sign-in page is HTML with a 200), then the API's own error flag, then where the records are.
        var reason = $"({PingReason(template)})(nodes.call.outputs)";
        return new JsonObject
        {
            ["format"] = 1,
            ["id"] = "_authping",
            ["name"] = "Test connection",
            ["description"] = $"Asks {template.Vendor} for one user; the test fails unless the answer is a 2xx JSON body{(template.ResponseCheck is null ? "" : " with " + template.ResponseCheck.OkField + " true")} " +
                              $"with a list of records at '{template.RecordsPath}'.",
            ["nodes"] = new JsonArray(
                Node("call", "CallFlow", new JsonObject
                {
                    ["flowId"] = "httpHelper",
                    ["inputs"] = new JsonObject { ["relative_url"] = template.UsersUrl, ["request_method"] = "GET", ["query"] = query },
                }),
                Node("check", "If", new JsonObject { ["condition"] = Js(reason + " === null") }),
                Node("ok", "Return", null),
                Node("fail", "Fail", new JsonObject { ["message"] = Js(reason) })),
            ["connections"] = new JsonArray(Link("call:done", "check"), Link("check:true", "ok"), Link("check:false", "fail")),
        };
    }

    /// <summary>A JavaScript function of the httpHelper outputs: why the answer is not a page of users, or null.</summary>
    private static string PingReason(CollectionTemplate template)
    {
        var vendor = JsonSerializer.Serialize(template.Vendor);
        var records = template.RecordsPath;
        var check = template.ResponseCheck;
        var errorText = check?.ErrorField is { } errorField
            ? $"{vendor} + ' error: ' + (({Guard("b", errorField)}) || ('HTTP ' + r.status_code))"
            : $"{vendor} + ' answered HTTP ' + r.status_code + ' for the users URL'";
        var okText = check is null ? "null" : check.ErrorField is null
            ? $"{vendor} + ' reported an error: ' + {JsonSerializer.Serialize(check.OkField)} + ' is not true'"
            : errorText;
        var where = Lit(records.Length == 0 ? "as the body" : $"at '{records}'");
        return "function (r) {" +
               " function excerpt(t) { t = String(t).replace(/[\\u0000-\\u001f]/g, ' '); return t.length > 200 ? t.substring(0, 200) + '\u2026' : t; }" +
               " var b = r.body;" +
               " var type = String((r.headers && r.headers['content-type']) || 'no content type').split(';')[0].trim();" +
               $" if (r.status_code < 200 || r.status_code > 299) return {errorText};" +
               $" if (b === null || b === undefined || typeof b !== 'object') return {vendor} + ' answered ' + type + ', not JSON, for the users URL; expected records ' + {where} + \": '\" + excerpt(b === null || b === undefined ? '' : b) + \"'\";" +
               (check is null ? "" : $" if ({Guard("b", check.OkField)} !== true) return {okText};") +
               $" var list = {(records.Length == 0 ? "b" : Guard("b", records))};" +
               $" if (!Array.isArray(list)) return {vendor} + ' answered without a list ' + {where} + ' (' + (Array.isArray(b) ? 'the response is a list' : 'the response has: ' + Object.keys(b).join(', ')) + \"): '\" + excerpt(JSON.stringify(b)) + \"'\";" +
               " return null; }";
    }

    private static JsonObject Collect(CollectionTemplate template)
    {
        var p = template.Pagination;
        var query = template.Query is null ? new JsonObject() : (JsonObject)template.Query.DeepClone();
        if (p.Kind == TemplatePaginationKind.LinkHeader && p.LimitParameter.Length > 0) query[p.LimitParameter] = p.Limit;
        var paginate = new JsonObject
        {
            ["method"] = "GET",
            ["url"] = template.UsersUrl,
            ["useConnection"] = true,
            ["headers"] = new JsonObject { ["Accept"] = "application/json" },
            ["mode"] = "pages",
            // The next page is on its way while this one is filtered, mapped and handed to the store.
            ["prefetch"] = true,
            ["itemsPath"] = template.RecordsPath,
            // A page starting with the same user as the page before is a vendor ignoring the paging parameters.
            ["itemIdPath"] = template.Mapping.Id,
            // Fitted to the data by the import (the last good run's pages), unless the template sets it.
            ["maxPages"] = p.MaxPages is { } maxPages ? maxPages : Js("input.maxPages"),
        };
        if (template.ResponseCheck is { } okCheck) paginate["okPath"] = okCheck.OkField;
        if (query.Count > 0) paginate["query"] = query;
        switch (p.Kind)
        {
            case TemplatePaginationKind.None:
                paginate["strategy"] = "none";
                break;
            case TemplatePaginationKind.OffsetLimit:
                paginate["strategy"] = "offsetLimit";
                paginate["offsetParameter"] = p.OffsetParameter;
                paginate["limitParameter"] = p.LimitParameter;
                paginate["limit"] = p.Limit;
                if (p.StopOnShortPage) paginate["stopOnShortPage"] = true;
                break;
            case TemplatePaginationKind.PageNumber:
                paginate["strategy"] = "pageNumber";
                paginate["pageParameter"] = p.PageParameter;
                paginate["pageSizeParameter"] = p.PageSizeParameter;
                paginate["firstPage"] = p.FirstPage;
                paginate["limit"] = p.Limit;
                if (p.StopOnShortPage) paginate["stopOnShortPage"] = true;
                break;
            case TemplatePaginationKind.CursorLimit:
                paginate["strategy"] = "cursor";
                paginate["cursorParameter"] = p.CursorParameter;
                paginate["cursorPath"] = p.CursorPath;
                paginate["limitParameter"] = p.LimitParameter;
                paginate["limit"] = p.Limit;
                break;
            case TemplatePaginationKind.LinkHeader:
                paginate["strategy"] = "linkHeader";
                break;
        }
        var mapping = new JsonObject { ["id"] = template.Mapping.Id };
        void Map(string name, string? path) { if (path is not null) mapping[name] = path; }
        Map("email", template.Mapping.Email);
        Map("name", template.Mapping.Name);
        Map("department", template.Mapping.Department);
        Map("status", template.Mapping.Status);
        Map("created", template.Mapping.Created);
        // No script in the loop: the store node reads the page straight from the 'pages' node, so a
        // page's records are never converted for JavaScript (which costs more than storing them).
        var store = new JsonObject
        {
            ["pagesNode"] = "pages",
            ["mapping"] = mapping,
        };
        if (template.Filters.Count > 0)
            store["filters"] = new JsonArray(template.Filters.Select(f => (JsonNode?)new JsonObject
            {
                ["field"] = f.Field,
                ["operator"] = f.Operator == FilterOperator.Equals ? "equals" : "notEquals",
                ["value"] = f.Value?.DeepClone(),
            }).ToArray());
        if (template.Activity?.LastActivityField is { } last) store["lastActivityField"] = last;
        if (template.Activity?.Application is { } application) store["application"] = application;

        var nodes = new JsonArray(
            Node("pages", "Http.Paginate", paginate, $"Page through {template.Vendor} users"),
            Node("store", "Collection.StoreUsers", store, "Filter, map and store users"),
            Node("finish", "Return", new JsonObject
            {
                ["outputs"] = new JsonObject { ["pages"] = Js("nodes.pages.pages"), ["records"] = Js("nodes.pages.itemCount") },
            }));
        var connections = new JsonArray(Link("pages:page", "store"));
        if (template.ResponseCheck is { } check)
        {
            // The last response of an API that answers 200 with an error flag ends the paging as an empty page.
            nodes.Add(Node("check", "If", new JsonObject
            {
                ["condition"] = Js($"!nodes.pages.page || {Access("nodes.pages.page", check.OkField)} === true"),
            }, "Did the API report an error?"));
            nodes.Add(Node("apiError", "Fail", new JsonObject
            {
                ["message"] = Js(check.ErrorField is { } errorField
                    ? $"'{Escape(template.Vendor)} error after page ' + nodes.pages.pages + ': ' + ({Guard("nodes.pages.page", errorField)} || 'no error given')"
                    : $"'{Escape(template.Vendor)} reported an error after page ' + nodes.pages.pages"),
            }));
            connections.Add(Link("pages:done", "check"));
            connections.Add(Link("check:true", "finish"));
            connections.Add(Link("check:false", "apiError"));
        }
        else connections.Add(Link("pages:done", "finish"));

        return new JsonObject
        {
            ["format"] = 1,
            ["id"] = CollectFlow,
            ["name"] = $"Collect {template.Vendor} users",
            ["description"] = $"Made from the '{template.Name}' template: pages through {template.UsersUrl} ({TemplateReader.WireName(p.Kind)} pagination) and upserts each page's users by vendor id.",
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = "maxPages", ["type"] = "integer", ["label"] = "Page limit", ["default"] = DefaultMaxPages,
                ["description"] = "Pages fetched at most: an import fits it to the last good run; a vendor that never stops ends in an error here.",
            }),
            ["outputs"] = new JsonArray(Param("pages", "integer", "Pages"), Param("records", "integer", "Records")),
            ["nodes"] = nodes,
            ["connections"] = connections,
        };
    }

    /// <summary>A JavaScript member access for a dotted path, e.g. body["response_metadata"]["ok"].</summary>
    private static string Access(string root, string path) =>
        root + string.Concat(Engine.Values.JsonValues.ParsePath(path).Select(s => "[" + JsonSerializer.Serialize(s) + "]"));

    /// <summary>Like <see cref="Access"/> but undefined instead of a TypeError when a step is missing.</summary>
    private static string Guard(string root, string path) =>
        root + string.Concat(Engine.Values.JsonValues.ParsePath(path).Select(s => "?.[" + JsonSerializer.Serialize(s) + "]"));

    /// <summary>A JavaScript string literal (JSON's is one).</summary>
    private static string Lit(string text) => JsonSerializer.Serialize(text);

    private static string Escape(string text) => text.Replace("\\", "\\\\").Replace("'", "\\'");

    private static JsonObject Js(string code) => new() { ["js"] = code };

    private static JsonObject Node(string id, string type, JsonObject? inputs, string? name = null)
    {
        var node = new JsonObject { ["id"] = id, ["type"] = type };
        if (name is not null) node["name"] = name;
        if (inputs is not null) node["inputs"] = inputs;
        return node;
    }

    private static JsonObject Link(string from, string to) => new() { ["from"] = from, ["to"] = to };

    private static JsonObject Param(string name, string type, string label, bool required = false, string? defaultValue = null, string? description = null)
    {
        var parameter = new JsonObject { ["name"] = name, ["type"] = type, ["label"] = label };
        if (description is not null) parameter["description"] = description;
        if (required) parameter["required"] = true;
        if (defaultValue is not null) parameter["default"] = defaultValue;
        return parameter;
    }
}
