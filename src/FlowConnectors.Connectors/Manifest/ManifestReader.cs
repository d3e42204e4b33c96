using System.Net.Mail;
using System.Text.Json;
using System.Text.RegularExpressions;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Connectors.Manifest;

/// <summary>
/// Reads <c>connector.json</c>, reporting every problem with a stable code and JSON path: schemas/connector.schema.json
/// checks the shape (through the one format validator, <see cref="FormatSchema"/>), each failed keyword becomes the
/// problem this reader has always reported, System.Text.Json reads what is left as typed records, and the checks a
/// schema cannot make follow (parameters named by auth and URLs, secrets, presets, reserved keys, rate limits).
/// </summary>
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
    public static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0;

    /// <summary>
    /// Keys that name the server catalog's own routes (<c>/api/catalog/export/…</c>, <c>installed/…</c>,
    /// <c>packages</c>): a connector with one of them could not be reached at <c>/api/catalog/&lt;key&gt;/…</c>.
    /// </summary>
    public static readonly IReadOnlySet<string> ReservedKeys = new HashSet<string>(StringComparer.Ordinal) { "export", "installed", "packages" };
    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")] private static partial Regex SemverPattern();
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")] private static partial Regex NamePattern();
    /// <summary>A <c>{{ connection.name }}</c> placeholder in a manifest URL; group 1 is the connection parameter's name.</summary>
    [GeneratedRegex(@"\{\{\s*connection\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")] public static partial Regex ConnectionPlaceholder();

    public static bool IsSemver(string version) => SemverPattern().IsMatch(version);

    /// <summary>A name an additional auth may have: an identifier other than the reserved ones.</summary>
    internal static bool IsAuthName(string name) => NamePattern().IsMatch(name) && !ReservedAuthNames.Contains(name);

    /// <summary>
    /// Reads a manifest. The manifest is null when its required fields could not be read; otherwise it is
    /// returned even with problems (for checking the flows against it) and is valid only when none is an error.
    /// </summary>
    public static (ConnectorManifest? Manifest, List<FormatProblem> Problems) Read(string text)
    {
        var problems = new List<FormatProblem>();
        void Error(string path, string code, string message) => problems.Add(new(FileName, path, code, message));
        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            Error(e.Path ?? "$", "MANIFEST_MALFORMED", $"line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: malformed JSON");
            return (null, problems);
        }
        using var json = parsed;
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            Error("$", "MANIFEST_INVALID", "the manifest must be a JSON object");
            return (null, problems);
        }

        var violations = FormatSchema.Connector.Evaluate(root);
        if (violations.Any(v => v.IsNumberOutOfRange))
        {
            problems.AddRange(violations.Select(v => new FormatProblem(FileName, v.Path, "MANIFEST_WRONG_TYPE", v.LibraryMessage)));
            return (null, problems);
        }
        var leaveOut = new HashSet<string>(StringComparer.Ordinal);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var violation in violations)
        {
            var translated = ManifestSchemaProblems.Translate(violation, root).ToList();
            foreach (var problem in translated)
            {
                // One problem per value: an additional auth's kind fails two enums, a name its type and pattern.
                if (!reported.Add($"{problem.Path} {problem.Code} {(problem.Code == "MANIFEST_MISSING_FIELD" ? problem.Message : "")}")) continue;
                problems.Add(problem);
            }
            // Only values a problem was reported for: an 'if' that does not match fails its const without being one.
            if (translated.Count > 0 && violation.Keyword is "type" or "enum" or "const") leaveOut.Add(violation.Pointer);
        }

        ManifestDocument document;
        try
        {
            document = JsonSerializer.Deserialize(FormatSchema.CopyWithout(root, leaveOut), ManifestJsonContext.Default.ManifestDocument) ?? new();
        }
        catch (JsonException e)
        {
            Error(e.Path ?? "$", "MANIFEST_WRONG_TYPE", $"unreadable value: {e.Message}");
            return (null, problems);
        }
        return (Check(document, Error), problems);
    }

    /// <summary>The checks a schema cannot make, and the manifest when its required parts could be read.</summary>
    private static ConnectorManifest? Check(ManifestDocument d, Action<string, string, string> error)
    {
        if (d.Key is { } key && KeyPattern().IsMatch(key) && ReservedKeys.Contains(key))
            error("$.key", "MANIFEST_RESERVED_KEY", $"key '{key}' is reserved: it names a route of the server's catalog ({string.Join(", ", ReservedKeys.Order(StringComparer.Ordinal))}); choose another");
        if (d.DocumentationUrl is { } docs && !IsHttpUrl(docs))
            error("$.documentationUrl", "MANIFEST_INVALID_URL", $"documentationUrl '{docs}' must be an absolute http(s) URL");
        if (d.SupportEmail is { } email && !MailAddress.TryCreate(email, out _))
            error("$.supportEmail", "MANIFEST_INVALID_EMAIL", $"supportEmail '{email}' is not an e-mail address");

        var parameters = Parameters(d.ConnectionParameters, error);
        if (d.BaseUrl is { } baseUrl)
        {
            var probe = ConnectionPlaceholder().Replace(baseUrl, "x");
            if (!IsHttpUrl(probe))
                error("$.baseUrl", "MANIFEST_INVALID_URL", $"baseUrl '{baseUrl}' must be an absolute http(s) URL");
            foreach (Match match in ConnectionPlaceholder().Matches(baseUrl))
            {
                var parameter = parameters.FirstOrDefault(p => p.Name == match.Groups[1].Value);
                if (parameter is null)
                    error("$.baseUrl", "MANIFEST_UNKNOWN_PARAMETER", $"baseUrl uses '{match.Groups[1].Value}', which is not a connection parameter");
                else if (parameter.Type == ConnectionParameterType.Password)
                    error("$.baseUrl", "MANIFEST_SECRET_IN_URL", $"baseUrl must not use the password parameter '{parameter.Name}'");
            }
        }
        if (d.BaseUrlParameter is { } baseUrlParameter)
        {
            var overriding = parameters.FirstOrDefault(p => p.Name == baseUrlParameter);
            if (overriding is null)
                error("$.baseUrlParameter", "MANIFEST_UNKNOWN_PARAMETER", $"baseUrlParameter names '{baseUrlParameter}', which is not a connection parameter");
            else if (overriding.Type != ConnectionParameterType.Text)
                error("$.baseUrlParameter", "MANIFEST_INVALID_PARAMETER", $"baseUrlParameter '{baseUrlParameter}' must be a text parameter");
        }
        var auth = d.Auth is { } main && KindOf(main.Kind) is { } mainKind ? Auth(main, mainKind, "$.auth", parameters, error) : null;
        var additionalAuth = new Dictionary<string, AuthSettings>(StringComparer.Ordinal);
        foreach (var (name, entry) in d.AdditionalAuth ?? [])
        {
            if (!IsAuthName(name))
            {
                error(JsonPath.Property("$.additionalAuth", name), "MANIFEST_AUTH_NAME", $"additional auth name '{name}' must be an identifier other than {string.Join(" and ", ReservedAuthNames.Order(StringComparer.Ordinal))}");
                continue;
            }
            // Of another shape or kind: the schema check has said so.
            if (entry is null || KindOf(entry.Kind) is not (AuthKind.Basic or AuthKind.ApiKey) || entry.Kind is null) continue;
            additionalAuth[name] = Auth(entry, KindOf(entry.Kind)!.Value, JsonPath.Property("$.additionalAuth", name), parameters, error);
        }
        var presets = Presets(d.ConnectionPresets, parameters, error);
        var rateLimits = LimitsReader.ReadRateLimits(d.RateLimits, (path, code, message) => error(path, code, message));
        var tokenExpiry = LimitsReader.ReadTokenExpiry(d.TokenExpiry, (path, code, message) => error(path, code, message));

        // Returned with problems too, once it could be read this far, so the flows can still be checked
        // against it and every problem is reported at once; it is valid only when no error was found.
        if (d.Key is null || d.Name is null || d.Version is null || d.BaseUrl is null || auth is null)
            return null;
        return new ConnectorManifest
        {
            Key = d.Key,
            Name = d.Name,
            Version = d.Version,
            Description = d.Description,
            Icon = d.Icon,
            AccentColor = d.AccentColor,
            DocumentationUrl = d.DocumentationUrl,
            SupportEmail = d.SupportEmail,
            BaseUrl = d.BaseUrl,
            BaseUrlParameter = d.BaseUrlParameter,
            Auth = auth,
            AdditionalAuth = additionalAuth,
            ConnectionParameters = parameters,
            ConnectionPresets = presets,
            Http = d.Http,
            RateLimits = rateLimits,
            TokenExpiry = tokenExpiry,
        };
    }

    private static List<ConnectionParameter> Parameters(List<ParameterDocument?>? declared, Action<string, string, string> error)
    {
        var result = new List<ConnectionParameter>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (declared?.Count ?? 0); i++)
        {
            // Not an object: the schema check has said so.
            if (declared![i] is not { } p) continue;
            var path = JsonPath.Index("$.connectionParameters", i);
            var name = p.Name ?? "";
            if (NamePattern().IsMatch(name) && !names.Add(name))
                error(JsonPath.Property(path, "name"), "MANIFEST_PARAMETER_DUPLICATE", $"parameter '{name}' is declared twice");
            var type = p.Type switch
            {
                "password" => ConnectionParameterType.Password,
                "dropdown" => ConnectionParameterType.Dropdown,
                _ => ConnectionParameterType.Text,
            };
            var options = (p.Options ?? []).Where(o => o?.Value is not null).Select(o => new ParameterOption(o!.Label ?? o.Value!, o.Value!)).ToList();
            if (type == ConnectionParameterType.Dropdown && options.Count == 0)
                error(path, "MANIFEST_PARAMETER_OPTIONS", $"dropdown parameter '{name}' needs options");
            if (type == ConnectionParameterType.Dropdown && p.Default is { } choice && options.All(o => o.Value != choice))
                error(JsonPath.Property(path, "default"), "MANIFEST_PARAMETER_DEFAULT", $"default '{choice}' is not one of the options of '{name}'");
            if (type == ConnectionParameterType.Password && p.Default is not null)
                error(JsonPath.Property(path, "default"), "MANIFEST_SECRET_DEFAULT", $"password parameter '{name}' must not have a default");
            result.Add(new(name, p.Label ?? name, type, p.Required ?? false, p.Description, p.Default, options));
        }
        return result;
    }

    /// <summary>Names an action's <c>auth</c> input may give besides these: the connector's own auth, and none at all.</summary>
    public static readonly IReadOnlySet<string> ReservedAuthNames = new HashSet<string>(StringComparer.Ordinal) { "none", "connection" };

    private static List<ConnectionPreset> Presets(List<PresetDocument?>? declared, List<ConnectionParameter> parameters, Action<string, string, string> error)
    {
        var result = new List<ConnectionPreset>();
        for (var i = 0; i < (declared?.Count ?? 0); i++)
        {
            // Without a name or values: the schema check has said so.
            if (declared![i] is not { Name: { Length: > 0 } name, Values: { } values }) continue;
            var path = JsonPath.Index("$.connectionPresets", i);
            if (result.Any(p => p.Name == name))
                error(JsonPath.Property(path, "name"), "MANIFEST_PRESET", $"preset '{name}' is declared twice");
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (parameterName, value) in values)
            {
                var valuePath = JsonPath.Property(JsonPath.Property(path, "values"), parameterName);
                var parameter = parameters.FirstOrDefault(p => p.Name == parameterName);
                if (parameter is null)
                    error(valuePath, "MANIFEST_UNKNOWN_PARAMETER", $"preset '{name}' sets '{parameterName}', which is not a connection parameter");
                else if (parameter.Type == ConnectionParameterType.Password)
                    error(valuePath, "MANIFEST_SECRET_DEFAULT", $"preset '{name}' must not hold a value for the password parameter '{parameterName}'");
                else
                    map[parameterName] = value;
            }
            result.Add(new ConnectionPreset(name, map));
        }
        return result;
    }

    private static AuthKind? KindOf(string? wireName) => wireName switch
    {
        "none" => AuthKind.None,
        "basic" => AuthKind.Basic,
        "apiKey" => AuthKind.ApiKey,
        "oauth2ClientCredentials" => AuthKind.OAuth2ClientCredentials,
        "oauth2AuthorizationCode" => AuthKind.OAuth2AuthorizationCode,
        "custom" => AuthKind.Custom,
        _ => null,
    };

    private static AuthSettings Auth(AuthDocument auth, AuthKind kind, string authPath, List<ConnectionParameter> parameters, Action<string, string, string> error)
    {
        var defaults = new AuthSettings { Kind = kind };
        var settings = defaults with
        {
            UsernameParameter = auth.UsernameParameter ?? defaults.UsernameParameter,
            PasswordParameter = auth.PasswordParameter ?? defaults.PasswordParameter,
            Parameter = auth.Parameter ?? defaults.Parameter,
            In = auth.In ?? defaults.In,
            Name = auth.Name ?? defaults.Name,
            TokenType = auth.TokenType ?? defaults.TokenType,
            TokenUrl = auth.TokenUrl,
            AuthorizeUrl = auth.AuthorizeUrl,
            RefreshUrl = auth.RefreshUrl,
            ClientIdParameter = auth.ClientIdParameter ?? defaults.ClientIdParameter,
            ClientSecretParameter = auth.ClientSecretParameter ?? defaults.ClientSecretParameter,
            Scope = auth.Scope,
            ClientAuthentication = auth.ClientAuthentication ?? defaults.ClientAuthentication,
            Flow = auth.Flow ?? defaults.Flow,
            Refreshable = auth.Refreshable ?? false,
        };
        void NeedParameter(string field, string parameter, bool secret)
        {
            var p = parameters.FirstOrDefault(x => x.Name == parameter);
            if (p is null)
                error(JsonPath.Property(authPath, field), "MANIFEST_AUTH_PARAMETER", $"auth uses connection parameter '{parameter}', which is not declared");
            else if (secret && p.Type != ConnectionParameterType.Password)
                error(JsonPath.Property(authPath, field), "MANIFEST_AUTH_PARAMETER", $"connection parameter '{parameter}' holds a secret and must be of type password");
        }
        switch (kind)
        {
            case AuthKind.Basic:
                NeedParameter("usernameParameter", settings.UsernameParameter, false);
                NeedParameter("passwordParameter", settings.PasswordParameter, true);
                break;
            case AuthKind.ApiKey:
                NeedParameter("parameter", settings.Parameter, true);
                break;
            case AuthKind.OAuth2ClientCredentials:
            case AuthKind.OAuth2AuthorizationCode:
                if (settings.TokenUrl is null || !IsHttpUrl(ConnectionPlaceholder().Replace(settings.TokenUrl, "x")))
                    error(authPath + ".tokenUrl", "MANIFEST_AUTH_FIELD", "tokenUrl must be an absolute http(s) URL");
                if (kind == AuthKind.OAuth2AuthorizationCode && (settings.AuthorizeUrl is null || !IsHttpUrl(ConnectionPlaceholder().Replace(settings.AuthorizeUrl, "x"))))
                    error(authPath + ".authorizeUrl", "MANIFEST_AUTH_FIELD", "authorizeUrl must be an absolute http(s) URL");
                if (settings.RefreshUrl is not null && !IsHttpUrl(ConnectionPlaceholder().Replace(settings.RefreshUrl, "x")))
                    error(authPath + ".refreshUrl", "MANIFEST_AUTH_FIELD", "refreshUrl must be an absolute http(s) URL");
                NeedParameter("clientIdParameter", settings.ClientIdParameter, false);
                NeedParameter("clientSecretParameter", settings.ClientSecretParameter, true);
                break;
        }
        return settings;
    }
}
