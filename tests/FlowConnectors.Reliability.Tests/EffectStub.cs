using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Reliability.Tests;

/// <summary>
/// A side-effect receiver on 127.0.0.1, as a vendor would run one: it counts every POST per idempotency key
/// (deliveries) and applies each key's effect once (a receiver that honours Idempotency-Key), and keeps the
/// callback URLs flows hand it, in order, with when they arrived.
/// </summary>
internal sealed class EffectStub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EffectStub(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }
    public string EffectUrl => new Uri(Address, "effect").ToString();
    /// <summary>POSTs received per Idempotency-Key.</summary>
    public ConcurrentDictionary<string, int> Deliveries { get; } = new(StringComparer.Ordinal);
    /// <summary>Effects applied per key: a repeated key is acknowledged, not applied again.</summary>
    public ConcurrentDictionary<string, int> Applied { get; } = new(StringComparer.Ordinal);
    /// <summary>Callback URLs received per key, with the time each arrived.</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<(string Url, DateTime At)>> CallbackUrls { get; } = new(StringComparer.Ordinal);

    public int DeliveriesOf(string key) => Deliveries.GetValueOrDefault(key);

    public static async Task<EffectStub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        EffectStub? stub = null;
        app.MapPost("/effect", async (HttpContext context) =>
        {
            var key = context.Request.Headers["Idempotency-Key"].ToString();
            using var reader = new StreamReader(context.Request.Body);
            var body = JsonNode.Parse(await reader.ReadToEndAsync()) as JsonObject;
            if (key.Length == 0) return Results.BadRequest(new { error = "Idempotency-Key is required" });
            if (stub!.Deliveries.AddOrUpdate(key, 1, (_, n) => n + 1) == 1) stub.Applied.AddOrUpdate(key, 1, (_, n) => n + 1);
            if ((string?)body?["callbackUrl"] is { } url)
                stub.CallbackUrls.GetOrAdd((string?)body["key"] ?? key, _ => new ConcurrentQueue<(string, DateTime)>()).Enqueue((url, DateTime.UtcNow));
            return Results.Json(new { ok = true });
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
        stub = new EffectStub(app, address);
        return stub;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
