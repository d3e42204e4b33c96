namespace FlowConnectors.Http;

/// <summary>
/// Which of a connection's auths a request sent with <c>useConnection</c> carries. The activity's
/// <c>auth</c> input sets it on the request message; <see cref="IConnectionHttpHandler.AuthenticateAsync"/>
/// reads it. Absent: the connector's own auth.
/// </summary>
public static class ConnectionAuth
{
    /// <summary>No credentials at all (a Postman <c>noauth</c> request, a public endpoint).</summary>
    public const string None = "none";

    public static readonly HttpRequestOptionsKey<string> Choice = new("FlowConnectors.ConnectionAuth");

    /// <summary>The request's choice, or null for the connector's own auth.</summary>
    public static string? Of(HttpRequestMessage request) =>
        request.Options.TryGetValue(Choice, out var choice) && !string.IsNullOrEmpty(choice) ? choice : null;
}
