using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;

namespace FlowConnectors.Connectors.Auth;

/// <summary>When a token must be refreshed: before it expires, by the connector's margin.</summary>
internal static class TokenExpiry
{
    /// <summary>The <c>exp</c> claim of a JWT (not verified: only its expiry is read, to refresh in time); null for other tokens.</summary>
    public static DateTimeOffset? JwtExpiry(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[1].Length is 0 or > 8192) return null;
        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
            var claims = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload))) as JsonObject;
            return claims?["exp"] is JsonValue exp && exp.TryGetValue(out long seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            return null;
        }
    }

    public static bool IsDue(OAuthTokens tokens, TimeSpan margin, DateTimeOffset now) =>
        (tokens.ExpiresAt ?? JwtExpiry(tokens.AccessToken)) is { } expires && expires - margin <= now;
}
