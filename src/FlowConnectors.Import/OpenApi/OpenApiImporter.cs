using System.Text.Json.Nodes;
using FlowConnectors.Import.Postman;
using FlowConnectors.Engine.Flows;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace FlowConnectors.Import.OpenApi;

/// <summary>
/// Maps an OpenAPI 3.0 or 3.1 description (YAML or JSON; Swagger 2.0 is read and converted by the parser)
/// to a connector, read with Microsoft.OpenApi: each operation becomes an action card grouped by its first
/// tag; parameters and the request body become typed inputs (enums as static dropdowns, required kept);
/// the 2xx response's properties become outputs; securitySchemes become the connector's auth (and
/// additional auths); the first server is the base URL connection parameter; response examples become
/// offline fixtures; paged list operations walk every page with Http.Paginate (cursor, Link, page or offset).
/// </summary>
public static class OpenApiImporter
{
    /// <summary>Reads and maps a description; throws <see cref="PostmanImportException"/> (path and reason) when it cannot be imported.</summary>
    public static ImportedConnector Import(string text, string? name = null)
    {
        var settings = new OpenApiReaderSettings();
        settings.AddYamlReader();
        var trimmed = text.TrimStart();
        var format = trimmed.StartsWith('{') ? "json" : "yaml";
        ReadResult result;
        try
        {
            result = OpenApiDocument.Parse(text, format, settings);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new PostmanImportException("$", $"not an OpenAPI description: {e.Message}");
        }
        var document = result.Document;
        var diagnostic = result.Diagnostic;
        if (document is null || diagnostic is null || (diagnostic.Errors.Count > 0 && (document.Paths is null || document.Paths.Count == 0)))
        {
            var first = diagnostic?.Errors.FirstOrDefault();
            throw new PostmanImportException(first?.Pointer is { Length: > 0 } pointer ? pointer : "$",
                first is null ? "not an OpenAPI 3.0/3.1 or Swagger 2.0 description (no 'openapi' or 'swagger' version)" : first.Message);
        }
        var warnings = new List<ImportMessage>();
        foreach (var error in diagnostic.Errors.Take(20)) warnings.Add(new(error.Pointer ?? "$", error.Message));
        if (diagnostic.SpecificationVersion == OpenApiSpecVersion.OpenApi2_0)
            warnings.Add(new("$.swagger", "Swagger 2.0, converted to OpenAPI 3 by the parser (host/basePath → server, consumes/produces → media types)"));
        if (document.Paths is null || document.Paths.Count == 0) throw new PostmanImportException("$.paths", "the description has no operations");

        var connectorName = string.IsNullOrWhiteSpace(name) ? document.Info?.Title ?? "" : name.Trim();
        var key = FlowConnectors.Connectors.Manifest.ManifestReader.KeyFrom(PostmanTemplate.Transliterate(connectorName));
        if (key.Length < 2)
            throw new PostmanImportException(string.IsNullOrWhiteSpace(name) ? "$.info.title" : "name", $"'{connectorName}' gives no usable connector key (2–40 lower-case letters, digits or '-'); pass a name");

        var baseUrl = BaseUrl(document);
        var parameters = new List<ImportedParameter> { new("baseUrl", "text", baseUrl, "$.servers[0].url", null, Required: false) };
        var auth = OpenApiAuth.Map(document, parameters, warnings);

        var flows = new SortedDictionary<string, FlowDefinition>(StringComparer.Ordinal);
        var fixtures = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var actions = new List<ImportedAction>();
        var basePath = Uri.TryCreate(baseUrl, UriKind.Absolute, out var b) ? b.AbsolutePath.TrimEnd('/') : "";
        foreach (var (path, item) in document.Paths)
        {
            if (item.Operations is null) continue;
            foreach (var (method, operation) in item.Operations)
            {
                var pointer = $"$.paths['{path}'].{method.Method.ToLowerInvariant()}";
                var id = UniqueId(PostmanTemplate.Identifier(operation.OperationId ?? $"{method.Method.ToLowerInvariant()} {path}", "operation"), flows.Keys);
                var choice = auth.ChoiceFor(operation, pointer, warnings);
                var action = new OpenApiAction(id, path, method.Method.ToUpperInvariant(), item, operation, pointer, choice, basePath, warnings).Build();
                flows[id] = action.Flow;
                actions.Add(action.Summary);
                for (var e = 0; e < action.Fixtures.Count; e++)
                    fixtures[action.Fixtures.Count == 1 ? id : $"{id}-{e + 1}"] = WithConnection(action.Fixtures[e], parameters, auth.Primary);
            }
        }
        if (actions.Count == 0) throw new PostmanImportException("$.paths", "the description has no operations");
        var additionalNames = auth.Additional.Keys.ToList();
        PostmanTemplate.UniqueNames(actions.Select(a => flows[a.Id]));
        flows["httpHelper"] = StandardFlows.HttpHelper(baseUrl);
        flows["customApiAction"] = StandardFlows.CustomApiAction(auth.Primary.Kind == "none" ? [] : ["connection", .. additionalNames, Http.ConnectionAuth.None]);
        if (auth.Primary.Kind != "none")
            flows["_authping"] = StandardFlows.AuthPing(flows.Values.FirstOrDefault(f => actions.Any(a => a.Id == f.Id && a.Method == "GET" && a.Auth is null) && f.Inputs.All(i => !i.Required)), actions);

        var manifest = new JsonObject
        {
            ["key"] = key,
            ["name"] = connectorName,
            ["version"] = "1.0.0",
            ["description"] = PostmanImporter.Truncate(document.Info?.Description?.Trim() is { Length: > 0 } d ? d : $"Imported from the OpenAPI description '{document.Info?.Title}' {document.Info?.Version}.", 500),
            ["baseUrl"] = baseUrl,
            ["baseUrlParameter"] = "baseUrl",
            ["auth"] = auth.Primary.Manifest,
        };
        if (document.Info?.Contact?.Email is { Length: > 0 } email && System.Net.Mail.MailAddress.TryCreate(email, out _)) manifest["supportEmail"] = email;
        if (document.ExternalDocs?.Url is { } docs && docs.IsAbsoluteUri && docs.Scheme is "http" or "https") manifest["documentationUrl"] = docs.ToString();
        if (auth.Additional.Count > 0)
            manifest["additionalAuth"] = new JsonObject(auth.Additional.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value.Manifest.DeepClone())));
        manifest["connectionParameters"] = new JsonArray(parameters.Select(Parameter).ToArray<JsonNode?>());
        return new ImportedConnector
        {
            Key = key,
            Name = connectorName,
            AuthKind = auth.Primary.Kind,
            BaseUrl = baseUrl,
            ConnectionParameters = parameters,
            Actions = actions,
            Warnings = warnings,
            Manifest = manifest,
            Flows = flows,
            Fixtures = fixtures,
            AdditionalAuth = additionalNames,
        };
    }

    /// <summary>The first server's URL, its {variables} filled with their defaults; it must be absolute.</summary>
    private static string BaseUrl(OpenApiDocument document)
    {
        var server = document.Servers?.FirstOrDefault()
            ?? throw new PostmanImportException("$.servers", "the description names no server; add servers: [{ url: https://api.example.com }] so the connector has a base URL");
        var url = server.Url ?? "";
        if (server.Variables is not null)
            foreach (var (variable, value) in server.Variables)
                url = url.Replace("{" + variable + "}", value.Default ?? value.Enum?.FirstOrDefault() ?? "", StringComparison.Ordinal);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new PostmanImportException("$.servers[0].url", $"'{server.Url}' is not an absolute http(s) URL; the connector needs one as its base URL");
        return url.TrimEnd('/');
    }

    private static string UniqueId(string candidate, IEnumerable<string> taken)
    {
        var id = char.ToLowerInvariant(candidate[0]) + candidate[1..];
        if (id[0] == '_') id = "operation" + id;
        var used = taken.ToHashSet(StringComparer.OrdinalIgnoreCase);
        string[] reserved = ["httpHelper", "customApiAction", "_authping", "_revoke"];
        var unique = id;
        for (var n = 2; used.Contains(unique) || reserved.Contains(unique, StringComparer.OrdinalIgnoreCase); n++)
            unique = (id.Length > PostmanTemplate.MaxIdentifierLength - 3 ? id[..(PostmanTemplate.MaxIdentifierLength - 3)] : id) + n;
        return unique;
    }

    private static JsonObject WithConnection(JsonObject fixture, List<ImportedParameter> parameters, MappedAuth auth)
    {
        // OAuth: the token request comes first — client credentials before the call; for an authorization code, the
        // simulated sign-in's code exchange (the fixture's 'authorization').
        if (auth.Kind is "oauth2ClientCredentials" or "oauth2AuthorizationCode" && Uri.TryCreate((string?)auth.Manifest["tokenUrl"], UriKind.Absolute, out var tokenUrl))
        {
            var answer = new JsonObject { ["access_token"] = "test-access-token-not-real", ["token_type"] = "Bearer", ["expires_in"] = 3600 };
            if (auth.Kind == "oauth2AuthorizationCode")
            {
                answer["refresh_token"] = "test-refresh-token-not-real";
                fixture["authorization"] = new JsonObject { ["code"] = "test-code-not-real" };
            }
            fixture["exchanges"]!.AsArray().Insert(0, new JsonObject
            {
                ["request"] = new JsonObject { ["method"] = "POST", ["path"] = tokenUrl.AbsolutePath, ["query"] = new JsonObject(), ["headers"] = new JsonObject() },
                ["response"] = new JsonObject
                {
                    ["status"] = 200,
                    ["headers"] = new JsonObject { ["content-type"] = "application/json" },
                    ["body"] = answer,
                },
            });
        }
        var connection = new JsonObject();
        foreach (var p in parameters)
            connection[p.Name] = p.Type == "password" ? $"test-{p.Name}-not-real" : p.Default ?? $"test-{p.Name}";
        fixture["connection"] = connection;
        return fixture;
    }

    private static JsonObject Parameter(ImportedParameter p)
    {
        var label = System.Text.RegularExpressions.Regex.Replace(p.Name, "(?<=[a-z0-9])([A-Z])", " $1");
        var o = new JsonObject
        {
            ["name"] = p.Name,
            ["label"] = char.ToUpperInvariant(label[0]) + label[1..],
            ["type"] = p.Type,
            ["required"] = p.Required,
            ["description"] = p.Name == "baseUrl" ? "The API's base URL; the description's first server is the default." : $"From the OpenAPI description ({p.Source}).",
        };
        if (p.Default is not null && p.Type != "password") o["default"] = p.Default;
        return o;
    }
}
