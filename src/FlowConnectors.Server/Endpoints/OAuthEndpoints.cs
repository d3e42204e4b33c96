using System.Net;
using System.Security.Cryptography;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// OAuth 2.0 authorization-code sign-in: the API gives the provider's authorize URL (with a one-time
/// state), the provider redirects the browser to /oauth/callback, and the code is exchanged for tokens
/// that are stored, encrypted, on the connection. The pending sign-in (its state's hash and the connection) is kept in
/// the database, so the provider may send the browser back to any node; one not completed within 10 minutes is forgotten.
/// </summary>
internal static class OAuthEndpoints
{
    private const string Purpose = "oauth";

    public static void Map(WebApplication app)
    {
        app.MapPost("/api/connections/{id}/authorize", async Task<Results<Ok<AuthorizeStarted>, ProblemHttpResult>> (string id, ConnectorRuntime runtime, ICallbackBase baseUrl, IOneTimeStates pending, TimeProvider clock, CancellationToken ct) =>
        {
            var state = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            try
            {
                var url = await runtime.Connections.BeginAuthorizationAsync(id, RedirectUri(baseUrl), state, ct);
                await pending.AddAsync(Purpose, Hosting.Access.ApiKeyAuthenticationHandler.Hash(state), id, clock.GetUtcNow().AddMinutes(10), ct);
                return TypedResults.Ok(new AuthorizeStarted(url));
            }
            catch (ConnectorException e)
            {
                return e.Message.Contains("does not exist", StringComparison.Ordinal)
                    ? Problems.Result(404, "Not found", e.Message)
                    : Problems.Result(409, "Conflict", e.Message);
            }
        }).RequireConnectionId().WithTags("Connections").WithName("AuthorizeConnection").ProducesAccessProblems().ProducesProblems(404, 409);
        app.MapGet("/oauth/callback", async (string? code, string? state, string? error, string? error_description, ConnectorRuntime runtime, ICallbackBase baseUrl, IOneTimeStates pending, CancellationToken ct) =>
        {
            if (state is null || state.Length > 100 || await pending.TakeAsync(Purpose, Hosting.Access.ApiKeyAuthenticationHandler.Hash(state), ct) is not { } connectionId)
                return Page(400, "This sign-in link is not valid or has expired. Start the sign-in again.");
            if (error is not null)
                return Page(400, $"The provider refused the sign-in: {error}{(error_description is null ? "" : " — " + error_description)}");
            if (string.IsNullOrEmpty(code)) return Page(400, "The provider sent no authorization code.");
            try
            {
                await runtime.Connections.CompleteAuthorizationAsync(connectionId, code, RedirectUri(baseUrl), ct);
                return Page(200, "Connected. You can close this window.");
            }
            catch (ConnectorException e)
            {
                return Page(502, $"The sign-in could not be completed: {e.Message}");
            }
        }).WithTags("Connections").WithName("OAuthCallback")
            // The provider sends the browser here: every answer is a small HTML page for the person signing in.
            .Produces<string>(StatusCodes.Status200OK, "text/html").Produces<string>(StatusCodes.Status400BadRequest, "text/html")
            .Produces<string>(StatusCodes.Status502BadGateway, "text/html");
    }

    private static string RedirectUri(ICallbackBase baseUrl) => $"{baseUrl.Get()}/oauth/callback";

    private static IResult Page(int status, string message) =>
        Results.Content($"<!doctype html><meta charset=utf-8><title>FlowConnectors</title><p>{WebUtility.HtmlEncode(message)}</p>", "text/html", statusCode: status);
}

/// <summary>Where to send the browser to sign in at the provider (the state in it is good for 10 minutes).</summary>
internal sealed record AuthorizeStarted(string AuthorizeUrl);
