using FlowConnectors.ClusterProxy;
using Yarp.ReverseProxy.Configuration;

// Listens on 127.0.0.1 only and spreads requests over the nodes in turn (YARP's RoundRobin), skipping a node whose
// /health/ready fails until it answers again. Settings: --Listen http://127.0.0.1:5700 --Nodes http://127.0.0.1:5701,http://127.0.0.1:5702
var builder = WebApplication.CreateBuilder(args);
var listen = ProxySettings.Loopback(builder.Configuration["Listen"] ?? "http://127.0.0.1:5700", "Listen");
var nodes = (builder.Configuration["Nodes"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
    .Select(n => ProxySettings.Loopback(n, "Nodes")).ToList();
if (nodes.Count == 0) throw new ArgumentException("--Nodes needs at least one node URL (http://127.0.0.1:<port>)");
builder.WebHost.UseUrls(listen.ToString());
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "everything", ClusterId = "nodes", Match = new RouteMatch { Path = "{**path}" } }],
    [new ClusterConfig
    {
        ClusterId = "nodes",
        LoadBalancingPolicy = "RoundRobin",
        HealthCheck = new HealthCheckConfig
        {
            Active = new ActiveHealthCheckConfig { Enabled = true, Interval = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromSeconds(2), Policy = "ConsecutiveFailures", Path = "/health/ready" },
        },
        Destinations = nodes.Select((node, i) => (Id: $"node-{i + 1}", Node: node))
            .ToDictionary(d => d.Id, d => new DestinationConfig { Address = d.Node.ToString() }),
    }]);
var app = builder.Build();
app.MapReverseProxy();
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"proxy on {listen} -> {string.Join(", ", nodes)} (round robin)"));
app.Run();
