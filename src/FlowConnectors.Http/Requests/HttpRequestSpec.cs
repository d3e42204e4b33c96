using System.Text.Json.Nodes;
using FlowConnectors.Http.Activities;

namespace FlowConnectors.Http.Requests;

/// <summary>One request as an activity describes it, before URL resolution, auth and encoding.</summary>
internal sealed record HttpRequestSpec
{
    public required HttpMethod Method { get; init; }
    public required string Url { get; init; }
    public JsonObject? Query { get; init; }
    public JsonObject? Headers { get; init; }
    public JsonNode? Body { get; init; }
    public BodyFormat BodyFormat { get; init; } = BodyFormat.Json;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    public bool UseConnection { get; init; }
    /// <summary>Which of the connection's auths applies (see <see cref="ConnectionAuth"/>); null: the connector's own.</summary>
    public string? Auth { get; init; }
    public string? IdempotencyKey { get; init; }
    public long MaxResponseBytes { get; init; } = HttpLimits.DefaultMaxResponseBytes;
    /// <summary>Whether 301/302/303/307/308 are followed; null: only for requests without a connection.</summary>
    public bool? FollowRedirects { get; init; }

    /// <summary>
    /// Set for a URL the API handed back (a Link header's next page): it is used as it is, without
    /// the connection resolving it, and must stay on this origin so credentials never go elsewhere.
    /// </summary>
    public Uri? SameOriginAs { get; init; }
}

internal static class HttpLimits
{
    public const long DefaultMaxResponseBytes = 50L * 1024 * 1024;

    /// <summary>The longest timeout a request may have, as the resilience settings' attempt timeout.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);
}
