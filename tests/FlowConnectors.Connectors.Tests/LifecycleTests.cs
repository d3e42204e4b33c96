using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Runtime;
using Microsoft.AspNetCore.Http;

namespace FlowConnectors.Connectors.Tests;

/// <summary>Test connection, deauthorize (revoke), delete.</summary>
public sealed class LifecycleTests
{
    private static ConnectorFolder Connector() =>
        TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""", TestFlows.TokenParameter).Flow(TestFlows.Revoke());

    private static Task Api(HttpContext context, StubRequest request) => request.Header("Authorization") == "Bearer good-token"
        ? Respond.Json(context, 200, """{ "id": "u1" }""")
        : Respond.Json(context, 401, """{ "message": "The token is invalid or expired" }""");

    [Fact]
    public async Task Test_connection_passes_when_authping_finishes()
    {
        using var folder = Connector();
        await using var h = await Harness.StartAsync(folder.Load(), Api);
        await h.ConnectAsync(("token", "good-token"));

        var result = await h.Runtime.Connections.TestConnectionAsync("conn1");

        result.ShouldBe(new ConnectionTestResult(true, null));
        h.Stub.Requests.ShouldHaveSingleItem().Path.ShouldBe("/me");
    }

    [Fact]
    public async Task Test_connection_reports_the_authping_fault_message_as_the_reason()
    {
        using var folder = Connector();
        await using var h = await Harness.StartAsync(folder.Load(), Api);
        await h.ConnectAsync(("token", "bad-token"));

        var result = await h.Runtime.Connections.TestConnectionAsync("conn1");

        result.Ok.ShouldBeFalse();
        result.Reason.ShouldBe("HTTP 401: The token is invalid or expired");
    }

    [Fact]
    public async Task Deauthorizing_runs_revoke_and_then_runs_are_refused()
    {
        using var folder = Connector();
        await using var h = await Harness.StartAsync(folder.Load(), Api);
        await h.ConnectAsync(("token", "good-token"));

        var result = await h.Runtime.Connections.DeauthorizeAsync("conn1", "user left the company");

        result.Ok.ShouldBeTrue();
        var revoke = h.Stub.Requests.ShouldHaveSingleItem();
        (revoke.Method, revoke.Path, revoke.Header("Authorization")).ShouldBe(("POST", "/revoke", "Bearer good-token"));
        var stored = (await h.Store.GetAsync("conn1"))!;
        stored.Status.ShouldBe(ConnectionStatus.Deauthorized);
        stored.StatusReason.ShouldBe("user left the company");
        stored.ToPublicJson()["status"]!.GetValue<string>().ShouldBe("deauthorized");

        var error = await Should.ThrowAsync<ConnectorException>(() => h.CallAsync("/users"));
        error.Message.ShouldBe("connection 'conn1' is deauthorized: user left the company");
        h.Stub.Hits.ShouldBe(1);
    }

    [Fact]
    public async Task A_failing_revoke_is_reported_and_the_connection_is_still_deauthorized()
    {
        using var folder = Connector();
        await using var h = await Harness.StartAsync(folder.Load(), (c, _) => Respond.Status(c, 403));
        await h.ConnectAsync(("token", "good-token"));

        var result = await h.Runtime.Connections.DeauthorizeAsync("conn1", "rotating credentials");

        result.Ok.ShouldBeFalse();
        result.Reason!.ShouldContain("revoke failed with HTTP 403");
        (await h.Store.GetAsync("conn1"))!.Status.ShouldBe(ConnectionStatus.Deauthorized);
        (await h.Store.GetAsync("conn1"))!.StatusReason.ShouldBe($"rotating credentials; not revoked at the vendor: {result.Reason}");
    }

    [Fact]
    public async Task Deauthorizing_a_connection_whose_connector_has_no_revoke_says_nothing_was_revoked_and_why()
    {
        using var folder = TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""", TestFlows.TokenParameter);
        await using var h = await Harness.StartAsync(folder.Load(), Api);
        await h.ConnectAsync(("token", "good-token"));

        var result = await h.Runtime.Connections.DeauthorizeAsync("conn1", "user left the company");

        result.Ok.ShouldBeFalse();
        result.Reason.ShouldBe("connector 'test-api' has no _revoke flow: its credentials were removed here, not revoked at the vendor");
        h.Stub.Hits.ShouldBe(0);
        var stored = (await h.Store.GetAsync("conn1"))!;
        stored.Status.ShouldBe(ConnectionStatus.Deauthorized);
        stored.StatusReason.ShouldBe("user left the company; not revoked at the vendor: " + result.Reason);
    }

    [Fact]
    public async Task Deauthorizing_again_does_not_run_revoke_and_does_not_claim_a_revoke()
    {
        using var folder = Connector();
        await using var h = await Harness.StartAsync(folder.Load(), Api);
        await h.ConnectAsync(("token", "good-token"));
        (await h.Runtime.Connections.DeauthorizeAsync("conn1", "first")).Ok.ShouldBeTrue();

        var again = await h.Runtime.Connections.DeauthorizeAsync("conn1", "second");

        again.ShouldBe(new ConnectionTestResult(false, "the connection was deauthorized, so _revoke did not run"));
        h.Stub.Hits.ShouldBe(1);
    }

    [Fact]
    public async Task Deleting_is_refused_while_authorized_and_works_after_deauthorization()
    {
        using var folder = Connector();
        await using var h = await Harness.StartAsync(folder.Load(), Api);
        await h.ConnectAsync(("token", "good-token"));

        var error = await Should.ThrowAsync<ConnectorException>(() => h.Runtime.Connections.DeleteConnectionAsync("conn1"));
        error.Message.ShouldBe("connection 'conn1' must be deauthorized before it is deleted");
        (await h.Store.GetAsync("conn1")).ShouldNotBeNull();

        await h.Runtime.Connections.DeauthorizeAsync("conn1", "cleanup");
        await h.Runtime.Connections.DeleteConnectionAsync("conn1");

        (await h.Store.GetAsync("conn1")).ShouldBeNull();
        (await Should.ThrowAsync<ConnectorException>(() => h.CallAsync("/users"))).Message.ShouldBe("connection 'conn1' does not exist");
    }
}
