using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Server.Tests;

/// <summary>One request a stub vendor received.</summary>
internal sealed record VendorRequest(string Method, string Path, string? Authorization, string? TenantCode, string? IdempotencyKey, JsonNode? Body);

/// <summary>
/// ServiceNow (the app-approval Scripted REST API) and Workspace ONE UEM (install commands, the
/// ApprovalNotify URL) on 127.0.0.1, reached through the connections' Base URL parameter. Records
/// what it receives; ServiceNow can be made to answer 503 for a while, as in an outage.
/// </summary>
internal sealed class ApprovalVendors : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _serviceNowDownUntil;

    private ApprovalVendors(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }
    public string BaseUrl => Address.ToString().TrimEnd('/');
    public ConcurrentQueue<VendorRequest> Received { get; } = new();
    /// <summary>ServiceNow's answer to a submission when it is up.</summary>
    public int ServiceNowStatus { get; set; } = 201;
    /// <summary>Set on the first submission that arrives during an outage.</summary>
    public DateTimeOffset? OutageStartedAt { get; private set; }
    /// <summary>The clock an outage is measured on: the server's, so a test's fake time passes for both alike.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>ServiceNow answers 503 for <paramref name="length"/> from the first submission that reaches it.</summary>
    public void ServiceNowOutage(TimeSpan length) => Interlocked.Exchange(ref _serviceNowDownUntil, -length.Ticks);

    public string NotifyUrl(string requestId) => $"{BaseUrl}/API/mam/apps/approvals/{requestId}/notify";

    public IReadOnlyList<VendorRequest> Submissions => Received.Where(r => r.Path.EndsWith("/appapproval/request", StringComparison.Ordinal)).ToList();
    public IReadOnlyList<VendorRequest> Installs => Received.Where(r => r.Path.EndsWith("/install", StringComparison.Ordinal)).ToList();

    /// <summary>The statuses UEM was told for a request, in order.</summary>
    public IReadOnlyList<string> Notified(string requestId) => Received
        .Where(r => r.Path == $"/API/mam/apps/approvals/{requestId}/notify")
        .Select(r => (string)r.Body!["Status"]!).ToList();

    public static async Task<ApprovalVendors> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        ApprovalVendors? vendors = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var text = await reader.ReadToEndAsync();
            JsonNode? body;
            try { body = text.Length == 0 ? null : JsonNode.Parse(text); } catch (System.Text.Json.JsonException) { body = text; }
            var path = context.Request.Path.Value ?? "/";
            var headers = context.Request.Headers;
            vendors!.Received.Enqueue(new VendorRequest(context.Request.Method, path, headers.Authorization.ToString(), headers["aw-tenant-code"].ToString(),
                headers["Idempotency-Key"].ToString() is { Length: > 0 } key ? key : null, body));
            context.Response.ContentType = "application/json";
            if (path.EndsWith("/appapproval/request", StringComparison.Ordinal))
            {
                if (vendors.IsDown())
                {
                    context.Response.StatusCode = 503;
                    await context.Response.WriteAsync("{\"error\":{\"message\":\"Instance is hibernating\"},\"status\":\"failure\"}");
                    return;
                }
                context.Response.StatusCode = vendors.ServiceNowStatus;
                await context.Response.WriteAsync(vendors.ServiceNowStatus < 300
                    ? "{\"result\":{\"status\":\"pending\",\"number\":\"RITM0010001\"}}"
                    : "{\"error\":{\"message\":\"Instance is hibernating\"},\"status\":\"failure\"}");
            }
            else if (path.EndsWith("/install", StringComparison.Ordinal) || path.EndsWith("/notify", StringComparison.Ordinal))
            {
                context.Response.StatusCode = path.EndsWith("/install", StringComparison.Ordinal) ? 202 : 204;
            }
            else
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("{\"error\":{\"message\":\"No such path\"}}");
            }
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        vendors = new ApprovalVendors(app, address);
        return vendors;
    }

    private bool IsDown()
    {
        var until = Interlocked.Read(ref _serviceNowDownUntil);
        if (until < 0)
        {
            // The outage starts with the first submission it meets, so its length is what the test says.
            var now = Clock.GetUtcNow();
            if (Interlocked.CompareExchange(ref _serviceNowDownUntil, now.UtcTicks - until, until) == until) OutageStartedAt = now;
            until = Interlocked.Read(ref _serviceNowDownUntil);
        }
        return until > 0 && Clock.GetUtcNow().UtcTicks < until;
    }

    public async ValueTask DisposeAsync()
    {
        await Bounded.StopAsync(_app, "the approval vendors stub");
    }
}
