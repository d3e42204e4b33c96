using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;
using Microsoft.AspNetCore.Http;

namespace FlowConnectors.Connectors.Tests;

/// <summary>A connector runtime whose every URL (base URL, token URLs) goes to one local stub.</summary>
internal sealed class Harness : IAsyncDisposable
{
    private Harness(ConnectorPackage package, StubServer stub, IConnectionStore store, FakeClock clock, IConnectionRefreshLeases? leases = null, bool testOnCreate = false)
    {
        Package = package;
        Stub = stub;
        Store = store;
        Clock = clock;
        Runtime = new ConnectorRuntime([package], new ConnectorRuntimeOptions
        {
            Connections = store,
            Clock = clock,
            RewriteUrl = stub.Rewrite,
            RefreshLeases = leases ?? new InMemoryRefreshLeases(),
            // Tests here count the requests a call sends; creating a connection sends none unless a test asks.
            TestOnCreate = testOnCreate,
        });
    }

    public ConnectorPackage Package { get; }
    public StubServer Stub { get; }
    public IConnectionStore Store { get; }
    public FakeClock Clock { get; }
    public ConnectorRuntime Runtime { get; }
    public string Key => Package.Manifest.Key;

    public static async Task<Harness> StartAsync(ConnectorPackage package, Func<HttpContext, StubRequest, Task> handler,
        IConnectionStore? store = null, FakeClock? clock = null, IConnectionRefreshLeases? leases = null, bool testOnCreate = false) =>
        new(package, await StubServer.StartAsync(handler), store ?? new InMemoryConnectionStore(), clock ?? new FakeClock(), leases, testOnCreate);

    /// <summary>Another node: its own runtime over the same store, stub, clock and refresh leases.</summary>
    public ConnectorRuntime AnotherNode(IConnectionRefreshLeases leases) => new([Package], new ConnectorRuntimeOptions
    {
        Connections = Store,
        Clock = Clock,
        RewriteUrl = Stub.Rewrite,
        RefreshLeases = leases,
        TestOnCreate = false,
    });

    public Task<Connection> ConnectAsync(params (string Name, string Value)[] values) =>
        Runtime.Connections.CreateConnectionAsync(Key, "test", values.ToDictionary(v => v.Name, v => v.Value), "conn1");

    /// <summary>Runs customApiAction (which calls httpHelper) with the given request.</summary>
    public Task<FlowRunResult> CallAsync(string relativeUrl, string method = "GET", JsonNode? body = null, string connectionId = "conn1") =>
        Runtime.Actions.RunFlowAsync(Key, "customApiAction", connectionId, new JsonObject
        {
            ["requestType"] = method,
            ["relativeUrl"] = relativeUrl,
            ["body"] = body,
        });

    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync();
        await Stub.DisposeAsync();
    }
}

internal static class RunAssertions
{
    public static FlowRunResult ShouldHaveFinished(this FlowRunResult run)
    {
        run.Status.ShouldBe(FlowStatus.Finished, run.Fault?.ToString());
        return run;
    }

    public static string FaultMessage(this FlowRunResult run)
    {
        run.Status.ShouldBe(FlowStatus.Faulted, "expected the flow to fault");
        return run.Fault!.Message;
    }

    /// <summary>Everything a run leaves behind that a person or a log pipeline could read.</summary>
    public static string Traces(this FlowRunResult run) =>
        JsonSerializer.Serialize(run.Journal) + "\n" + JsonSerializer.Serialize(run.Logs) + "\n" + run.Fault;
}

internal static class JsonAssertions
{
    /// <summary>A JSON number as written, whatever CLR type the engine stored it as.</summary>
    public static long Number(this JsonNode? node) => long.Parse(node!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    public static string Text(this JsonNode? node) => node!.GetValue<string>();
}
