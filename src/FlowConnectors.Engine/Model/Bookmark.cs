using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.Engine;

/// <summary>
/// A point where a suspended flow waits for a stimulus. <see cref="Hash"/> is computed from the
/// name and the correlation payload only, so the same hash finds a bookmark to resume and a
/// trigger to start: a stimulus computes it once and looks both up.
/// </summary>
public sealed class Bookmark
{
    public required string Id { get; init; }
    public required string NodeId { get; init; }
    public required int ScopeId { get; init; }
    public required string Name { get; init; }
    public JsonNode? Payload { get; init; }
    public required string Hash { get; init; }
    /// <summary>Activity-private data kept with the bookmark (never shown to a stimulus).</summary>
    public JsonNode? Data { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>SHA-256 of the name and the canonical JSON of the payload, hex-encoded.</summary>
    public static string ComputeHash(string name, JsonNode? payload)
    {
        var canonical = name + "\n" + Flows.CanonicalJson.Write(payload);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
