using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Http.Activities;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Http.Tests;

/// <summary>One-line helpers so tests read as specifications.</summary>
internal static class TestHttp
{
    /// <summary>Default settings with short delays, so retry tests stay fast.</summary>
    public static readonly HttpResilienceSettings Fast = new() { BaseDelay = TimeSpan.FromMilliseconds(10), UseJitter = false };

    public static ServiceProvider Services(HttpResilienceSettings? settings = null, IConnectionHttpHandler? connection = null,
        Network.NetworkPolicy? network = null)
    {
        var services = new ServiceCollection().AddFlowHttp(settings ?? Fast, network);
        if (connection is not null)
        {
            services.AddSingleton(connection);
            services.AddFlowHttpClient(TestConnection.ClientNameForTests, settings ?? Fast, network);
        }
        return services.BuildServiceProvider();
    }

    public static FlowEngineOptions Options(IServiceProvider? services = null) => new()
    {
        Registry = ActivityRegistry.CreateDefault().AddAssembly(typeof(SendRequest).Assembly),
        Services = services ?? Services(),
    };

    public static Task<ActivityRunResult> SendAsync(JsonObject inputs, IServiceProvider? services = null) =>
        ActivityRunner.RunAsync<SendRequest>(inputs, Options(services));

    public static Task<ActivityRunResult> PaginateAsync(JsonObject inputs, IServiceProvider? services = null) =>
        ActivityRunner.RunAsync<Paginate>(inputs, Options(services));

    public static Task<FlowRunResult> RunFlowAsync(string json, IServiceProvider? services = null) =>
        new FlowEngine(Options(services)).RunJsonAsync(json);

    public static JsonObject Json(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>A port on 127.0.0.1 that nothing listens on.</summary>
    public static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static string FaultMessage(this ActivityRunResult result) =>
        result.Run.Fault?.Message ?? throw new ShouldAssertException($"expected a fault but the outcome was '{result.Outcome}'");
}
