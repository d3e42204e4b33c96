using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace FlowConnectors.Reliability.Tests;

/// <summary>One hostile request body: its bytes (or a streamed body of unknown length) and content type.</summary>
internal sealed record FuzzBody(string Name, byte[] Bytes, string? ContentType = "application/json", bool Chunked = false)
{
    public HttpContent ToContent()
    {
        HttpContent content = Chunked ? new ChunkedContent(Bytes) : new ByteArrayContent(Bytes);
        if (ContentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        return content;
    }

    public override string ToString() => Name;

    /// <summary>Streams the bytes in 64 KiB pieces with no Content-Length, so the request is sent chunked.</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < bytes.Length; offset += 64 * 1024)
            {
                await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(64 * 1024, bytes.Length - offset)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}

/// <summary>
/// The classes of bad input the hardening issue found answered with 500 (and the neighbours a fuzzer tries),
/// each as a few bodies. Fixed text only: the same bytes on every run.
/// </summary>
internal static class FuzzBodies
{
    /// <summary>The server's body limit in these specs (FlowConnectors__MaxBodyBytes).</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>Every member a body of this API reads, with a plausible value: hostile bodies are built around them to get past the first check.</summary>
    private const string Plausible = """
        "id":"fuzz1","flowId":"echo","event":"fuzz-event","correlationId":"c1","mode":"sync","connector":"fuzz","name":"fuzz","key":"fuzz-key",
        "status":"approved","reason":"r","version":"1.0.0","connectionId":"fuzz1","values":{},"inputs":{},"payload":{"p":1},"collection":{},"timeoutSeconds":1
        """;

    private static readonly string[] Members =
        ["id", "flowId", "event", "correlationId", "mode", "connector", "name", "key", "status", "reason", "version", "connectionId", "values",
         "inputs", "payload", "collection", "timeoutSeconds", "allowUnapproved", "settings", "schedule", "card", "options", "auth", "baseUrl"];

    public static IReadOnlyList<string> Classes { get; } =
    [
        "duplicate-keys", "non-object", "invalid-utf8", "deep-nesting", "wrong-types", "lone-surrogates", "chunked-over-limit",
        "empty-and-content-type", "huge-numbers", "within-limits",
    ];

    public static IReadOnlyList<FuzzBody> Of(string fuzzClass) => fuzzClass switch
    {
        "duplicate-keys" =>
        [
            Json("dup-top", """{"a":1,"a":2}"""),
            Json("dup-plausible", "{" + Plausible + "," + Plausible + "}"),
            Json("dup-nested", "{" + Plausible.Replace("\"payload\":{\"p\":1}", "\"payload\":{\"p\":1,\"p\":2}").Replace("\"inputs\":{}", "\"inputs\":{\"x\":1,\"x\":2}") + "}"),
            Json("dup-escaped", """{"event":"a","\u0065vent":"b"}"""),
        ],
        "non-object" => [Json("array", "[]"), Json("number", "123"), Json("string", "\"text\""), Json("null", "null"), Json("true", "true"), Json("array-of-objects", "[{" + Plausible + "}]")],
        "invalid-utf8" =>
        [
            Spliced("utf8-in-string", "{" + Plausible + ",\"a\":\"@\"}", [0xFF, 0xFE, 0xC3]),
            Spliced("utf8-in-member", "{" + Plausible.Replace("\"name\":\"fuzz\"", "\"name\":\"@\"") + "}", [0xC3, 0x28]),
            Spliced("utf8-in-key", "{\"@\":1}", [0xE2, 0x28, 0xA1]),
            Spliced("utf8-overlong", "{" + Plausible.Replace("\"payload\":{\"p\":1}", "\"payload\":{\"p\":\"@\"}") + "}", [0xC0, 0xAF]),
        ],
        "deep-nesting" =>
        [
            .. new[] { 40, 61, 62, 63, 64, 65, 1000 }.Select(depth => Json($"arrays-{depth}", new string('[', depth) + new string(']', depth))),
            .. new[] { 33, 61, 62, 64 }.Select(depth => Json($"payload-{depth}", "{" + Plausible.Replace("\"payload\":{\"p\":1}", "\"payload\":" + Nested(depth)).Replace("\"inputs\":{}", "\"inputs\":{\"x\":" + Nested(depth) + "}") + "}")),
        ],
        "wrong-types" =>
        [
            .. new[] { "5", "true", "[]", "{}", "\"x\"", "-1" }.Select(value =>
                Json($"all-members-{value}", "{" + string.Join(",", Members.Select(m => $"\"{m}\":{value}")) + "}")),
            Json("mode-5", """{"mode":5}"""), Json("event-5", """{"event":5}"""), Json("event-correlation-5", """{"event":"e","correlationId":5}"""),
            Json("event-object", """{"flowId":"echo","event":{"connector":5,"card":[]}}"""),
        ],
        "lone-surrogates" =>
        [
            Json("high", "{" + Plausible + ",\"a\":\"\\ud800\"}"),
            Json("low", "{" + Plausible.Replace("\"name\":\"fuzz\"", "\"name\":\"\\udc00x\"") + "}"),
            Json("in-key", """{"\ud800":1}"""),
            Json("reversed-pair", "{" + Plausible.Replace("\"payload\":{\"p\":1}", "\"payload\":{\"p\":\"\\udc00\\ud800\"}") + "}"),
            Json("in-event", """{"event":"\ud800","correlationId":"\udfff"}"""),
        ],
        "chunked-over-limit" =>
        [
            new("chunked-json", Encoding.UTF8.GetBytes("{\"a\":\"" + new string('x', MaxBodyBytes * 3) + "\"}"), Chunked: true),
            new("chunked-text", new byte[MaxBodyBytes * 3], "text/plain", Chunked: true),
            new("length-json", Encoding.UTF8.GetBytes("{\"a\":\"" + new string('x', MaxBodyBytes + 10) + "\"}")),
        ],
        "empty-and-content-type" =>
        [
            new("empty", [], "application/json"), new("empty-no-type", [], null), new("whitespace", " \r\n "u8.ToArray()),
            new("text-plain", Encoding.UTF8.GetBytes("{" + Plausible + "}"), "text/plain"),
            new("no-content-type", Encoding.UTF8.GetBytes("{" + Plausible + "}"), null),
            new("form", "a=1&a=2&%FF=%ED%A0%80"u8.ToArray(), "application/x-www-form-urlencoded"),
            new("xml", "<a/>"u8.ToArray(), "application/xml"), new("zip-garbage", [0x50, 0x4B, 0x03, 0x04, 0xFF], "application/zip"),
            Json("bom", "\uFEFF{" + Plausible + "}"), Json("two-values", "{} {}"), Json("truncated", "{\"a\":"), Json("comment", "{/*c*/}"),
        ],
        "huge-numbers" =>
        [
            Json("overflow", "{" + Plausible.Replace("\"timeoutSeconds\":1", "\"timeoutSeconds\":1e999") + ",\"n\":-1e999}"),
            Json("big-integers", "{" + string.Join(",", Members.Select(m => $"\"{m}\":123456789012345678901234567890")) + "}"),
            Json("tiny", """{"timeoutSeconds":1e-999,"payload":{"n":4.9e-324}}"""),
        ],
        "within-limits" =>
        [
            Json("unknown-members", "{" + Plausible + ",\"zzz\":1,\"__proto__\":{\"polluted\":true},\"constructor\":\"x\",\"\":\"empty key\"}"),
            Json("arrays-30", "{" + Plausible.Replace("\"payload\":{\"p\":1}", "\"payload\":" + new string('[', 30) + new string(']', 30)) + "}"),
            Json("long-string", "{" + Plausible.Replace("\"name\":\"fuzz\"", "\"name\":\"" + new string('n', MaxBodyBytes - 2048) + "\"") + "}"),
            Json("long-members", LongMembers()),
            Json("escapes", "{" + Plausible + ",\"s\":\"\\u0000\\u001f\\ud83d\\ude00 ' \\\" < > & %00\"}"),
            Json("plausible", "{" + Plausible + "}"),
            Json("empty-object", "{}"),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(fuzzClass), fuzzClass, "unknown fuzz class"),
    };

    /// <summary>Path parameter values: one plausible value, then hostile ones.</summary>
    public static IReadOnlyList<string> HostileSegments { get; } =
    [
        "~root", "a.b", "..", "%2e%2e", "a%2Fb", "a%5Cb", "%20", "x%0Ay", new string('x', 300), "%F0%9F%98%80", "%ED%A0%80", "%FF",
        "'%20OR%201%3D1--", "%3Cscript%3E", "CON", "-1", "99999999999999999999", "1.0.0-%00", "%25",
    ];

    /// <summary>A plausible body whose id-like members all hold <paramref name="id"/>.</summary>
    public static FuzzBody WithIds(string id)
    {
        var text = System.Text.Json.JsonSerializer.Serialize(id);
        var members = new[] { "id", "flowId", "connectionId", "key", "connector", "event", "correlationId", "version" }.Select(m => $"\"{m}\":{text}");
        return Json($"ids={id}", "{" + string.Join(",", members) + ",\"values\":{},\"inputs\":{}}");
    }

    private static FuzzBody Json(string name, string text) => new(name, Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Every text member of the plausible body, and a user's name and email, 3,000 characters that do not compress (as a
    /// vendor's id or a script's value might be): more than a PostgreSQL index entry holds (2,704 bytes), and than Identity's
    /// user columns (256), where SQLite took them.
    /// </summary>
    private static string LongMembers()
    {
        var random = new Random(15);
        string Long() => string.Concat(Enumerable.Range(0, 3_000).Select(_ => (char)random.Next('a', 'z' + 1)));
        var members = new[] { "id", "flowId", "event", "correlationId", "connector", "name", "key", "reason", "version", "connectionId", "userName", "email" }
            .Select(m => $"\"{m}\":\"{Long()}\"");
        return "{" + string.Join(",", members) + ",\"mode\":\"sync\",\"values\":{},\"inputs\":{},\"payload\":{\"p\":1},\"timeoutSeconds\":1}";
    }

    /// <summary>JSON text with raw bytes (not UTF-8) in place of its '@'.</summary>
    private static FuzzBody Spliced(string name, string text, byte[] bytes)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        return new(name, [.. Encoding.UTF8.GetBytes(text[..at]), .. bytes, .. Encoding.UTF8.GetBytes(text[(at + 1)..])]);
    }

    private static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
}
