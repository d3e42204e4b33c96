using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Runtime;

namespace FlowConnectors.Connectors.Tests;

/// <summary>A connection's credentials go only to the origin it was authorized for.</summary>
public sealed class ConnectionOriginTests
{
    private const string Parameters = """[ { "name": "token", "label": "Token", "type": "password", "required": true } ]""";
    private const string Auth = """{ "kind": "apiKey", "parameter": "token", "name": "X-Api-Key", "tokenType": "" }""";
    private const string Secret = "origin-bound-secret-42";

    private static string BaseOf(StubServer stub) => stub.BaseUrl.ToString().TrimEnd('/');

    [Fact]
    public async Task A_new_base_url_gets_nothing_until_the_connection_is_confirmed_for_it()
    {
        await using var first = await StubServer.JsonAsync(200, "{}");
        await using var second = await StubServer.JsonAsync(200, "{}");
        using var before = TestFlows.Connector(Auth, Parameters, BaseOf(first));
        using var after = TestFlows.Connector(Auth, Parameters, BaseOf(second));
        var store = new InMemoryConnectionStore();
        await using var runtime = new ConnectorRuntime([before.Load()], new ConnectorRuntimeOptions { Connections = store, TestOnCreate = false });
        var connection = await runtime.Connections.CreateConnectionAsync(TestFlows.Key, "c", new Dictionary<string, string> { ["token"] = Secret }, "c1");
        connection.Origin.ShouldBe($"http://127.0.0.1:{first.BaseUrl.Port}");
        (await runtime.Connections.TestConnectionAsync("c1")).Ok.ShouldBeTrue();
        first.Requests.Single().Header("X-Api-Key").ShouldBe(Secret);

        // Replaced on disk without anyone marking the connection: the origin check alone holds the secret back.
        var previous = runtime.Installed.Install(after.Load())!;
        var moved = await runtime.Connections.TestConnectionAsync("c1");
        moved.Ok.ShouldBeFalse();
        moved.Reason!.ShouldContain($"was authorized for http://127.0.0.1:{first.BaseUrl.Port}");
        moved.Reason!.ShouldContain($"goes to http://127.0.0.1:{second.BaseUrl.Port}");
        moved.Reason!.ShouldNotContain(Secret);
        second.Hits.ShouldBe(0);

        (await runtime.Connections.RequireReauthorizationAsync(previous.Manifest, runtime.Installed.GetConnector(TestFlows.Key).Manifest)).ShouldBe(["c1"]);
        var stored = (await store.GetAsync("c1"))!;
        stored.Status.ShouldBe(ConnectionStatus.NeedsReauthorization);
        stored.ToPublicJson()["status"]!.GetValue<string>().ShouldBe("needsReauthorization");
        (await runtime.Connections.TestConnectionAsync("c1")).Reason!.ShouldContain("needs re-authorization");
        second.Hits.ShouldBe(0);

        (await runtime.Connections.ConfirmOriginAsync("c1")).Origin.ShouldBe($"http://127.0.0.1:{second.BaseUrl.Port}");
        (await runtime.Connections.TestConnectionAsync("c1")).Ok.ShouldBeTrue();
        second.Requests.Single().Header("X-Api-Key").ShouldBe(Secret);
    }

    [Fact]
    public async Task A_connection_stored_before_origins_were_recorded_is_bound_on_first_use()
    {
        await using var stub = await StubServer.JsonAsync(200, "{}");
        using var folder = TestFlows.Connector(Auth, Parameters, BaseOf(stub));
        var store = new InMemoryConnectionStore();
        await using var runtime = new ConnectorRuntime([folder.Load()], new ConnectorRuntimeOptions { Connections = store, TestOnCreate = false });
        var connection = await runtime.Connections.CreateConnectionAsync(TestFlows.Key, "c", new Dictionary<string, string> { ["token"] = Secret }, "old");
        connection.Origin = null;
        await store.SaveAsync(connection);
        (await runtime.Connections.TestConnectionAsync("old")).Ok.ShouldBeTrue();
        (await store.GetAsync("old"))!.Origin.ShouldBe($"http://127.0.0.1:{stub.BaseUrl.Port}");
    }

    [Fact]
    public async Task A_connector_change_that_keeps_address_and_auth_leaves_connections_authorized()
    {
        await using var stub = await StubServer.JsonAsync(200, "{}");
        using var v1 = TestFlows.Connector(Auth, Parameters, BaseOf(stub));
        using var v2 = TestFlows.Connector(Auth, Parameters, BaseOf(stub));
        await using var runtime = new ConnectorRuntime([v1.Load()], new ConnectorRuntimeOptions { Connections = new InMemoryConnectionStore(), TestOnCreate = false });
        await runtime.Connections.CreateConnectionAsync(TestFlows.Key, "c", new Dictionary<string, string> { ["token"] = Secret }, "c1");
        var previous = runtime.Installed.Install(v2.Load())!;
        (await runtime.Connections.RequireReauthorizationAsync(previous.Manifest, runtime.Installed.GetConnector(TestFlows.Key).Manifest)).ShouldBeEmpty();
        (await runtime.Connections.TestConnectionAsync("c1")).Ok.ShouldBeTrue();
    }
}
