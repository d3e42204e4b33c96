using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Connectors.Tests;

/// <summary>What the stub saw of one request.</summary>
internal sealed record StubRequest(int Number, string Method, string Path, string QueryString, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
    public string? Query(string name) => QueryHelpers.ParseQuery(QueryString).TryGetValue(name, out var v) ? v.ToString() : null;
    public string? Form(string name) => QueryHelpers.ParseQuery(BodyText).TryGetValue(name, out var v) ? v.ToString() : null;
    public override string ToString() => $"{Method} {Path}{QueryString}";
}

/// <summary>
/// A real Kestrel server on 127.0.0.1 (port chosen by the OS) that answers with the test's handler
/// and records every request it receives.
/// </summary>
internal sealed class StubServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<StubRequest> _requests = new();
    private int _count;

    private StubServer(Func<HttpContext, StubRequest, Task> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Urls.Add("http://127.0.0.1:0");
        _app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var request = new StubRequest(Interlocked.Increment(ref _count), context.Request.Method, context.Request.Path.Value ?? "",
                context.Request.QueryString.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body.ToArray());
            _requests.Enqueue(request);
            await handler(context, request);
        });
    }

    public Uri BaseUrl { get; private set; } = null!;
    public IReadOnlyList<StubRequest> Requests => _requests.OrderBy(r => r.Number).ToList();
    public int Hits => _requests.Count;
    public IReadOnlyList<StubRequest> To(string path) => Requests.Where(r => r.Path == path).ToList();

    /// <summary>Points any URL at this stub, keeping path and query.</summary>
    public Uri Rewrite(Uri uri) => new UriBuilder(uri) { Scheme = "http", Host = BaseUrl.Host, Port = BaseUrl.Port }.Uri;

    public static async Task<StubServer> StartAsync(Func<HttpContext, StubRequest, Task> handler)
    {
        var server = new StubServer(handler);
        await server._app.StartAsync();
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>A stub that answers every request with the same status and JSON.</summary>
    public static Task<StubServer> JsonAsync(int status, string json) => StartAsync((context, _) => Respond.Json(context, status, json));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal static class Respond
{
    public static Task Json(HttpContext context, int status, string json, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(json);
    }

    public static Task Text(HttpContext context, int status, string text, string contentType = "text/plain; charset=utf-8")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(text);
    }

    public static Task Status(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}
