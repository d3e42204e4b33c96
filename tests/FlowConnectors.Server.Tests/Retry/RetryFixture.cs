using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Server.Tests.Retry;

/// <summary>One server and one vendor stub for the retry specs; each spec uses its own flow ids and stub paths.</summary>
public sealed class RetryFixture : IAsyncLifetime
{
    internal TestServer Server { get; private set; } = null!;
    internal RetryVendor Vendor { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Vendor = await RetryVendor.StartAsync();
        Server = await TestServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Vendor.DisposeAsync();
    }
}

/// <summary>
/// A vendor on 127.0.0.1 answering each path with the status set for it (200 by default), recording each call and its
/// Idempotency-Key. The specs fail calls with 409, which the HTTP client neither retries nor counts against its circuit,
/// so every call the vendor sees is one the flow made.
/// </summary>
internal sealed class RetryVendor : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RetryVendor(WebApplication app, string address)
    {
        _app = app;
        Address = address.TrimEnd('/');
    }

    public string Address { get; }
    public ConcurrentDictionary<string, int> Status { get; } = new(StringComparer.Ordinal);
    public ConcurrentQueue<(string Method, string Path, string? IdempotencyKey)> Calls { get; } = new();
    /// <summary>A path held here answers only once its gate is opened.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Gates { get; } = new(StringComparer.Ordinal);

    public int CallsTo(string path) => Calls.Count(c => c.Path == path);

    public static async Task<RetryVendor> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        RetryVendor? vendor = null;
        app.Run(async context =>
        {
            var path = context.Request.Path.Value ?? "/";
            var key = context.Request.Headers["Idempotency-Key"].ToString();
            vendor!.Calls.Enqueue((context.Request.Method, path, key.Length == 0 ? null : key));
            if (vendor.Gates.TryGetValue(path, out var gate)) await gate.Task.WaitAsync(TimeSpan.FromSeconds(60));
            context.Response.StatusCode = vendor.Status.GetValueOrDefault(path, 200);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject { ["ok"] = context.Response.StatusCode < 400, ["path"] = path }.ToJsonString(), Encoding.UTF8);
        });
        await app.StartAsync();
        vendor = new RetryVendor(app, app.Urls.First());
        return vendor;
    }

    public async ValueTask DisposeAsync()
    {
        await Bounded.StopAsync(_app, "the retry vendor stub");
    }
}
