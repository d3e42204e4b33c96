using System.Text.Json.Nodes;

namespace FlowConnectors.Import.Postman;

/// <summary>The connector auth a Postman <c>auth</c> block suggests, with the connection parameters it needs.</summary>
internal sealed record MappedAuth(JsonObject Manifest, List<ImportedParameter> Parameters, HashSet<string> CredentialVariables,
    string? HeaderName, string? QueryName)
{
    public string Kind => (string)Manifest["kind"]!;
}

internal static class PostmanAuthMapper
{
    public static readonly string[] Supported = ["noauth", "basic", "bearer", "apikey", "oauth2"];

    public static MappedAuth None() => new(new JsonObject { ["kind"] = "none" }, [], [], null, null);

    /// <summary>
    /// basic → basic; bearer → apiKey (Bearer); apikey → apiKey in header or query; oauth2 → client credentials
    /// or authorization code (other grants: the access token as a Bearer key). Secrets are never copied.
    /// </summary>
    public static MappedAuth Map(PostmanAuth auth, IReadOnlyDictionary<string, string> variables, List<ImportMessage> warnings, string? prefix = null)
    {
        var parameters = new List<ImportedParameter>();
        var credentials = new HashSet<string>(StringComparer.Ordinal);
        string Value(string key) => auth.Values.GetValueOrDefault(key) ?? "";

        // A {{variable}} becomes a parameter of that name; a literal gets a standard name (and only non-secrets keep it as default).
        string Parameter(string key, string fallbackName, bool secret, string label)
        {
            var raw = Value(key);
            string name;
            string? value;
            if (PostmanTemplate.IsSingleVariable(raw, out var variable))
            {
                name = PostmanTemplate.Identifier(variable, fallbackName);
                credentials.Add(variable);
                value = variables.GetValueOrDefault(variable);
            }
            else
            {
                // An additional auth's literal credentials get names of their own (adminUsername), apart from the main auth's.
                name = prefix is null ? fallbackName : prefix + char.ToUpperInvariant(fallbackName[0]) + fallbackName[1..];
                variable = "";
                value = raw.Length == 0 ? null : raw;
                if (secret && value is not null)
                    warnings.Add(new($"{auth.Path}.{auth.Type}", $"the collection holds a literal {label}; it is not copied into the connector — enter it in the connection"));
            }
            if (parameters.All(p => p.Name != name))
                parameters.Add(new ImportedParameter(name, secret ? "password" : "text", secret || LooksSecret(name, value) ? null : value, $"{auth.Path}.{auth.Type}.{key}",
                    variable.Length == 0 ? null : variable));
            return name;
        }

        switch (auth.Type)
        {
            case "basic":
            {
                var user = Parameter("username", "username", false, "user name");
                var password = Parameter("password", "password", true, "password");
                return new(new JsonObject { ["kind"] = "basic", ["usernameParameter"] = user, ["passwordParameter"] = password }, parameters, credentials, "Authorization", null);
            }
            case "bearer":
            {
                var token = Parameter("token", "token", true, "token");
                return new(ApiKey(token, "header", "Authorization", "Bearer"), parameters, credentials, "Authorization", null);
            }
            case "apikey":
            {
                var where = Value("in") is "query" ? "query" : "header";
                var name = PostmanTemplate.Resolve(Value("key").Length == 0 ? "Authorization" : Value("key"), variables);
                var key = Parameter("value", "apiKey", true, "API key");
                return new(ApiKey(key, where, name, ""), parameters, credentials, where == "header" ? name : null, where == "query" ? name : null);
            }
            case "oauth2":
                return OAuth2(auth, variables, warnings, Parameter, parameters, credentials);
            default:
                warnings.Add(new($"{auth.Path}.type", $"auth type '{auth.Type}' is not supported (basic, bearer, apikey and oauth2 are); the connector uses no authentication — set auth in connector.json"));
                return None();
        }
    }

    private static MappedAuth OAuth2(PostmanAuth auth, IReadOnlyDictionary<string, string> variables, List<ImportMessage> warnings,
        Func<string, string, bool, string, string> parameter, List<ImportedParameter> parameters, HashSet<string> credentials)
    {
        var grant = auth.Values.GetValueOrDefault("grant_type") ?? "authorization_code";
        var tokenUrl = PostmanTemplate.Resolve(auth.Values.GetValueOrDefault("accessTokenUrl") ?? "", variables);
        var authorizeUrl = PostmanTemplate.Resolve(auth.Values.GetValueOrDefault("authUrl") ?? "", variables);
        var scope = PostmanTemplate.Resolve(auth.Values.GetValueOrDefault("scope") ?? "", variables);
        var clientAuth = auth.Values.GetValueOrDefault("client_authentication") == "body" ? "client_secret_post" : "client_secret_basic";
        var supported = grant is "client_credentials" or "authorization_code" or "authorization_code_with_pkce";
        if (supported && FlowConnectors.Connectors.Manifest.ManifestReader.IsHttpUrl(tokenUrl) && (grant == "client_credentials" || FlowConnectors.Connectors.Manifest.ManifestReader.IsHttpUrl(authorizeUrl)))
        {
            var clientId = parameter("clientId", "clientId", false, "client id");
            var clientSecret = parameter("clientSecret", "clientSecret", true, "client secret");
            var manifest = new JsonObject
            {
                ["kind"] = grant == "client_credentials" ? "oauth2ClientCredentials" : "oauth2AuthorizationCode",
                ["tokenUrl"] = tokenUrl,
                ["clientIdParameter"] = clientId,
                ["clientSecretParameter"] = clientSecret,
                ["clientAuthentication"] = clientAuth,
            };
            if (grant != "client_credentials") manifest["authorizeUrl"] = authorizeUrl;
            if (scope.Length > 0) manifest["scope"] = scope;
            return new(manifest, parameters, credentials, "Authorization", null);
        }
        warnings.Add(new($"{auth.Path}.oauth2", supported
            ? $"OAuth 2.0 needs absolute token{(grant == "client_credentials" ? "" : " and authorization")} URLs (accessTokenUrl{(grant == "client_credentials" ? "" : ", authUrl")}); the connection takes an access token instead"
            : $"OAuth 2.0 grant type '{grant}' is not supported (client_credentials and authorization_code are); the connection takes an access token instead"));
        var token = parameter("accessToken", "accessToken", true, "access token");
        return new(ApiKey(token, "header", "Authorization", "Bearer"), parameters, credentials, "Authorization", null);
    }

    private static bool LooksSecret(string name, string? value) => value is not null && FlowConnectors.Catalog.SecretScanner.LooksLikeSecret(name, value);

    private static JsonObject ApiKey(string parameter, string where, string name, string tokenType) => new()
    {
        ["kind"] = "apiKey", ["parameter"] = parameter, ["in"] = where, ["name"] = name, ["tokenType"] = tokenType,
    };

}
