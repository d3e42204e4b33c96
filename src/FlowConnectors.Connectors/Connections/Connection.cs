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
    /// <summary>Its last test (on creation, on a secret change, or on request) failed: the reason says why.</summary>
    TestFailed,
}

/// <summary>What a connection's user needs to know at a glance (API <c>health</c>, the designer's badge).</summary>
public enum ConnectionHealth
{
    Healthy,
    /// <summary>Its credentials end soon and cannot be renewed on their own (no refresh token, or the refresh token ends).</summary>
    Expiring,
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
    /// <summary>When its last test ran (its status is that test's result); null when never tested.</summary>
    public DateTimeOffset? LastTestedAt { get; set; }

    /// <summary>How long before its credentials end a connection shows as expiring.</summary>
    public static readonly TimeSpan ExpiringWindow = TimeSpan.FromDays(7);

    /// <summary>Healthy, expiring (its credentials end within <see cref="ExpiringWindow"/> and cannot renew themselves) or needing re-authorization.</summary>
    public ConnectionHealth HealthAt(DateTimeOffset now)
    {
        if (Status is ConnectionStatus.NeedsReauthorization or ConnectionStatus.Deauthorized) return ConnectionHealth.NeedsReauthorization;
        if (Tokens is { } tokens)
        {
            var end = tokens.RefreshToken is null ? tokens.ExpiresAt : tokens.RefreshExpiresAt;
            if (end is { } ends && ends <= now) return ConnectionHealth.NeedsReauthorization;
            if (end is { } soon && soon - now <= ExpiringWindow) return ConnectionHealth.Expiring;
        }
        return ConnectionHealth.Healthy;
    }

    /// <summary>What a connection id may hold, in words for error messages.</summary>
    public const string IdRule = "may hold only letters, digits, '_' and '-' (1 to 64 of them)";

    /// <summary>Whether <paramref name="id"/> is a connection id a store can hold.</summary>
    public static bool IsValidId(string id) => id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>A parameter's value, secret or not; null when unset.</summary>
    public string? Get(string parameter) =>
        Secrets.TryGetValue(parameter, out var secret) ? secret : Values.GetValueOrDefault(parameter);

    /// <summary>What may be shown or returned by an API: plain values, and which secrets are set.</summary>
    public JsonObject ToPublicJson(DateTimeOffset? now = null) => new()
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
        ["lastTestedAt"] = LastTestedAt,
        ["health"] = HealthName(HealthAt(now ?? DateTimeOffset.UtcNow)),
        ["tokenExpiresAt"] = Tokens?.ExpiresAt,
    };

    public static string HealthName(ConnectionHealth health) => health switch
    {
        ConnectionHealth.Healthy => "healthy",
        ConnectionHealth.Expiring => "expiring",
        _ => "needsReauthorization",
    };

    public static string StatusName(ConnectionStatus status) => status switch
    {
        ConnectionStatus.Authorized => "authorized",
        ConnectionStatus.NeedsReauthorization => "needsReauthorization",
        ConnectionStatus.TestFailed => "testFailed",
        _ => "deauthorized",
    };

    /// <summary>The origin of a URL as connections record it: lower-case scheme and host, explicit port.</summary>
    public static string OriginOf(Uri uri) => $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}".ToLowerInvariant();

    /// <summary>True when <paramref name="origin"/> is <see cref="OriginOf"/> of <paramref name="uri"/>, without building the string (checked per request).</summary>
    public static bool IsOriginOf(Uri uri, string? origin)
    {
        if (origin is null) return false;
        Span<char> buffer = stackalloc char[256];
        if (!buffer.TryWrite(System.Globalization.CultureInfo.InvariantCulture, $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}", out var written))
            return OriginOf(uri) == origin;
        var text = buffer[..written];
        Span<char> lower = stackalloc char[256];
        var length = text.ToLowerInvariant(lower);
        return lower[..length].SequenceEqual(origin);
    }

    /// <summary>Every secret string this connection holds, for redaction.</summary>
    public IEnumerable<string> SecretStrings()
    {
        foreach (var value in Secrets.Values) yield return value;
        if (Tokens?.AccessToken is { } access) yield return access;
        if (Tokens?.RefreshToken is { } refresh) yield return refresh;
    }
}

/// <summary>OAuth 2.0 tokens obtained for a connection (authorization-code flow).</summary>
/// <remarks><see cref="RefreshExpiresAt"/>: when the refresh token itself ends (<c>refresh_token_expires_in</c>), if the provider says.</remarks>
public sealed record OAuthTokens(string AccessToken, string? RefreshToken, DateTimeOffset? ExpiresAt, string? Scope, DateTimeOffset? RefreshExpiresAt = null);
