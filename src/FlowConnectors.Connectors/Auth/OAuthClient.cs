using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Connectors.Auth;

/// <summary>
/// Token requests for OAuth 2.0 (client credentials, authorization code, refresh), with the client
/// secret sent as <c>client_secret_basic</c> or <c>client_secret_post</c>. Error responses become
/// faults naming <c>error</c> and <c>error_description</c>, never a secret.
/// </summary>
public sealed class OAuthClient(HttpClient http, TimeProvider clock)
{
    public Task<OAuthTokens> ClientCredentialsAsync(ConnectorManifest manifest, Connection connection, CancellationToken ct) =>
        RequestAsync(manifest, connection, manifest.Auth.TokenUrl!, new() { ["grant_type"] = "client_credentials", ["scope"] = manifest.Auth.Scope }, ct);

    public Task<OAuthTokens> ExchangeCodeAsync(ConnectorManifest manifest, Connection connection, string code, string redirectUri, CancellationToken ct) =>
        RequestAsync(manifest, connection, manifest.Auth.TokenUrl!, new() { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = redirectUri }, ct);

    public async Task<OAuthTokens> RefreshAsync(ConnectorManifest manifest, Connection connection, CancellationToken ct)
    {
        var refresh = connection.Tokens?.RefreshToken
                      ?? throw new ActivityFaultException("authentication failed: the connection has no refresh token; sign in again", new TokenRefusedException());
        // Some providers take refresh grants at their own endpoint (refreshUrl); most at the token endpoint.
        var tokens = await RequestAsync(manifest, connection, manifest.Auth.RefreshUrl ?? manifest.Auth.TokenUrl!,
            new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh }, ct);
        // Servers may omit a new refresh token; the old one stays valid then.
        return tokens.RefreshToken is null ? tokens with { RefreshToken = refresh } : tokens;
    }

    private static double? Seconds(JsonNode? node) =>
        node is JsonValue v && double.TryParse(v.ToString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? seconds
            : null;

    /// <summary>The URL the browser is sent to for the authorization-code sign-in.</summary>
    public static string BuildAuthorizeUrl(ConnectorManifest manifest, Connection connection, string redirectUri, string state)
    {
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = connection.Get(manifest.Auth.ClientIdParameter),
            ["redirect_uri"] = redirectUri,
            ["scope"] = manifest.Auth.Scope,
            ["state"] = state,
        };
        var url = ConnectorUrls.Expand(manifest.Auth.AuthorizeUrl!, connection);
        var separator = url.Contains('?') ? '&' : '?';
        return url + separator + string.Join("&", query.Where(q => q.Value is not null).Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value!)}"));
    }

    private async Task<OAuthTokens> RequestAsync(ConnectorManifest manifest, Connection connection, string endpoint, Dictionary<string, string?> form, CancellationToken ct)
    {
        var auth = manifest.Auth;
        var clientId = connection.Get(auth.ClientIdParameter) ?? throw new ActivityFaultException($"connection parameter '{auth.ClientIdParameter}' is not set");
        var clientSecret = connection.Get(auth.ClientSecretParameter) ?? throw new ActivityFaultException($"connection parameter '{auth.ClientSecretParameter}' is not set");
        var tokenUrl = ConnectorUrls.Expand(endpoint, connection);
        using var request = new HttpRequestMessage(HttpMethod.Post, tokenUrl);
        if (auth.ClientAuthentication == "client_secret_post")
        {
            form["client_id"] = clientId;
            form["client_secret"] = clientSecret;
        }
        else
        {
            // RFC 6749 2.3.1: form-encode the id and secret before joining them.
            var credentials = $"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }
        request.Content = new FormUrlEncodedContent(form.Where(f => f.Value is not null).Select(f => KeyValuePair.Create(f.Key, f.Value!)));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new ActivityFaultException($"token request to {new Uri(tokenUrl).Host} failed: {e.Message}");
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            JsonObject? body = null;
            try { body = JsonNode.Parse(text) as JsonObject; } catch (JsonException) { }
            if (!response.IsSuccessStatusCode || body?["access_token"] is null)
            {
                // RFC 6749 5.2: a 400/401 with one of these errors will not change by trying again; the user must sign in again.
                var refused = (int)response.StatusCode is 400 or 401 &&
                              (string?)body?["error"] is null or "invalid_grant" or "invalid_client" or "unauthorized_client" or "unsupported_grant_type";
                var why = refused ? new TokenRefusedException() : null;
                if (body?["error"] is { } error)
                    throw new ActivityFaultException($"token request failed: {(string?)error}" +
                                                     (body["error_description"] is { } description ? $" — {(string?)description}" : ""), why);
                var preview = text.Length > 60 ? text[..60] + "…" : text;
                throw new ActivityFaultException($"token request failed with HTTP {(int)response.StatusCode} ({response.Content.Headers.ContentType?.MediaType ?? "no content type"}, first bytes: '{preview}')", why);
            }
            var now = clock.GetUtcNow();
            var access = (string)body["access_token"]!;
            // expires_in when the server says it; else the exp claim of a JWT access token.
            var expires = Seconds(body["expires_in"]) is { } seconds ? now.AddSeconds(seconds) : TokenExpiry.JwtExpiry(access);
            var refreshEnds = Seconds(body["refresh_token_expires_in"] ?? body["refresh_expires_in"]) is { } refreshSeconds ? now.AddSeconds(refreshSeconds) : (DateTimeOffset?)null;
            return new OAuthTokens(access, (string?)body["refresh_token"], expires, (string?)body["scope"], refreshEnds);
        }
    }
}

/// <summary>Marks a token request the provider refused for good (invalid grant, client, no refresh token): signing in again is the only way.</summary>
public sealed class TokenRefusedException() : Exception("the provider refused the token request");
