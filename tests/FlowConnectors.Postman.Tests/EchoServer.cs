using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Postman.Tests;

/// <summary>
/// What arrived, normalised for comparison: method, path, query pairs in order, headers (lower-case names),
/// and the body — parsed JSON, form fields in order (URL-encoded or multipart), or text.
/// </summary>
internal sealed record EchoedRequest(string Method, string Path, IReadOnlyList<KeyValuePair<string, string>> Query,
    IReadOnlyDictionary<string, string> Headers, JsonNode? Body)
{
    public override string ToString() =>
        $"{Method} {Path}?{string.Join('&', Query.Select(q => q.Key + "=" + q.Value))}\n  headers: {string.Join(", ", Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}: {h.Value}"))}\n  body: {Body?.ToJsonString() ?? "(none)"}";
}

/// <summary>A Kestrel server on 127.0.0.1 that records every request and answers 200 {"ok":true}; it also issues OAuth tokens.</summary>
internal sealed class EchoServer : IAsyncDisposable
{
    public const string TokenPath = "/oauth/token";

    private readonly WebApplication _app;

    private EchoServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }
    public ConcurrentQueue<EchoedRequest> Received { get; } = new();
    public string AccessToken { get; set; } = "echo-access-token";

    public static async Task<EchoServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        EchoServer? server = null;
        app.Run(async context => await server!.HandleAsync(context));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        server = new EchoServer(app, address);
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path == TokenPath)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject { ["access_token"] = AccessToken, ["token_type"] = "Bearer", ["expires_in"] = 3600 }.ToJsonString());
            return;
        }
        var query = new List<KeyValuePair<string, string>>();
        foreach (var pair in request.QueryString.Value?.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries) ?? [])
        {
            var eq = pair.IndexOf('=');
            query.Add(eq < 0 ? KeyValuePair.Create(Decode(pair), "") : KeyValuePair.Create(Decode(pair[..eq]), Decode(pair[(eq + 1)..])));
        }
        var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        JsonNode? body = null;
        if (request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true)
        {
            // Part names exactly as they came (RFC 7578: UTF-8 in the quoted name), not as a lenient parser would decode them.
            var boundary = Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(
                Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value!;
            var reader = new Microsoft.AspNetCore.WebUtilities.MultipartReader(boundary, request.Body);
            var fields = new JsonArray();
            while (await reader.ReadNextSectionAsync() is { } section)
            {
                var disposition = section.Headers!["Content-Disposition"].ToString();
                var name = System.Text.RegularExpressions.Regex.Match(disposition, "name=\"([^\"]*)\"").Groups[1].Value;
                using var part = new StreamReader(section.Body, Encoding.UTF8);
                fields.Add(new JsonArray(name, await part.ReadToEndAsync()));
            }
            body = new JsonObject { ["form"] = fields };
        }
        else if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync();
            var fields = new JsonArray();
            foreach (var (key, values) in form)
                foreach (var value in values) fields.Add(new JsonArray(key, value));
            body = new JsonObject { ["form"] = fields };
        }
        else
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var text = await reader.ReadToEndAsync();
            if (text.Length > 0)
            {
                if (request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
                {
                    try { body = new JsonObject { ["json"] = JsonNode.Parse(text) }; }
                    catch (JsonException) { body = new JsonObject { ["text"] = text }; }
                }
                else body = new JsonObject { ["text"] = text };
            }
        }
        Received.Enqueue(new EchoedRequest(request.Method, request.Path.Value ?? "/", query, headers, body));
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("{\"ok\":true}");
    }

    /// <summary>Form and query decoding: '+' is a space, then percent-decoding.</summary>
    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    public List<EchoedRequest> Take()
    {
        var list = new List<EchoedRequest>();
        while (Received.TryDequeue(out var r)) list.Add(r);
        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
