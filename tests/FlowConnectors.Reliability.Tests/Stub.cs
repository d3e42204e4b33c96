using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Reliability.Tests;

/// <summary>A vendor stand-in on 127.0.0.1 that records every request (path and headers) and answers with the test's handler.</summary>
internal sealed class Stub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Stub(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }
    public int Port => Address.Port;
    public ConcurrentQueue<(string Method, string Path, Dictionary<string, string> Headers, string Body)> Received { get; } = new();

    public string Url(string path) => new Uri(Address, path.TrimStart('/')).ToString();

    public static async Task<Stub> StartAsync(Func<HttpContext, Task>? handler = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        Stub? stub = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            stub!.Received.Enqueue((context.Request.Method, context.Request.Path.Value ?? "/",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
            if (handler is not null) await handler(context);
            else
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"ok\":true}");
            }
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
        stub = new Stub(app, address);
        return stub;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Flows and requests the specs share.</summary>
internal static class Specs
{
    /// <summary>A flow that sends one request to its input URL (with optional headers) and returns the status code.</summary>
    public const string CallFlow = """
        { "format": 1, "id": "call", "inputs": [ { "name": "url", "type": "string" }, { "name": "headers", "type": "object" } ],
          "outputs": [ { "name": "status", "type": "number" } ],
          "nodes": [ { "id": "send", "type": "Http.SendRequest", "inputs": { "url": { "js": "input.url" }, "headers": { "js": "input.headers || {}" }, "outcomes": ["2xx", "3xx", "4xx", "5xx"] } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "status", "value": { "js": "nodes.send.statusCode" } } } ],
          "connections": [ { "from": "send:2xx", "to": "out" }, { "from": "send:3xx", "to": "out" }, { "from": "send:4xx", "to": "out" }, { "from": "send:5xx", "to": "out" } ] }
        """;

    public static string FlowsWith(string id, string json)
    {
        var folder = Temp.Folder("flows");
        File.WriteAllText(Path.Combine(folder, id + ".flow.json"), json);
        return folder;
    }

    public static async Task<System.Text.Json.Nodes.JsonNode> RunAsync(ServerProcess server, string flowId, object inputs)
    {
        using var response = await server.Client.PostAsync($"api/flows/{flowId}/run",
            new StringContent(System.Text.Json.JsonSerializer.Serialize(new { inputs }), System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return System.Text.Json.Nodes.JsonNode.Parse(text)!;
    }
}
