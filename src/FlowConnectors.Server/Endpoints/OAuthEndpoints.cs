using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Server.Hosting;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// OAuth 2.0 authorization-code sign-in: the API gives the provider's authorize URL (with a one-time
/// state), the provider redirects the browser to /oauth/callback, and the code is exchanged for tokens
/// that are stored, encrypted, on the connection.
/// </summary>
internal static class OAuthEndpoints
{
    // Pending sign-ins by state; a sign-in not completed within 10 minutes is forgotten.
    private static readonly ConcurrentDictionary<string, (string ConnectionId, DateTimeOffset Expires)> Pending = new(StringComparer.Ordinal);

    public static void Map(WebApplication app)
    {
        app.MapPost("/api/connections/{id}/authorize", async (string id, ConnectorRuntime runtime, ICallbackBase baseUrl, TimeProvider clock, CancellationToken ct) =>
        {
            var state = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            try
            {
                var url = await runtime.BeginAuthorizationAsync(id, RedirectUri(baseUrl), state, ct);
                foreach (var expired in Pending.Where(p => p.Value.Expires < clock.GetUtcNow()).Select(p => p.Key).ToList()) Pending.TryRemove(expired, out _);
                Pending[state] = (id, clock.GetUtcNow().AddMinutes(10));
                return Results.Json(new { authorizeUrl = url });
            }
            catch (ConnectorException e)
            {
                return e.Message.Contains("does not exist", StringComparison.Ordinal)
                    ? Problems.Result(404, "Not found", e.Message)
                    : Problems.Result(409, "Conflict", e.Message);
            }
        }).RequireConnectionId();
        app.MapGet("/oauth/callback", async (string? code, string? state, string? error, string? error_description, ConnectorRuntime runtime, ICallbackBase baseUrl, TimeProvider clock, CancellationToken ct) =>
        {
            if (state is null || !Pending.TryRemove(state, out var pending) || pending.Expires < clock.GetUtcNow())
                return Page(400, "This sign-in link is not valid or has expired. Start the sign-in again.");
            if (error is not null)
                return Page(400, $"The provider refused the sign-in: {error}{(error_description is null ? "" : " — " + error_description)}");
            if (string.IsNullOrEmpty(code)) return Page(400, "The provider sent no authorization code.");
            try
            {
                await runtime.CompleteAuthorizationAsync(pending.ConnectionId, code, RedirectUri(baseUrl), ct);
                return Page(200, "Connected. You can close this window.");
            }
            catch (ConnectorException e)
            {
                return Page(502, $"The sign-in could not be completed: {e.Message}");
            }
        });
    }

    private static string RedirectUri(ICallbackBase baseUrl) => $"{baseUrl.Get()}/oauth/callback";

    private static IResult Page(int status, string message) =>
        Results.Content($"<!doctype html><meta charset=utf-8><title>FlowConnectors</title><p>{WebUtility.HtmlEncode(message)}</p>", "text/html", statusCode: status);
}
