using Microsoft.AspNetCore.Diagnostics;

namespace FlowConnectors.Server.Hosting;

/// <summary>The endpoint, and its route pattern, of a request an exception handler answers.</summary>
internal static class FailedRoute
{
    /// <summary>
    /// The pattern, not the path: a callback or webhook path holds its token, a credential. The exception handler middleware
    /// clears the endpoint before the handlers run; its feature keeps the one that failed.
    /// </summary>
    public static string PatternOf(HttpContext context) => (EndpointOf(context) as RouteEndpoint)?.RoutePattern.RawText ?? "(no endpoint)";

    /// <summary>The endpoint that failed, also once the exception handler middleware has cleared it.</summary>
    public static Endpoint? EndpointOf(HttpContext context) => context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint();
}
