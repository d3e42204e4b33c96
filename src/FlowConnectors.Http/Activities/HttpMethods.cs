using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Http.Activities;

/// <summary>The request methods the HTTP activities offer, written as HTTP writes them.</summary>
internal static class HttpMethods
{
    public static readonly string[] All = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    public static readonly string[] Paging = ["GET", "POST"];

    public static bool IsOneOf(string method, string[] allowed) => allowed.Contains(method.Trim(), StringComparer.OrdinalIgnoreCase);

    public static HttpMethod Parse(string method, string[] allowed) =>
        IsOneOf(method, allowed)
            ? HttpMethod.Parse(method.Trim().ToUpperInvariant())
            : throw new ActivityFaultException($"method '{method}' is not one of {string.Join(", ", allowed)}");
}
