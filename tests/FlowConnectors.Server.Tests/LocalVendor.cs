using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Server.Tests;

/// <summary>A stub vendor on 127.0.0.1 (a port of the OS's choosing) answering every request with one handler.</summary>
internal sealed class LocalVendor : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalVendor(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Its base address, without a trailing slash.</summary>
    public string Url { get; }

    public static async Task<LocalVendor> StartAsync(RequestDelegate handle)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(handle);
        await app.StartAsync();
        return new LocalVendor(app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/'));
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
