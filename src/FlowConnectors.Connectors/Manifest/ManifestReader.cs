using System.Net.Mail;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Connectors.Manifest;

/// <summary>Reads <c>connector.json</c>, reporting every problem with a stable code and JSON path.</summary>
public static partial class ManifestReader
{
    public const string FileName = "connector.json";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,39}$")] private static partial Regex KeyPattern();

    [GeneratedRegex("[^a-z0-9]+")] private static partial Regex NotKeyCharacters();

    /// <summary>A connector key: 2–40 lower-case letters, digits or '-', starting with a letter or digit.</summary>
    public static bool IsValidKey(string key) => KeyPattern().IsMatch(key);

    /// <summary>
    /// The key a name suggests: lower case, '-' for every run of other characters, at most 40 characters. It can be
    /// shorter than 2 (a name of symbols): callers say what then.
    /// </summary>
    public static string KeyFrom(string name)
    {
        var key = NotKeyCharacters().Replace(name.ToLowerInvariant(), "-").Trim('-');
        return key.Length > 40 ? key[..40].TrimEnd('-') : key;
    }

    /// <summary>An absolute http(s) URL with a host.</summary>
    internal static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0;

    /// <summary>
    /// Keys that name the server catalog's own routes (<c>/api/catalog/export/…</c>, <c>installed/…</c>,
    /// <c>packages</c>): a connector with one of them could not be reached at <c>/api/catalog/&lt;key&gt;/…</c>.
    /// </summary>
    public static readonly IReadOnlySet<string> ReservedKeys = new HashSet<string>(StringComparer.Ordinal) { "export", "installed", "packages" };
    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")] private static partial Regex SemverPattern();
    [GeneratedRegex("^#[0-9A-Fa-f]{6}$")] private static partial Regex ColorPattern();
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")] private static partial Regex NamePattern();
    [GeneratedRegex(@"\{\{\s*connection\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")] internal static partial Regex ConnectionPlaceholder();

    private static readonly string[] Fields =
        ["key", "name", "version", "description", "icon", "accentColor", "documentationUrl", "supportEmail", "baseUrl", "baseUrlParameter", "auth", "additionalAuth", "connectionParameters", "connectionPresets", "http", "rateLimits", "tokenExpiry"];

    public static bool IsSemver(string version) => SemverPattern().IsMatch(version);

    /// <summary>
    /// Reads a manifest. The manifest is null when its required fields could not be read; otherwise it is
    /// returned even with problems (for checking the flows against it) and is valid only when none is an error.
    /// </summary>
    public static (ConnectorManifest? Manifest, List<FormatProblem> Problems) Read(string text)
    {
        var problems = new List<FormatProblem>();
        void Error(string path, string code, string message) => problems.Add(new(FileName, path, code, message));
        JsonObject root;
        try
        {
            if (JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) is not JsonObject obj)
            {
                Error("$", "MANIFEST_INVALID", "the manifest must be a JSON object");
                return (null, problems);
            }
            root = obj;
        }
        catch (JsonException e)
        {
            Error(e.Path ?? "$", "MANIFEST_MALFORMED", $"line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: malformed JSON");
            return (null, problems);
        }

        foreach (var (field, _) in root)
            if (!Fields.Contains(field))
                Error(JsonPath.Property("$", field), "MANIFEST_UNKNOWN_FIELD", $"unknown field '{field}'; a manifest has {string.Join(", ", Fields)}");

        string? Text(string field, bool required)
        {
            var path = JsonPath.Property("$", field);
            if (!root.TryGetPropertyValue(field, out var node) || node is null)
            {
                if (required) Error("$", "MANIFEST_MISSING_FIELD", $"missing field '{field}'");
                return null;
            }
            if (node is JsonValue v && v.TryGetValue(out string? s)) return s;
            Error(path, "MANIFEST_WRONG_TYPE", $"'{field}' must be a string");
            return null;
        }

        var key = Text("key", true);
        if (key is not null && !KeyPattern().IsMatch(key))
            Error("$.key", "MANIFEST_INVALID_KEY", $"key '{key}' must be 2–40 lower-case letters, digits or '-', starting with a letter or digit");
        else if (key is not null && ReservedKeys.Contains(key))
            Error("$.key", "MANIFEST_RESERVED_KEY", $"key '{key}' is reserved: it names a route of the server's catalog ({string.Join(", ", ReservedKeys.Order(StringComparer.Ordinal))}); choose another");
        var name = Text("name", true);
        if (name is { Length: 0 }) Error("$.name", "MANIFEST_INVALID_NAME", "name must not be empty");
        var version = Text("version", true);
        if (version is not null && !IsSemver(version))
            Error("$.version", "MANIFEST_INVALID_VERSION", $"version '{version}' is not a semantic version (e.g. 1.2.3)");
        var color = Text("accentColor", false);
        if (color is not null && !ColorPattern().IsMatch(color))
            Error("$.accentColor", "MANIFEST_INVALID_COLOR", $"accentColor '{color}' must be #RRGGBB");
        var docs = Text("documentationUrl", false);
        if (docs is not null && !IsHttpUrl(docs))
            Error("$.documentationUrl", "MANIFEST_INVALID_URL", $"documentationUrl '{docs}' must be an absolute http(s) URL");
        var email = Text("supportEmail", false);
        if (email is not null && !MailAddress.TryCreate(email, out _))
            Error("$.supportEmail", "MANIFEST_INVALID_EMAIL", $"supportEmail '{email}' is not an e-mail address");

        var parameters = ReadParameters(root, problems);
        var baseUrl = Text("baseUrl", true);
        if (baseUrl is not null)
        {
            var probe = ConnectionPlaceholder().Replace(baseUrl, "x");
            if (!IsHttpUrl(probe))
                Error("$.baseUrl", "MANIFEST_INVALID_URL", $"baseUrl '{baseUrl}' must be an absolute http(s) URL");
            foreach (Match match in ConnectionPlaceholder().Matches(baseUrl))
            {
                var parameter = parameters.FirstOrDefault(p => p.Name == match.Groups[1].Value);
                if (parameter is null)
                    Error("$.baseUrl", "MANIFEST_UNKNOWN_PARAMETER", $"baseUrl uses '{match.Groups[1].Value}', which is not a connection parameter");
                else if (parameter.Type == ConnectionParameterType.Password)
                    Error("$.baseUrl", "MANIFEST_SECRET_IN_URL", $"baseUrl must not use the password parameter '{parameter.Name}'");
            }
        }
        var baseUrlParameter = Text("baseUrlParameter", false);
        if (baseUrlParameter is not null && parameters.FirstOrDefault(p => p.Name == baseUrlParameter) is var overriding)
        {
            if (overriding is null)
                Error("$.baseUrlParameter", "MANIFEST_UNKNOWN_PARAMETER", $"baseUrlParameter names '{baseUrlParameter}', which is not a connection parameter");
            else if (overriding.Type != ConnectionParameterType.Text)
                Error("$.baseUrlParameter", "MANIFEST_INVALID_PARAMETER", $"baseUrlParameter '{baseUrlParameter}' must be a text parameter");
        }
        var auth = ReadAuth(root, parameters, problems);
        var additionalAuth = ReadAdditionalAuth(root, parameters, problems);
        var presets = ReadPresets(root, parameters, problems);
        if (root["http"] is { } http && http is not JsonObject)
            Error("$.http", "MANIFEST_WRONG_TYPE", "'http' must be an object");
        else if (root["http"] is JsonObject httpSettings)
            foreach (var (field, _) in httpSettings)
                if (field is not ("maxRetries" or "baseDelay" or "attemptTimeout" or "retryUnsafeMethods" or "giveUpAfter" or "circuitBreaker"))
                    Error(JsonPath.Property("$.http", field), "MANIFEST_UNKNOWN_FIELD", $"unknown http setting '{field}'");
        var rateLimits = LimitsReader.ReadRateLimits(root["rateLimits"], (path, code, message) => Error(path, code, message));
        var tokenExpiry = LimitsReader.ReadTokenExpiry(root["tokenExpiry"], (path, code, message) => Error(path, code, message));

        // Returned with problems too, once it could be read this far, so the flows can still be checked
        // against it and every problem is reported at once; it is valid only when no error was found.
        if (key is null || name is null || version is null || baseUrl is null || auth is null)
            return (null, problems);
        return (new ConnectorManifest
        {
            Key = key,
            Name = name,
            Version = version,
            Description = Text("description", false),
            Icon = Text("icon", false),
            AccentColor = color,
            DocumentationUrl = docs,
            SupportEmail = email,
            BaseUrl = baseUrl,
            BaseUrlParameter = baseUrlParameter,
            Auth = auth,
            AdditionalAuth = additionalAuth,
            ConnectionParameters = parameters,
            ConnectionPresets = presets,
            Http = root["http"] as JsonObject,
            RateLimits = rateLimits,
            TokenExpiry = tokenExpiry,
        }, problems);
    }

    private static List<ConnectionParameter> ReadParameters(JsonObject root, List<FormatProblem> problems)
    {
        var result = new List<ConnectionParameter>();
        if (!root.TryGetPropertyValue("connectionParameters", out var node) || node is null) return result;
        if (node is not JsonArray array)
        {
            problems.Add(new(FileName, "$.connectionParameters", "MANIFEST_WRONG_TYPE", "'connectionParameters' must be an array"));
            return result;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            var path = JsonPath.Index("$.connectionParameters", i);
            void Error(string sub, string code, string message) => problems.Add(new(FileName, sub, code, message));
            if (array[i] is not JsonObject p) { Error(path, "MANIFEST_WRONG_TYPE", "a connection parameter must be an object"); continue; }
            foreach (var (field, _) in p)
                if (field is not ("name" or "label" or "type" or "required" or "description" or "default" or "options"))
                    Error(JsonPath.Property(path, field), "MANIFEST_UNKNOWN_FIELD", $"unknown field '{field}'; a parameter has name, label, type, required, description, default, options");
            var name = (string?)p["name"] ?? "";
            if (!NamePattern().IsMatch(name)) Error(JsonPath.Property(path, "name"), "MANIFEST_PARAMETER_NAME", $"parameter name '{name}' must be an identifier");
            else if (!names.Add(name)) Error(JsonPath.Property(path, "name"), "MANIFEST_PARAMETER_DUPLICATE", $"parameter '{name}' is declared twice");
            var typeText = (string?)p["type"] ?? "text";
            ConnectionParameterType type;
            switch (typeText)
            {
                case "text": type = ConnectionParameterType.Text; break;
                case "password": type = ConnectionParameterType.Password; break;
                case "dropdown": type = ConnectionParameterType.Dropdown; break;
                default:
                    Error(JsonPath.Property(path, "type"), "MANIFEST_PARAMETER_TYPE", $"parameter type '{typeText}' must be text, password or dropdown");
                    type = ConnectionParameterType.Text;
                    break;
            }
            var options = new List<ParameterOption>();
            if (p["options"] is JsonArray optionArray)
            {
                foreach (var option in optionArray)
                    if (option is JsonObject o && (string?)o["value"] is { } value)
                        options.Add(new((string?)o["label"] ?? value, value));
                    else
                        Error(JsonPath.Property(path, "options"), "MANIFEST_PARAMETER_OPTIONS", "each option must be { \"label\": …, \"value\": … } with a string value");
            }
            if (type == ConnectionParameterType.Dropdown && options.Count == 0)
                Error(path, "MANIFEST_PARAMETER_OPTIONS", $"dropdown parameter '{name}' needs options");
            var defaultValue = p["default"] is JsonValue dv && dv.TryGetValue(out string? d) ? d : null;
            if (type == ConnectionParameterType.Dropdown && defaultValue is not null && options.All(o => o.Value != defaultValue))
                Error(JsonPath.Property(path, "default"), "MANIFEST_PARAMETER_DEFAULT", $"default '{defaultValue}' is not one of the options of '{name}'");
            if (type == ConnectionParameterType.Password && defaultValue is not null)
                Error(JsonPath.Property(path, "default"), "MANIFEST_SECRET_DEFAULT", $"password parameter '{name}' must not have a default");
            var required = p["required"] is JsonValue rv && rv.TryGetValue(out bool r) && r;
            result.Add(new(name, (string?)p["label"] ?? name, type, required, (string?)p["description"], defaultValue, options));
        }
        return result;
    }

    private static AuthSettings? ReadAuth(JsonObject root, List<ConnectionParameter> parameters, List<FormatProblem> problems)
    {
        if (!root.TryGetPropertyValue("auth", out var node) || node is not JsonObject auth)
        {
            problems.Add(new(FileName, "$", "MANIFEST_MISSING_FIELD", "missing field 'auth' (an object with 'kind')"));
            return null;
        }
        return ReadAuthObject(auth, "$.auth", parameters, problems);
    }

    /// <summary>Names an action's <c>auth</c> input may give besides these: the connector's own auth, and none at all.</summary>
    public static readonly IReadOnlySet<string> ReservedAuthNames = new HashSet<string>(StringComparer.Ordinal) { "none", "connection" };

    private static Dictionary<string, AuthSettings> ReadAdditionalAuth(JsonObject root, List<ConnectionParameter> parameters, List<FormatProblem> problems)
    {
        var result = new Dictionary<string, AuthSettings>(StringComparer.Ordinal);
        if (root["additionalAuth"] is not { } node) return result;
        if (node is not JsonObject entries)
        {
            problems.Add(new(FileName, "$.additionalAuth", "MANIFEST_WRONG_TYPE", "'additionalAuth' must be an object of named auths"));
            return result;
        }
        foreach (var (name, value) in entries)
        {
            var path = JsonPath.Property("$.additionalAuth", name);
            if (!NamePattern().IsMatch(name) || ReservedAuthNames.Contains(name))
            {
                problems.Add(new(FileName, path, "MANIFEST_AUTH_NAME", $"additional auth name '{name}' must be an identifier other than {string.Join(" and ", ReservedAuthNames.Order(StringComparer.Ordinal))}"));
                continue;
            }
            if (value is not JsonObject auth)
            {
                problems.Add(new(FileName, path, "MANIFEST_WRONG_TYPE", "an additional auth must be an object with 'kind'"));
                continue;
            }
            if ((string?)auth["kind"] is not ("basic" or "apiKey"))
            {
                problems.Add(new(FileName, JsonPath.Property(path, "kind"), "MANIFEST_AUTH_KIND", $"an additional auth's kind must be basic or apiKey, got '{(string?)auth["kind"]}'"));
                continue;
            }
            if (ReadAuthObject(auth, path, parameters, problems) is { } settings) result[name] = settings;
        }
        return result;
    }

    private static List<ConnectionPreset> ReadPresets(JsonObject root, List<ConnectionParameter> parameters, List<FormatProblem> problems)
    {
        var result = new List<ConnectionPreset>();
        if (root["connectionPresets"] is not { } node) return result;
        if (node is not JsonArray list)
        {
            problems.Add(new(FileName, "$.connectionPresets", "MANIFEST_WRONG_TYPE", "'connectionPresets' must be a list of { name, values }"));
            return result;
        }
        for (var i = 0; i < list.Count; i++)
        {
            var path = JsonPath.Index("$.connectionPresets", i);
            if (list[i] is not JsonObject preset || (string?)preset["name"] is not { Length: > 0 } name || preset["values"] is not JsonObject values)
            {
                problems.Add(new(FileName, path, "MANIFEST_PRESET", "a connection preset must be { \"name\": …, \"values\": { parameter: text } }"));
                continue;
            }
            foreach (var (field, _) in preset)
                if (field is not ("name" or "values"))
                    problems.Add(new(FileName, JsonPath.Property(path, field), "MANIFEST_UNKNOWN_FIELD", $"unknown field '{field}'; a preset has name and values"));
            if (result.Any(p => p.Name == name))
                problems.Add(new(FileName, JsonPath.Property(path, "name"), "MANIFEST_PRESET", $"preset '{name}' is declared twice"));
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (parameterName, value) in values)
            {
                var valuePath = JsonPath.Property(JsonPath.Property(path, "values"), parameterName);
                var parameter = parameters.FirstOrDefault(p => p.Name == parameterName);
                if (parameter is null)
                    problems.Add(new(FileName, valuePath, "MANIFEST_UNKNOWN_PARAMETER", $"preset '{name}' sets '{parameterName}', which is not a connection parameter"));
                else if (parameter.Type == ConnectionParameterType.Password)
                    problems.Add(new(FileName, valuePath, "MANIFEST_SECRET_DEFAULT", $"preset '{name}' must not hold a value for the password parameter '{parameterName}'"));
                else if (value is JsonValue v && v.TryGetValue(out string? text))
                    map[parameterName] = text;
                else
                    problems.Add(new(FileName, valuePath, "MANIFEST_WRONG_TYPE", $"preset value '{parameterName}' must be a string"));
            }
            result.Add(new ConnectionPreset(name, map));
        }
        return result;
    }

    private static AuthSettings? ReadAuthObject(JsonObject auth, string authPath, List<ConnectionParameter> parameters, List<FormatProblem> problems)
    {
        void Error(string path, string code, string message) => problems.Add(new(FileName, path, code, message));
        var kindText = (string?)auth["kind"];
        AuthKind kind;
        switch (kindText)
        {
            case "none": kind = AuthKind.None; break;
            case "basic": kind = AuthKind.Basic; break;
            case "apiKey": kind = AuthKind.ApiKey; break;
            case "oauth2ClientCredentials": kind = AuthKind.OAuth2ClientCredentials; break;
            case "oauth2AuthorizationCode": kind = AuthKind.OAuth2AuthorizationCode; break;
            case "custom": kind = AuthKind.Custom; break;
            default:
                Error(authPath + ".kind", "MANIFEST_AUTH_KIND", $"auth kind '{kindText}' must be none, basic, apiKey, oauth2ClientCredentials, oauth2AuthorizationCode or custom");
                return null;
        }
        string[] allowed = kind switch
        {
            AuthKind.None => ["kind"],
            AuthKind.Basic => ["kind", "usernameParameter", "passwordParameter"],
            AuthKind.ApiKey => ["kind", "parameter", "in", "name", "tokenType"],
            AuthKind.OAuth2ClientCredentials => ["kind", "tokenUrl", "clientIdParameter", "clientSecretParameter", "scope", "clientAuthentication"],
            AuthKind.OAuth2AuthorizationCode => ["kind", "authorizeUrl", "tokenUrl", "refreshUrl", "clientIdParameter", "clientSecretParameter", "scope", "clientAuthentication"],
            _ => ["kind", "flow", "refreshable"],
        };
        foreach (var (field, _) in auth)
            if (!allowed.Contains(field))
                Error(JsonPath.Property(authPath, field), "MANIFEST_AUTH_FIELD", $"'{field}' does not apply to auth kind '{kindText}'; it takes {string.Join(", ", allowed)}");
        var settings = new AuthSettings { Kind = kind };
        string Field(string field, string fallback) => (string?)auth[field] ?? fallback;
        settings = settings with
        {
            UsernameParameter = Field("usernameParameter", settings.UsernameParameter),
            PasswordParameter = Field("passwordParameter", settings.PasswordParameter),
            Parameter = Field("parameter", settings.Parameter),
            In = Field("in", settings.In),
            Name = Field("name", settings.Name),
            TokenType = Field("tokenType", settings.TokenType),
            TokenUrl = (string?)auth["tokenUrl"],
            AuthorizeUrl = (string?)auth["authorizeUrl"],
            RefreshUrl = (string?)auth["refreshUrl"],
            ClientIdParameter = Field("clientIdParameter", settings.ClientIdParameter),
            ClientSecretParameter = Field("clientSecretParameter", settings.ClientSecretParameter),
            Scope = (string?)auth["scope"],
            ClientAuthentication = Field("clientAuthentication", settings.ClientAuthentication),
            Flow = Field("flow", settings.Flow),
            Refreshable = auth["refreshable"] is JsonValue refreshable && refreshable.TryGetValue(out bool r) && r,
        };
        void NeedParameter(string field, string parameter, bool secret)
        {
            var p = parameters.FirstOrDefault(x => x.Name == parameter);
            if (p is null)
                Error(JsonPath.Property(authPath, field), "MANIFEST_AUTH_PARAMETER", $"auth uses connection parameter '{parameter}', which is not declared");
            else if (secret && p.Type != ConnectionParameterType.Password)
                Error(JsonPath.Property(authPath, field), "MANIFEST_AUTH_PARAMETER", $"connection parameter '{parameter}' holds a secret and must be of type password");
        }
        switch (kind)
        {
            case AuthKind.Basic:
                NeedParameter("usernameParameter", settings.UsernameParameter, false);
                NeedParameter("passwordParameter", settings.PasswordParameter, true);
                break;
            case AuthKind.ApiKey:
                NeedParameter("parameter", settings.Parameter, true);
                if (settings.In is not ("header" or "query"))
                    Error(authPath + ".in", "MANIFEST_AUTH_FIELD", $"'in' must be header or query, got '{settings.In}'");
                break;
            case AuthKind.OAuth2ClientCredentials:
            case AuthKind.OAuth2AuthorizationCode:
                if (settings.TokenUrl is null || !IsHttpUrl(ConnectionPlaceholder().Replace(settings.TokenUrl, "x")))
                    Error(authPath + ".tokenUrl", "MANIFEST_AUTH_FIELD", "tokenUrl must be an absolute http(s) URL");
                if (kind == AuthKind.OAuth2AuthorizationCode && (settings.AuthorizeUrl is null || !IsHttpUrl(ConnectionPlaceholder().Replace(settings.AuthorizeUrl, "x"))))
                    Error(authPath + ".authorizeUrl", "MANIFEST_AUTH_FIELD", "authorizeUrl must be an absolute http(s) URL");
                if (settings.RefreshUrl is not null && !IsHttpUrl(ConnectionPlaceholder().Replace(settings.RefreshUrl, "x")))
                    Error(authPath + ".refreshUrl", "MANIFEST_AUTH_FIELD", "refreshUrl must be an absolute http(s) URL");
                NeedParameter("clientIdParameter", settings.ClientIdParameter, false);
                NeedParameter("clientSecretParameter", settings.ClientSecretParameter, true);
                if (settings.ClientAuthentication is not ("client_secret_basic" or "client_secret_post"))
                    Error(authPath + ".clientAuthentication", "MANIFEST_AUTH_FIELD", $"clientAuthentication must be client_secret_basic or client_secret_post, got '{settings.ClientAuthentication}'");
                break;
        }
        return settings;
    }
}
