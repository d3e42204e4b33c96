using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Values;
using FlowConnectors.Http.Activities;

namespace FlowConnectors.Http.Requests;

/// <summary>
/// Encodes the <c>body</c> input. Every content is buffered in memory so the resilience handler
/// can send the same request again on a retry.
/// </summary>
internal static class RequestContentBuilder
{
    public static HttpContent? Build(JsonNode? body, BodyFormat format)
    {
        if (JsonValues.IsNull(body)) return null;
        return format switch
        {
            BodyFormat.Json => Json(body!),
            BodyFormat.Text => new StringContent(JsonValues.ToText(body), Encoding.UTF8, "text/plain"),
            BodyFormat.Form => Form(body!),
            BodyFormat.Multipart => Multipart(body!),
            _ => throw new ActivityFaultException($"unknown bodyFormat '{format}'"),
        };
    }

    private static StringContent Json(JsonNode body)
    {
        // A template renders JSON as text; sending that text quoted as a JSON string is never what was meant.
        if (JsonValues.TryGetString(body, out var text) && LooksLikeJsonDocument(text))
            return new StringContent(text, Encoding.UTF8, "application/json");
        return new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
    }

    private static bool LooksLikeJsonDocument(string text)
    {
        var trimmed = text.AsSpan().Trim();
        if (trimmed.Length < 2 || !((trimmed[0] == '{' && trimmed[^1] == '}') || (trimmed[0] == '[' && trimmed[^1] == ']'))) return false;
        try
        {
            JsonNode.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static HttpContent Form(JsonNode body)
    {
        if (JsonValues.TryGetString(body, out var encoded))
            return new StringContent(encoded, Encoding.UTF8, "application/x-www-form-urlencoded");
        if (body is not JsonObject fields)
            throw new ActivityFaultException($"bodyFormat 'form' needs an object body but got {ValueTypes.Describe(body)}");
        return new FormUrlEncodedContent(QueryString.Pairs(fields));
    }

    private static MultipartFormDataContent Multipart(JsonNode body)
    {
        if (body is not JsonObject fields)
            throw new ActivityFaultException($"bodyFormat 'multipart' needs an object body but got {ValueTypes.Describe(body)}");
        // RFC 7578 §5.1: field names and file names go out as UTF-8 in the part header, as browsers and
        // newman send them; .NET's default (RFC 2047 "=?utf-8?B?…?=") is not read by most servers.
        var content = new MultipartFormDataContent { HeaderEncodingSelector = (_, _) => Encoding.UTF8 };
        foreach (var (name, value) in fields)
        {
            if (value is JsonArray many)
                foreach (var item in many) AddPart(content, name, item);
            else
                AddPart(content, name, value);
        }
        return content;
    }

    private static void AddPart(MultipartFormDataContent content, string name, JsonNode? value)
    {
        if (JsonValues.IsNull(value)) return;
        if (value is JsonObject file)
        {
            var part = FilePart(name, file);
            Disposition(part, name, FileName(name, file));
            content.Add(part);
            return;
        }
        if (value is JsonArray)
            throw new ActivityFaultException($"multipart field '{name}' holds a nested list; use text or file objects");
        var text = new StringContent(JsonValues.ToText(value), Encoding.UTF8);
        Disposition(text, name, null);
        content.Add(text);
    }

    /// <summary>The part's Content-Disposition with the names quoted as RFC 7578 says: '"' → %22, CR and LF → %0D and %0A.</summary>
    private static void Disposition(HttpContent part, string name, string? fileName)
    {
        static string Quote(string text) => "\"" + text.Replace("\"", "%22").Replace("\r", "%0D").Replace("\n", "%0A") + "\"";
        part.Headers.Remove("Content-Disposition");
        part.Headers.TryAddWithoutValidation("Content-Disposition", "form-data; name=" + Quote(name) + (fileName is null ? "" : "; filename=" + Quote(fileName)));
    }

    private static ByteArrayContent FilePart(string name, JsonObject file)
    {
        byte[] bytes;
        if (JsonValues.TryGetString(file["base64"], out var base64))
        {
            try { bytes = Convert.FromBase64String(base64); }
            catch (FormatException) { throw new ActivityFaultException($"multipart field '{name}': 'base64' is not valid base64"); }
        }
        else if (file.TryGetPropertyValue("content", out var text) && !JsonValues.IsNull(text))
            bytes = Encoding.UTF8.GetBytes(JsonValues.ToText(text));
        else
            throw new ActivityFaultException($"multipart field '{name}' must be text or a file object {{ \"fileName\", \"contentType\", \"content\" or \"base64\" }}");
        var part = new ByteArrayContent(bytes);
        var contentType = JsonValues.TryGetString(file["contentType"], out var ct) && ct.Length > 0 ? ct : "application/octet-stream";
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
            throw new ActivityFaultException($"multipart field '{name}': contentType '{contentType}' is not a media type");
        part.Headers.ContentType = mediaType;
        return part;
    }

    private static string FileName(string name, JsonObject file) =>
        JsonValues.TryGetString(file["fileName"], out var fileName) && fileName.Length > 0 ? fileName : name;
}
