namespace FlowConnectors.Server.Hosting;

/// <summary>Where Kestrel runs a request's code: on the pool thread that received it, when that is safe.</summary>
internal static class RequestScheduling
{
    /// <summary>The runtime's switch that completes socket operations on the socket engine's own threads.</summary>
    internal const string InlineSocketCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Kestrel's <c>UnsafePreferInlineScheduling</c> runs a request where its socket completed. Normally that is a pool
    /// thread (fewer hand-offs per request), but with the runtime's inline socket completions switched on it is the socket
    /// engine's thread, and a flow that computes would hold every connection that engine serves: then requests are
    /// handed to the pool as usual.
    /// </summary>
    internal static bool PreferInline(string? inlineSocketCompletions) => inlineSocketCompletions != "1";

    internal static bool PreferInline() => PreferInline(Environment.GetEnvironmentVariable(InlineSocketCompletionsVariable));
}
