using System.Text.Json.Nodes;
using FlowConnectors.Import.Postman;
using Microsoft.OpenApi;

namespace FlowConnectors.Import.OpenApi;

/// <summary>
/// The connector's auths from <c>components.securitySchemes</c>: the scheme the document's global
/// <c>security</c> names first (else the first scheme) is the connector's own; other basic or apiKey
/// schemes that operations use become additional auths; <c>security: []</c> on an operation sends none.
/// </summary>
internal sealed class OpenApiAuth
{
    private readonly Dictionary<string, MappedAuth> _mapped = new(StringComparer.Ordinal);
    private readonly string? _primaryScheme;

    private OpenApiAuth(MappedAuth primary, string? primaryScheme)
    {
        Primary = primary;
        _primaryScheme = primaryScheme;
    }

    public MappedAuth Primary { get; }
    public Dictionary<string, MappedAuth> Additional { get; } = new(StringComparer.Ordinal);
    private Dictionary<string, IOpenApiSecurityScheme> Schemes { get; init; } = [];
    private List<ImportedParameter> Parameters { get; init; } = [];

    public static OpenApiAuth Map(OpenApiDocument document, List<ImportedParameter> parameters, List<ImportMessage> warnings)
    {
        var schemes = document.Components?.SecuritySchemes?.ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal) ?? [];
        var primaryName = document.Security?.SelectMany(r => r.Keys).Select(SchemeName).FirstOrDefault(n => n is not null && schemes.ContainsKey(n))
            ?? schemes.Keys.FirstOrDefault();
        MappedAuth primary;
        if (primaryName is null) primary = PostmanAuthMapper.None();
        else
        {
            primary = MapScheme(primaryName, schemes[primaryName], null, warnings);
            foreach (var p in primary.Parameters)
                if (parameters.All(x => x.Name != p.Name)) parameters.Add(p);
        }
        return new OpenApiAuth(primary, primaryName) { Schemes = schemes, Parameters = parameters };
    }

    /// <summary>null: the connector's own auth; <c>none</c>; or an additional auth's name.</summary>
    public string? ChoiceFor(OpenApiOperation operation, string pointer, List<ImportMessage> warnings)
    {
        if (operation.Security is null) return null; // inherits the document's
        if (operation.Security.Count == 0 || operation.Security.All(r => r.Count == 0))
            return Primary.Kind == "none" ? null : Http.ConnectionAuth.None;
        var names = operation.Security.SelectMany(r => r.Keys).Select(SchemeName).Where(n => n is not null).Cast<string>().ToList();
        if (names.Contains(_primaryScheme!)) return null;
        foreach (var name in names)
        {
            if (!Schemes.TryGetValue(name, out var scheme)) continue;
            var authName = PostmanTemplate.Identifier(name, "auth");
            if (FlowConnectors.Connectors.Manifest.ManifestReader.ReservedAuthNames.Contains(authName)) authName = "auth" + char.ToUpperInvariant(authName[0]) + authName[1..];
            if (Additional.ContainsKey(authName)) return authName;
            var mapped = MapScheme(name, scheme, authName, warnings);
            if (mapped.Kind is not ("basic" or "apiKey"))
            {
                warnings.Add(new(pointer + ".security", $"security scheme '{name}' maps to {mapped.Kind}, which only the connector's own auth can be; this action sends the connector's auth"));
                return null;
            }
            Additional[authName] = mapped;
            foreach (var p in mapped.Parameters)
                if (Parameters.All(x => x.Name != p.Name)) Parameters.Add(p);
            return authName;
        }
        return null;
    }

    private static string? SchemeName(OpenApiSecuritySchemeReference reference) => reference.Reference?.Id ?? reference.Name;

    /// <summary>http basic → basic; http bearer → Bearer key; apiKey → key in header or query; oauth2 → client credentials or authorization code.</summary>
    private static MappedAuth MapScheme(string name, IOpenApiSecurityScheme scheme, string? prefix, List<ImportMessage> warnings)
    {
        var pointer = $"$.components.securitySchemes.{name}";
        string P(string parameter) => prefix is null ? parameter : prefix + char.ToUpperInvariant(parameter[0]) + parameter[1..];
        ImportedParameter Secret(string parameter) => new(P(parameter), "password", null, pointer);
        ImportedParameter Text(string parameter) => new(P(parameter), "text", null, pointer);
        switch (scheme.Type)
        {
            case SecuritySchemeType.Http when string.Equals(scheme.Scheme, "basic", StringComparison.OrdinalIgnoreCase):
                return new(new JsonObject { ["kind"] = "basic", ["usernameParameter"] = P("username"), ["passwordParameter"] = P("password") },
                    [Text("username"), Secret("password")], [], "Authorization", null);
            case SecuritySchemeType.Http when string.Equals(scheme.Scheme, "bearer", StringComparison.OrdinalIgnoreCase):
                return new(ApiKey(P("token"), "header", "Authorization", "Bearer"), [Secret("token")], [], "Authorization", null);
            case SecuritySchemeType.ApiKey when scheme.In is ParameterLocation.Header or ParameterLocation.Query && !string.IsNullOrEmpty(scheme.Name):
            {
                var where = scheme.In == ParameterLocation.Query ? "query" : "header";
                return new(ApiKey(P("apiKey"), where, scheme.Name!, ""), [Secret("apiKey")], [], where == "header" ? scheme.Name : null, where == "query" ? scheme.Name : null);
            }
            case SecuritySchemeType.OAuth2 when scheme.Flows?.ClientCredentials is { TokenUrl: { } tokenUrl } flow:
                return OAuth("oauth2ClientCredentials", tokenUrl, null, flow, P);
            case SecuritySchemeType.OAuth2 when scheme.Flows?.AuthorizationCode is { TokenUrl: { } tokenUrl, AuthorizationUrl: { } authorizeUrl } flow:
                return OAuth("oauth2AuthorizationCode", tokenUrl, authorizeUrl, flow, P);
            default:
                warnings.Add(new(pointer, $"security scheme '{name}' ({scheme.Type}{(scheme.Scheme is null ? "" : " " + scheme.Scheme)}) is not supported (http basic/bearer, apiKey, oauth2 client credentials or authorization code are); the connection takes an access token instead"));
                return new(ApiKey(P("accessToken"), "header", "Authorization", "Bearer"), [Secret("accessToken")], [], "Authorization", null);
        }

        static MappedAuth OAuth(string kind, Uri tokenUrl, Uri? authorizeUrl, OpenApiOAuthFlow flow, Func<string, string> p)
        {
            var manifest = new JsonObject
            {
                ["kind"] = kind,
                ["tokenUrl"] = tokenUrl.ToString(),
                ["clientIdParameter"] = p("clientId"),
                ["clientSecretParameter"] = p("clientSecret"),
                ["clientAuthentication"] = "client_secret_basic",
            };
            if (authorizeUrl is not null) manifest["authorizeUrl"] = authorizeUrl.ToString();
            if (flow.Scopes is { Count: > 0 } scopes) manifest["scope"] = string.Join(' ', scopes.Keys);
            return new(manifest, [new(p("clientId"), "text", null, "oauth2"), new(p("clientSecret"), "password", null, "oauth2")], [], "Authorization", null);
        }
    }

    private static JsonObject ApiKey(string parameter, string where, string name, string tokenType) => new()
    {
        ["kind"] = "apiKey", ["parameter"] = parameter, ["in"] = where, ["name"] = name, ["tokenType"] = tokenType,
    };
}
