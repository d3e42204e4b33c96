using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;

namespace FlowConnectors.Server.Hosting;

/// <summary>RFC 9457 problem details, with the field or JSON path at fault where there is one.</summary>
internal static class Problems
{
    public static IResult Result(int status, string title, string detail, IEnumerable<object>? errors = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = $"https://httpstatuses.io/{status}" };
        if (errors is not null) problem.Extensions["errors"] = errors.ToList();
        return Results.Problem(problem);
    }

    public static IResult Validation(string detail, IEnumerable<object> errors) => Result(StatusCodes.Status422UnprocessableEntity, "Invalid input", detail, errors);

    public static Task Write(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        return context.Response.WriteAsync(new JsonObject
        {
            ["type"] = $"https://httpstatuses.io/{status}",
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
        }.ToJsonString());
    }

    /// <summary>
    /// Reads a JSON body: 415 for another content type, 413 over the size limit, 400 for malformed
    /// JSON (with line and column). Returns the value, or the problem to answer with.
    /// </summary>
    public static async Task<(JsonNode? Body, IResult? Problem)> ReadJsonAsync(HttpRequest request, long maxBytes, bool required = true)
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding")))
            return required ? (null, Result(400, "Body required", "the request needs a JSON body")) : (null, null);
        if (request.ContentType is not { } type || !type.Contains("json", StringComparison.OrdinalIgnoreCase))
            return (null, Result(415, "Unsupported media type", $"send application/json, not {request.ContentType ?? "no content type"}"));
        var (bytes, tooLarge) = await ReadBodyAsync(request, maxBytes);
        if (tooLarge) return (null, Result(413, "Body too large", $"the body is larger than the {maxBytes:N0}-byte limit"));
        try
        {
            return (JsonNode.Parse(bytes), null);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";
            return (null, Result(400, "Malformed JSON", $"the body is not valid JSON{where}"));
        }
    }

    public static async Task<(byte[] Bytes, bool TooLarge)> ReadBodyAsync(HttpRequest request, long maxBytes)
    {
        if (request.ContentLength > maxBytes) return ([], true);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk)) > 0)
        {
            if (buffer.Length + read > maxBytes) return ([], true);
            buffer.Write(chunk, 0, read);
        }
        return (buffer.ToArray(), false);
    }
}
