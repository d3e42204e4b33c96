using System.Text.Json.Nodes;

namespace FlowConnectors.Http.Requests;

/// <summary>A response read in full: headers lower-cased, body parsed as JSON or kept as text.</summary>
internal sealed record HttpResponseData(int StatusCode, JsonObject Headers, JsonNode? Body, string? ContentType, Uri RequestUri)
{
    public string Host => RequestUri.Authority;
}
