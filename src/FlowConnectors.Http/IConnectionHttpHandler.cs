using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Http;

/// <summary>
/// What HTTP activities with <c>useConnection: true</c> ask of the connection behind the running
/// flow. The Connectors project implements it; the engine host registers it in the services.
/// </summary>
public interface IConnectionHttpHandler
{
    /// <summary>
    /// Resolves a relative URL against the connection's base URL. Rejects absolute URLs, <c>//host</c>,
    /// <c>..</c> escapes and anything that leaves the base URL by throwing an
    /// <see cref="ActivityFaultException"/> naming the URL.
    /// </summary>
    Uri ResolveUrl(ActivityContext context, string relativeUrl);

    /// <summary>Adds auth (headers or query) to the request. <paramref name="refreshed"/> is true on the single retry after a 401.</summary>
    ValueTask AuthenticateAsync(ActivityContext context, HttpRequestMessage request, bool refreshed, CancellationToken ct);

    /// <summary>
    /// Whether new credentials can be obtained (OAuth tokens, a custom auth flow). Only then is a 401
    /// answered by refreshing and retrying once; otherwise the 401 is the response.
    /// </summary>
    bool CanRefresh(ActivityContext context);

    /// <summary>The named HttpClient (the connector's resilience settings) to send through.</summary>
    string ClientName(ActivityContext context);
}
