using System.Text.Json.Nodes;

namespace FlowConnectors.Connectors.Manifest;

/// <summary>The connector's <c>connector.json</c> (see docs/connectors.md).</summary>
public sealed class ConnectorManifest
{
    public required string Key { get; init; }
    public required string Name { get; init; }
    public required string Version { get; init; }
    public string? Description { get; init; }
    public string? Icon { get; init; }
    public string? AccentColor { get; init; }
    public string? DocumentationUrl { get; init; }
    public string? SupportEmail { get; init; }
    public required string BaseUrl { get; init; }
    /// <summary>
    /// A text connection parameter that, when a connection sets it, replaces <see cref="BaseUrl"/> as
    /// the whole base URL (another host, a port, a proxy); null when the connector has none.
    /// </summary>
    public string? BaseUrlParameter { get; init; }
    public required AuthSettings Auth { get; init; }
    /// <summary>
    /// Further auths some actions use instead of <see cref="Auth"/> (a Postman folder's basic auth under a
    /// bearer collection), by name; a request picks one with its <c>auth</c> input. Basic and apiKey only.
    /// </summary>
    public IReadOnlyDictionary<string, AuthSettings> AdditionalAuth { get; init; } = new Dictionary<string, AuthSettings>();
    /// <summary>Named sets of connection parameter values (a Postman environment): a starting point for a new connection.</summary>
    public IReadOnlyList<ConnectionPreset> ConnectionPresets { get; init; } = [];
    public IReadOnlyList<ConnectionParameter> ConnectionParameters { get; init; } = [];
    public JsonObject? Http { get; init; }
    /// <summary>Per-connection request budgets (<c>rateLimits</c>): the connection-wide one and endpoint groups.</summary>
    public IReadOnlyList<Budgets.RateLimit> RateLimits { get; init; } = [];
    /// <summary>When tokens are refreshed and how the vendor says a token expired (<c>tokenExpiry</c>).</summary>
    public TokenExpirySettings TokenExpiry { get; init; } = TokenExpirySettings.Default;

    public ConnectionParameter? FindParameter(string name) => ConnectionParameters.FirstOrDefault(p => p.Name == name);

    public bool IsSecret(string parameter) => FindParameter(parameter)?.Type == ConnectionParameterType.Password;
}

/// <summary>
/// How early tokens are refreshed before they expire, and how a vendor signals an expired token besides a 401:
/// a status code, or a JSON path on the body with the value it holds then (WeChat's <c>errcode == 40001</c>).
/// </summary>
public sealed record TokenExpirySettings(TimeSpan RefreshBefore, IReadOnlyList<ExpiryDetector> Detectors)
{
    public static readonly TokenExpirySettings Default = new(TimeSpan.FromSeconds(60), []);
}

/// <summary>One sign of an expired token: <see cref="Status"/> alone, or <see cref="Path"/> (a <c>$.a.b</c> path) equal to <see cref="EqualsValue"/>.</summary>
public sealed record ExpiryDetector(int? Status, string? Path, JsonNode? EqualsValue);

public enum ConnectionParameterType
{
    Text,
    Password,
    Dropdown,
}

public sealed record ConnectionParameter(
    string Name,
    string Label,
    ConnectionParameterType Type,
    bool Required,
    string? Description,
    string? Default,
    IReadOnlyList<ParameterOption> Options);

public sealed record ParameterOption(string Label, string Value);

/// <summary>Values for some connection parameters (never a password), e.g. one Postman environment's.</summary>
public sealed record ConnectionPreset(string Name, IReadOnlyDictionary<string, string> Values);

public enum AuthKind
{
    None,
    Basic,
    ApiKey,
    OAuth2ClientCredentials,
    OAuth2AuthorizationCode,
    Custom,
}

/// <summary>Authentication settings; which fields matter depends on <see cref="Kind"/>.</summary>
public sealed record AuthSettings
{
    public AuthKind Kind { get; init; }
    public string UsernameParameter { get; init; } = "username";
    public string PasswordParameter { get; init; } = "password";
    public string Parameter { get; init; } = "token";
    public string In { get; init; } = "header";
    public string Name { get; init; } = "Authorization";
    public string TokenType { get; init; } = "Bearer";
    public string? TokenUrl { get; init; }
    public string? AuthorizeUrl { get; init; }
    /// <summary>Authorization code only: where refresh-token grants go when the provider keeps them apart from <see cref="TokenUrl"/>.</summary>
    public string? RefreshUrl { get; init; }
    public string ClientIdParameter { get; init; } = "clientId";
    public string ClientSecretParameter { get; init; } = "clientSecret";
    public string? Scope { get; init; }
    public string ClientAuthentication { get; init; } = "client_secret_basic";
    public string Flow { get; init; } = "_auth";
    /// <summary>Custom auth only: a 401 re-runs the auth flow and retries once (for session tokens).</summary>
    public bool Refreshable { get; init; }

    /// <summary>Kinds that hold tokens which can be revoked (so a <c>_revoke</c> flow makes sense).</summary>
    public bool IsTokenBased => Kind is AuthKind.ApiKey or AuthKind.OAuth2ClientCredentials or AuthKind.OAuth2AuthorizationCode or AuthKind.Custom;

    public static string WireName(AuthKind kind) => kind switch
    {
        AuthKind.None => "none",
        AuthKind.Basic => "basic",
        AuthKind.ApiKey => "apiKey",
        AuthKind.OAuth2ClientCredentials => "oauth2ClientCredentials",
        AuthKind.OAuth2AuthorizationCode => "oauth2AuthorizationCode",
        _ => "custom",
    };
}
