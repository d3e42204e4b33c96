using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FlowConnectors.Server.Hosting;

/// <summary>RFC 9457 problem details, with the field or JSON path at fault where there is one.</summary>
internal static class Problems
{
    public static ProblemHttpResult Result(int status, string title, string detail, IEnumerable<object>? errors = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = $"https://httpstatuses.io/{status}" };
        if (errors is not null) problem.Extensions["errors"] = errors.ToList();
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult NotFound(string detail) => Result(StatusCodes.Status404NotFound, "Not found", detail);

    public static ProblemHttpResult Conflict(string detail) => Result(StatusCodes.Status409Conflict, "Conflict", detail);

    public static ProblemHttpResult Validation(string detail, IEnumerable<object> errors) => Result(StatusCodes.Status422UnprocessableEntity, "Invalid input", detail, errors);

    /// <summary>A run's inputs that do not match the flow: each problem at its input's path under the request's <c>inputs</c> member.</summary>
    public static ProblemHttpResult FlowInputs(Engine.Runtime.FlowInputException e) =>
        Validation("the inputs do not match the flow", e.Details.Select(p => new { path = Engine.Flows.JsonPath.Property("$.inputs", p.Input), message = p.Message }));

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
    /// Reads a JSON body: 415 for another content type, 413 over the size limit, 400 for text that is not JSON
    /// this server can keep (malformed, duplicate keys, invalid UTF-8, unpaired surrogates, numbers out of
    /// range, nested deeper than <paramref name="maxDepth"/>; default FlowConnectors:MaxBodyDepth), naming the
    /// JSON path. Returns the value, or the problem to answer with.
    /// </summary>
    public static async Task<(JsonNode? Body, ProblemHttpResult? Problem)> ReadJsonAsync(HttpRequest request, long maxBytes, bool required = true, int? maxDepth = null)
    {
        var (body, _, problem) = await ReadSizedJsonAsync(request, maxBytes, required, maxDepth);
        return (body, problem);
    }

    /// <summary>As <see cref="ReadJsonAsync"/>, with the body's length in bytes (what a callback stored from it weighs in the inbox worker's budget).</summary>
    public static async Task<(JsonNode? Body, int Bytes, ProblemHttpResult? Problem)> ReadSizedJsonAsync(HttpRequest request, long maxBytes, bool required = true, int? maxDepth = null)
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding")))
            return required ? (null, 0, Result(400, "Body required", "the request needs a JSON body")) : (null, 0, null);
        if (request.ContentType is not { } type || !type.Contains("json", StringComparison.OrdinalIgnoreCase))
            return (null, 0, Result(415, "Unsupported media type", $"send application/json, not {request.ContentType ?? "no content type"}"));
        var (bytes, tooLarge) = await ReadBodyAsync(request, maxBytes);
        if (tooLarge) return (null, 0, TooLarge(maxBytes));
        if (bytes.Length == 0) return required ? (null, 0, Result(400, "Body required", "the request needs a JSON body")) : (null, 0, null);
        var (body, problem) = ParseJson(bytes, maxDepth ?? request.HttpContext.RequestServices.GetRequiredService<ServerOptions>().MaxBodyDepth);
        return (body, bytes.Length, problem);
    }

    /// <summary>As <see cref="ReadJsonAsync"/>, for endpoints whose body is a JSON object (a missing optional body is an empty one).</summary>
    public static async Task<(JsonObject? Body, ProblemHttpResult? Problem)> ReadJsonObjectAsync(HttpRequest request, long maxBytes, bool required = true, int? maxDepth = null)
    {
        var (body, problem) = await ReadJsonAsync(request, maxBytes, required, maxDepth);
        if (problem is not null) return (null, problem);
        return body switch
        {
            JsonObject o => (o, null),
            null when !required => ([], null),
            _ => (null, Validation("the body must be a JSON object", [new { path = "$", message = $"expected an object, not {(body is null ? "null" : JsonFields.KindOf(body))}" }])),
        };
    }

    /// <summary>Parses checked JSON text (see <see cref="JsonInput"/>); 400 naming the JSON path when it is not usable.</summary>
    public static (JsonNode? Body, ProblemHttpResult? Problem) ParseJson(ReadOnlyMemory<byte> bytes, int maxDepth)
    {
        if (WideEncodingOf(bytes.Span) is { } wide)
            return (null, Result(415, "Unsupported media type", $"the body is {wide} text: send JSON as UTF-8 (RFC 8259)"));
        var (value, error) = JsonInput.Parse(bytes, maxDepth);
        return error is null ? (value, null) : (null, Invalid(error));
    }

    /// <summary>
    /// UTF-16 or UTF-32 JSON (a Windows tool's default, or charset=utf-16), told by its byte order mark or, without one, by the
    /// zero bytes beside its first characters (JSON text starts with ASCII characters: RFC 4627's detection); it read as
    /// "not valid JSON at line 1, column 1". Null for UTF-8.
    /// </summary>
    private static string? WideEncodingOf(ReadOnlySpan<byte> bytes) => bytes switch
    {
        [0x00, 0x00, 0xFE, 0xFF, ..] or [0xFF, 0xFE, 0x00, 0x00, ..] or [0x00, 0x00, 0x00, not 0x00, ..] or [not 0x00, 0x00, 0x00, 0x00, ..] => "UTF-32",
        [0xFE, 0xFF, ..] or [0xFF, 0xFE, ..] or [0x00, not 0x00, 0x00, not 0x00, ..] or [not 0x00, 0x00, not 0x00, 0x00, ..] => "UTF-16",
        _ => null,
    };

    /// <summary>400 for JSON text that cannot be used, with its JSON path.</summary>
    public static ProblemHttpResult Invalid(JsonInputError error) =>
        Result(400, error.Title, error.IsSyntax ? error.Message : $"{error.Path}: {error.Message}", [new { path = error.Path, message = error.Message }]);

    public static ProblemHttpResult TooLarge(long maxBytes) => Result(413, "Body too large", $"the body is larger than the {maxBytes:N0}-byte limit");

    /// <summary>
    /// Reads the whole body up to <paramref name="maxBytes"/>: the server's only body reader, and so its body limit
    /// (Kestrel's is off, see ServerApp). Over the limit the answer is a 413 problem, and Kestrel drains the rest of
    /// the body (for at most 5 seconds) before it reuses or closes the connection, so the client reads the 413
    /// instead of a connection reset.
    /// </summary>
    public static async Task<(byte[] Bytes, bool TooLarge)> ReadBodyAsync(HttpRequest request, long maxBytes)
    {
        if (request.ContentLength > maxBytes) return ([], true);
        try
        {
            if (request.ContentLength is { } length)
            {
                // The usual case: the length is declared (and Kestrel holds the body to it), so the body is read
                // straight into an array of its size, with no growing buffer and no copy.
                var exact = length == 0 ? [] : new byte[length];
                var filled = 0;
                while (filled < exact.Length)
                {
                    var got = await request.Body.ReadAsync(exact.AsMemory(filled));
                    if (got == 0) break;
                    filled += got;
                }
                return (filled == exact.Length ? exact : exact[..filled], false);
            }
            using var buffer = new MemoryStream();
            var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await request.Body.ReadAsync(chunk)) > 0)
                {
                    if (buffer.Length + read > maxBytes) return ([], true);
                    buffer.Write(chunk, 0, read);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
            }
            return (buffer.ToArray(), false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A per-request limit set lower than ours (none is today) tripped first.
            return ([], true);
        }
    }
}
