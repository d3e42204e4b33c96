using System.Text.Json.Nodes;

namespace FlowConnectors.Http.Requests;

/// <summary>
/// A response read in full: headers lower-cased, body parsed as JSON or kept as text. A UTF-8 JSON body
/// also comes as the parsed element <see cref="Body"/> reads from, so a caller can take parts of it
/// (a page's records) without copying them.
/// </summary>
internal sealed record HttpResponseData(int StatusCode, JsonObject Headers, JsonNode? Body, string? ContentType, Uri RequestUri,
    System.Text.Json.JsonElement? BodyElement = null)
{
    public string Host => RequestUri.Authority;
}
