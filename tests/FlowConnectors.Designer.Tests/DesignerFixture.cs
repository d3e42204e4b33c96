using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using FlowConnectors.Server;
using Microsoft.Playwright;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// The real server on 127.0.0.1 (port 0, temp data folder, fixed API key) serving the built designer,
/// shared by a test class, and Debian's Chromium (<see cref="ChromiumPath"/>) driven by Playwright, one for the whole
/// test process (<see cref="SharedBrowser"/>; each test opens its own browser context).
/// </summary>
public sealed class DesignerFixture : IAsyncLifetime
{
    public const string ApiKey = "designer-test-api-key-0123456789";
    /// <summary>
    /// Debian's chromium-headless-shell (scripts/chromium.sh installs it), or the browser FLOWCONNECTORS_CHROMIUM names
    /// (e.g. /usr/bin/chromium for the full browser).
    /// </summary>
    public static string ChromiumPath { get; } =
        Environment.GetEnvironmentVariable("FLOWCONNECTORS_CHROMIUM") is { Length: > 0 } chosen ? chosen : "/usr/bin/chromium-headless-shell";
    private WebApplication? _app;
    private readonly string _dataFolder = Temp("data");
    private readonly string _flowsFolder = Temp("flows");

    public Uri Address { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    /// <summary>The running server's services (e.g. to issue a sign-in link as the server prints one).</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("the server is not running");

    public async Task InitializeAsync()
    {
        // First: it fails at once, naming the missing browser, before a server is built for nothing.
        Browser = await SharedBrowser.GetAsync();
        _app = await ServerApp.BuildAsync([], options =>
        {
            options.Urls = "http://127.0.0.1:0";
            options.DataFolder = _dataFolder;
            options.FlowsFolder = _flowsFolder;
            options.ApiKey = ApiKey;
            options.SyncTimeout = TimeSpan.FromSeconds(10);
            // Stub vendors listen on 127.0.0.1, which the server's network policy refuses unless allowed.
            options.Network.AllowedHosts.Add("127.0.0.1");
            // One API key submits and approves catalog versions here; the four-eyes rule has its own tests (AccessTests).
            options.Access.AllowSelfApproval = true;
        });
        await _app.StartAsync();
        Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Client = new HttpClient { BaseAddress = Address };
        Client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        foreach (var folder in new[] { _dataFolder, _flowsFolder })
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }

    private static string Temp(string what)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fc-designer-{what}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
