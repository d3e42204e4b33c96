using System.Text.Json.Nodes;

namespace FlowConnectors.Http.Activities;

/// <summary>The shape of an <c>Http.Endpoint</c>'s <c>auth</c> input; the server enforces it per request.</summary>
internal static class EndpointAuthRules
{
    private static readonly string[] Kinds = ["none", "apiKey", "sharedSecret", "hmac"];
    private static readonly string[] Fields = ["kind", "header", "secret", "algorithm", "prefix", "encoding", "timestampHeader", "deliveryIdHeader"];

    public static IEnumerable<string> Problems(JsonObject auth)
    {
        foreach (var (name, _) in auth)
            if (!Fields.Contains(name)) yield return $"auth has no field '{name}' (fields: {string.Join(", ", Fields)})";
        var kind = auth["kind"] is JsonValue k && k.TryGetValue(out string? text) ? text : null;
        if (kind is null || !Kinds.Contains(kind))
        {
            yield return $"auth.kind must be one of {string.Join(", ", Kinds)}";
            yield break;
        }
        foreach (var field in new[] { "header", "algorithm", "prefix", "encoding", "timestampHeader", "deliveryIdHeader" })
            if (auth[field] is { } value && (value is not JsonValue v || !v.TryGetValue(out string? _)))
                yield return $"auth.{field} must be a string";
        if (kind is "sharedSecret" or "hmac")
        {
            if (auth["secret"] is JsonValue)
                yield return "auth.secret must reference a secret ({ \"serverSecret\": name } or { \"connection\": id, \"parameter\": name }); a secret written in flow JSON is not allowed";
            else if (auth["secret"] is not JsonObject reference || !IsReference(reference))
                yield return "auth.secret is required: { \"serverSecret\": name } or { \"connection\": id, \"parameter\": name }";
        }
        if (kind == "hmac")
        {
            if (Text(auth["algorithm"]) is { } algorithm && algorithm is not ("sha1" or "sha256" or "sha512"))
                yield return $"auth.algorithm '{algorithm}' must be sha1, sha256 or sha512";
            if (Text(auth["encoding"]) is { } encoding && encoding is not ("hex" or "base64"))
                yield return $"auth.encoding '{encoding}' must be hex or base64";
        }
    }

    private static bool IsReference(JsonObject reference) =>
        (reference.Count == 1 && IsName(reference["serverSecret"])) ||
        (reference.Count == 2 && IsName(reference["connection"]) && IsName(reference["parameter"]));

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? text) ? text : null;

    private static bool IsName(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? text) && text.Length > 0;
}
