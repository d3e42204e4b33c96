using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Manifest;

namespace FlowConnectors.Connectors.Auth;

/// <summary>
/// Applies a connector's expiry detectors to a response: a status code, or a JSON path on the body holding a
/// given value (a 200 with <c>{"errcode": 40001}</c> on WeChat). A match is treated as a 401, so the request
/// is sent again once with refreshed credentials.
/// </summary>
internal static class ExpiryDetection
{
    /// <summary>Only bodies up to this size are inspected; an expiry notice is short.</summary>
    private const int MaxInspectedBytes = 64 * 1024;

    /// <summary>The property names of a <c>$.a.b</c> path; null when it is not one.</summary>
    public static string[]? ParsePath(string path)
    {
        if (!path.StartsWith("$.", StringComparison.Ordinal)) return null;
        var names = path[2..].Split('.');
        return names.All(n => n.Length > 0 && n.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')) ? names : null;
    }

    public static async Task<bool> IsExpiredAsync(TokenExpirySettings settings, HttpResponseMessage response, CancellationToken ct)
    {
        if (settings.Detectors.Count == 0) return false;
        JsonNode? body = null;
        var bodyRead = false;
        foreach (var detector in settings.Detectors)
        {
            if (detector.Status is { } status && (int)response.StatusCode != status) continue;
            if (detector.Path is null) return true;
            if (!bodyRead)
            {
                bodyRead = true;
                body = await ReadJsonAsync(response, ct);
            }
            var value = body;
            foreach (var name in ParsePath(detector.Path)!) value = value is JsonObject o ? o[name] : null;
            if (value is not null && JsonNode.DeepEquals(value, detector.EqualsValue)) return true;
            // A number sent as text ("40001") still says the same.
            if (value is JsonValue v && detector.EqualsValue is JsonValue e && v.ToString() == e.ToString()) return true;
        }
        return false;
    }

    private static async Task<JsonNode?> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.Content.Headers.ContentType?.MediaType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase)) return null;
        if (response.Content.Headers.ContentLength is > MaxInspectedBytes) return null;
        // Buffered, so the activity reads the same body afterwards.
        await response.Content.LoadIntoBufferAsync(MaxInspectedBytes, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        try { return JsonNode.Parse(bytes); }
        catch (JsonException) { return null; }
    }

    /// <summary>A response standing for the detected expiry: a 401 the request sender answers with one refresh and retry.</summary>
    public static HttpResponseMessage AsUnauthorized(HttpResponseMessage original)
    {
        var replaced = new HttpResponseMessage(HttpStatusCode.Unauthorized)
        {
            RequestMessage = original.RequestMessage,
            Content = original.Content,
            ReasonPhrase = "Token expired (connector expiry detector)",
        };
        foreach (var header in original.Headers) replaced.Headers.TryAddWithoutValidation(header.Key, header.Value);
        return replaced;
    }
}
