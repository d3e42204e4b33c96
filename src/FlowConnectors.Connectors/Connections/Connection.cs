using System.Text.Json.Nodes;

namespace FlowConnectors.Connectors.Connections;

public enum ConnectionStatus
{
    Authorized,
    Deauthorized,
    /// <summary>
    /// The connector's base URL or authentication changed since the connection was authorized: nothing
    /// is sent with it until a user re-enters its secrets or confirms the new address.
    /// </summary>
    NeedsReauthorization,
}

/// <summary>
/// A connection: a connector key plus parameter values. Secret values are held here decrypted
/// only while in use; the store encrypts them, and nothing else ever writes them out.
/// </summary>
public sealed class Connection
{
    public required string Id { get; init; }
    public required string ConnectorKey { get; init; }
    public string Name { get; set; } = "";
    public Dictionary<string, string> Values { get; init; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Secrets { get; init; } = new(StringComparer.Ordinal);
    public OAuthTokens? Tokens { get; set; }
    public ConnectionStatus Status { get; set; } = ConnectionStatus.Authorized;
    public string? StatusReason { get; set; }
    /// <summary>
    /// The origin (<c>scheme://host:port</c>) the connection was authorized for: its credentials go
    /// nowhere else. Null only for connections stored before origins were recorded (bound on first use).
    /// </summary>
    public string? Origin { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>What a connection id may hold, in words for error messages.</summary>
    public const string IdRule = "may hold only letters, digits, '_' and '-' (1 to 64 of them)";

    /// <summary>Whether <paramref name="id"/> is a connection id a store can hold.</summary>
    public static bool IsValidId(string id) => id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>A parameter's value, secret or not; null when unset.</summary>
    public string? Get(string parameter) =>
        Secrets.TryGetValue(parameter, out var secret) ? secret : Values.GetValueOrDefault(parameter);

    /// <summary>What may be shown or returned by an API: plain values, and which secrets are set.</summary>
    public JsonObject ToPublicJson() => new()
    {
        ["id"] = Id,
        ["connector"] = ConnectorKey,
        ["name"] = Name,
        ["values"] = new JsonObject(Values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => KeyValuePair.Create(v.Key, (JsonNode?)v.Value))),
        ["secretsSet"] = new JsonArray(Secrets.Keys.Order(StringComparer.Ordinal).Select(k => (JsonNode)k).ToArray()),
        ["signedIn"] = Tokens is not null,
        ["status"] = StatusName(Status),
        ["statusReason"] = StatusReason,
        ["origin"] = Origin,
    };

    public static string StatusName(ConnectionStatus status) => status switch
    {
        ConnectionStatus.Authorized => "authorized",
        ConnectionStatus.NeedsReauthorization => "needsReauthorization",
        _ => "deauthorized",
    };

    /// <summary>The origin of a URL as connections record it: lower-case scheme and host, explicit port.</summary>
    public static string OriginOf(Uri uri) => $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}".ToLowerInvariant();

    /// <summary>Every secret string this connection holds, for redaction.</summary>
    public IEnumerable<string> SecretStrings()
    {
        foreach (var value in Secrets.Values) yield return value;
        if (Tokens?.AccessToken is { } access) yield return access;
        if (Tokens?.RefreshToken is { } refresh) yield return refresh;
    }
}

/// <summary>OAuth 2.0 tokens obtained for a connection (authorization-code flow).</summary>
public sealed record OAuthTokens(string AccessToken, string? RefreshToken, DateTimeOffset? ExpiresAt, string? Scope);
