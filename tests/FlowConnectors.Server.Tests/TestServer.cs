using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using FlowConnectors.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// A real FlowConnectors server on 127.0.0.1 (port 0) with its own data folder and a fake clock.
/// Restartable on the same data folder, like a process restart.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    public const string ApiKey = "test-api-key-0123456789";
    private WebApplication? _app;
    private Action<ServerOptions>? _configure;

    private TestServer(string dataFolder, string flowsFolder, FakeTimeProvider clock)
    {
        DataFolder = dataFolder;
        FlowsFolder = flowsFolder;
        Clock = clock;
    }

    public string DataFolder { get; }
    public string FlowsFolder { get; }
    public FakeTimeProvider Clock { get; }
    public Uri Address { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    /// <summary>The running server's services (e.g. ConnectorInstaller), for tests of server-side services.</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("the server is not running");

    /// <summary>A server over a copy of the repository's flows, with vendor URLs pointed at <paramref name="vendor"/>.</summary>
    public static async Task<TestServer> StartAsync(Uri? vendor = null, string? dataFolder = null, string? flowsFolder = null, FakeTimeProvider? clock = null,
        Action<ServerOptions>? configure = null)
    {
        dataFolder ??= Temp("data");
        if (flowsFolder is null)
        {
            flowsFolder = Temp("flows");
            CopyDirectory(Path.Combine(Repo.Root, "flows"), flowsFolder);
            if (vendor is not null)
                foreach (var manifest in Directory.GetFiles(flowsFolder, "connector.json", SearchOption.AllDirectories))
                {
                    var json = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
                    json["baseUrl"] = vendor.ToString().TrimEnd('/');
                    File.WriteAllText(manifest, json.ToJsonString());
                }
        }
        var server = new TestServer(dataFolder, flowsFolder, clock ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero)))
        {
            _configure = configure,
        };
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync()
    {
        // Bounded: a start that waits on something forever (a lock, a migration) fails the test instead of the run.
        _app = await Bounded.WithinAsync(ServerApp.BuildAsync([], options =>
        {
            options.Urls = "http://127.0.0.1:0";
            // Most tests create connections to the sample connectors' real vendor hosts, which tests never call
            // (traffic stays on 127.0.0.1); tests of the connection test on creation turn it back on.
            options.TestConnectionsOnCreate = false;
            options.DataFolder = DataFolder;
            options.FlowsFolder = FlowsFolder;
            options.ApiKey = ApiKey;
            options.PollInterval = TimeSpan.FromMilliseconds(50);
            options.SyncTimeout = TimeSpan.FromSeconds(10);
            options.MaxBodyBytes = 64 * 1024;
            // Stub vendors listen on 127.0.0.1, which the server's network policy refuses unless allowed.
            options.Network.AllowedHosts.Add("127.0.0.1");
            // One API key submits and approves catalog versions here; the four-eyes rule has its own tests (AccessTests).
            options.Access.AllowSelfApproval = true;
            _configure?.Invoke(options);
        }, Clock), Bounded.HostWait, "building the test server");
        await Bounded.WithinAsync(_app.StartAsync(), Bounded.HostWait, "starting the test server");
        Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        Client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    }

    public async Task StopAsync()
    {
        if (_app is null) return;
        var app = _app;
        _app = null;
        Client.Dispose();
        await Bounded.StopAsync(app, $"the test server at {Address}");
    }

    public async Task<JsonNode> GetJsonAsync(string path)
    {
        var response = await Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Sends JSON text as written (or no body); an error answer must be a problem document.</summary>
    public async Task<(int Status, JsonNode? Body)> SendJsonAsync(string method, string path, string? json)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode >= 400) response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", text);
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public async Task<(int Status, JsonNode? Body)> PostJsonAsync(string path, object body)
    {
        // Property names as written (UEM sends PascalCase), not the web default camelCase.
        var response = await Client.PostAsync(path, new StringContent(System.Text.Json.JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Polls until <paramref name="condition"/> holds (background work is asynchronous); fails after 60 s.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        T value;
        do
        {
            value = await read();
            if (condition(value)) return value;
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);
        throw new ShouldAssertException($"{what} did not happen within 60 s; last value: {value}");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(DataFolder, recursive: true); } catch (IOException) { }
    }

    public static string Temp(string what)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fc-server-{what}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(directory.Replace(from, to));
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to), overwrite: true);
    }
}

/// <summary>A stand-in for ServiceNow and Workspace ONE UEM on 127.0.0.1 that records what it receives.</summary>
internal sealed class VendorStub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private VendorStub(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }
    public ConcurrentQueue<(string Method, string Path, string? Authorization, string? TenantCode, JsonNode? Body)> Received { get; } = new();
    public int ServiceNowStatus { get; set; } = 201;
    /// <summary>The W3C traceparent header of each request, by path (empty when none was sent).</summary>
    public ConcurrentQueue<(string Path, string TraceParent)> TraceParents { get; } = new();

    public static async Task<VendorStub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        VendorStub? stub = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var text = await reader.ReadToEndAsync();
            JsonNode? body = null;
            try { body = text.Length == 0 ? null : JsonNode.Parse(text); } catch (System.Text.Json.JsonException) { body = text; }
            var path = context.Request.Path.Value ?? "/";
            stub!.TraceParents.Enqueue((path, context.Request.Headers["traceparent"].ToString()));
            stub.Received.Enqueue((context.Request.Method, path, context.Request.Headers.Authorization.ToString(), context.Request.Headers["aw-tenant-code"].ToString(), body));
            context.Response.ContentType = "application/json";
            if (path.EndsWith("/appapproval/request", StringComparison.Ordinal))
            {
                context.Response.StatusCode = stub.ServiceNowStatus;
                await context.Response.WriteAsync("{\"result\":{\"status\":\"pending\",\"number\":\"RITM0010001\"}}");
            }
            else if (path.Contains("/install", StringComparison.Ordinal))
            {
                context.Response.StatusCode = 202;
            }
            else if (path.EndsWith("/hooks", StringComparison.Ordinal) && context.Request.Method == "POST")
            {
                context.Response.StatusCode = 201;
                await context.Response.WriteAsync("{\"id\":77,\"type\":\"Repository\",\"name\":\"web\",\"active\":true,\"events\":[\"push\"]}");
            }
            else if (path.Contains("/hooks/", StringComparison.Ordinal) && context.Request.Method == "DELETE")
            {
                context.Response.StatusCode = 204;
            }
            else if (path == "/api/now/table/sys_user")
            {
                // ServiceNow's _authping: connections are tested when created or when a secret is replaced.
                await context.Response.WriteAsync("{\"result\":[]}");
            }
            else
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("{\"error\":{\"message\":\"No such path\"}}");
            }
        });
        await Bounded.WithinAsync(app.StartAsync(), Bounded.HostWait, "starting the stub vendor");
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        stub = new VendorStub(app, address);
        return stub;
    }

    public async ValueTask DisposeAsync()
    {
        await Bounded.StopAsync(_app, "the stub vendor");
    }
}

internal static class Repo
{
    public static readonly string Root = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FlowConnectors.sln"))) return dir.FullName;
        throw new InvalidOperationException("FlowConnectors.sln not found");
    }
}
