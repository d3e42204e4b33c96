using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Http.Requests;

/// <summary>Reads a response with a size limit and turns it into values a flow can use.</summary>
internal static class ResponseReader
{
    public static async Task<HttpResponseData> ReadAsync(HttpResponseMessage response, Uri requestUri, long maxBytes, CancellationToken ct)
    {
        var host = requestUri.Authority;
        var headers = new JsonObject();
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            var key = name.ToLowerInvariant();
            var joined = string.Join(", ", values);
            headers[key] = headers[key] is { } earlier ? earlier.GetValue<string>() + ", " + joined : joined;
        }
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var bytes = await ReadLimitedAsync(response.Content, host, maxBytes, ct);
        JsonNode? body = null;
        JsonElement? element = null;
        if (bytes.Length > 0)
        {
            var charset = response.Content.Headers.ContentType?.CharSet;
            // Valid UTF-8 JSON (nearly all of it) is parsed from the bytes, without decoding it to a string first;
            // anything else is decoded as before (invalid bytes become U+FFFD).
            if (IsJson(mediaType) && IsUtf8(charset) && System.Text.Unicode.Utf8.IsValid(bytes))
            {
                element = ParseUtf8Json(bytes, host, mediaType!, charset);
                // Remembered with its text: the body becomes the node's output, a run value never changed in place,
                // so the engine copies it as a new object over the same text (ParsedJson).
                body = ParsedJson.NodeOf(element.Value);
            }
            else
                body = IsJson(mediaType) ? ParseJson(Decode(bytes, charset), host, mediaType!) : JsonValue.Create(Decode(bytes, charset));
        }
        return new HttpResponseData((int)response.StatusCode, headers, body, mediaType, requestUri, element);
    }

    /// <summary>The node JsonNode.Parse would give for the element: backed by it, nothing copied until changed.</summary>
    public static JsonNode? NodeOf(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Object => JsonObject.Create(element),
        JsonValueKind.Array => JsonArray.Create(element),
        _ => JsonValue.Create(element),
    };

    public static bool IsJson(string? mediaType) =>
        mediaType is not null &&
        (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
         mediaType.Equals("text/json", StringComparison.OrdinalIgnoreCase) ||
         mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static JsonNode? ParseJson(string text, string host, string mediaType)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            throw new ActivityFaultException($"response from {host} says {mediaType} but is not JSON (first bytes: '{Preview(text)}')");
        }
    }

    private static bool IsUtf8(string? charset)
    {
        var name = charset?.Trim('"', ' ');
        return string.IsNullOrEmpty(name) || name.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || name.Equals("utf8", StringComparison.OrdinalIgnoreCase);
    }

    private static JsonElement ParseUtf8Json(byte[] bytes, string host, string mediaType, string? charset)
    {
        ReadOnlyMemory<byte> json = bytes;
        if (json.Span.StartsWith("\uFEFF"u8)) json = json[3..];
        try
        {
            // As JsonNode.Parse(string): one value, nothing but whitespace after it, no comments. The document
            // reads the response's own buffer (nobody else holds it) and is never disposed, so nodes and
            // elements taken from it stay valid for as long as anything refers to them; JsonElement.ParseValue
            // would scan the text twice and copy it and the parse table once more.
            return JsonDocument.Parse(json).RootElement;
        }
        catch (JsonException)
        {
            throw new ActivityFaultException($"response from {host} says {mediaType} but is not JSON (first bytes: '{Preview(Decode(bytes, charset))}')");
        }
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpContent content, string host, long maxBytes, CancellationToken ct)
    {
        var declared = content.Headers.ContentLength;
        if (declared > maxBytes) throw TooLarge(host, maxBytes);
        await using var stream = await content.ReadAsStreamAsync(ct);
        // Read into pooled buffers and copied once into an array of the exact size: the body's parsed JSON
        // keeps referring to that array, so it cannot be pooled itself. (A growing MemoryStream and its
        // ToArray allocated about three times the body per response.)
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(declared + 1 ?? 16 * 1024, 256, 1024 * 1024));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, Math.Min(maxBytes + 1, Array.MaxLength)));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                // Never more than one byte past the limit, whatever the buffer's size.
                var read = await stream.ReadAsync(buffer.AsMemory(length, (int)Math.Min(buffer.Length - length, maxBytes - length + 1)), ct);
                if (read == 0) break;
                length += read;
                // Checked while streaming: a server may send more than it declared, or declare nothing.
                if (length > maxBytes) throw TooLarge(host, maxBytes);
            }
            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ActivityFaultException TooLarge(string host, long maxBytes) =>
        new($"response from {host} is larger than {FormatBytes(maxBytes)} (maxResponseBytes)");

    private static string FormatBytes(long bytes) =>
        bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MB" :
        bytes >= 1024 && bytes % 1024 == 0 ? $"{bytes / 1024} KB" :
        $"{bytes.ToString(CultureInfo.InvariantCulture)} bytes";

    private static string Decode(byte[] bytes, string? charset)
    {
        var encoding = Encoding.UTF8;
        if (!string.IsNullOrWhiteSpace(charset))
        {
            try { encoding = Encoding.GetEncoding(charset.Trim('"', ' ')); }
            catch (ArgumentException) { }
        }
        var text = encoding.GetString(bytes);
        return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
    }

    /// <summary>The first characters of a body, on one line, for messages.</summary>
    public static string Preview(string text, int length = 40)
    {
        var oneLine = new string(text.Take(length).Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return text.Length > length ? oneLine + "…" : oneLine;
    }
}
