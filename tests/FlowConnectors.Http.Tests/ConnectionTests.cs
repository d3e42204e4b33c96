using FlowConnectors.Engine;
using static FlowConnectors.Http.Tests.TestHttp;

namespace FlowConnectors.Http.Tests;

public sealed class ConnectionTests
{
    [Fact]
    public async Task A_relative_url_is_resolved_by_the_connection_and_authenticated()
    {
        await using var stub = await StubServer.JsonAsync(200, """{ "id": "U1" }""");
        var connection = new TestConnection(new Uri(stub.BaseUrl, "api/v2/"));
        var result = await SendAsync(Json("""{ "url": "users/me", "useConnection": true, "query": { "fields": "id" } }"""), Services(connection: connection));
        result.Outcome.ShouldBe("2xx", result.Run.Fault?.ToString());
        var request = stub.Requests.Single();
        request.Path.ShouldBe("/api/v2/users/me");
        request.QueryString.ShouldBe("?fields=id");
        request.Header("Authorization").ShouldBe("Bearer token-0");
        connection.AuthenticateCalls.ShouldBe([false]);
    }

    [Fact]
    public async Task A_401_refreshes_the_credentials_once_and_retries_once()
    {
        TestConnection connection = null!;
        await using var stub = await StubServer.StartAsync((context, request) =>
            request.Header("Authorization") == "Bearer token-1" ? Respond.Json(context, 200, """{ "ok": true }""") : Respond.Json(context, 401, """{ "error": "expired" }"""));
        connection = new TestConnection(stub.BaseUrl);
        var result = await SendAsync(Json("""{ "method": "POST", "url": "items", "useConnection": true, "body": { "a": 1 } }"""), Services(connection: connection));
        result.Outcome.ShouldBe("2xx", result.Run.Fault?.ToString());
        connection.AuthenticateCalls.ShouldBe([false, true]);
        stub.Requests.Select(r => (r.Header("Authorization"), r.BodyText)).ShouldBe([("Bearer token-0", """{"a":1}"""), ("Bearer token-1", """{"a":1}""")]);
    }

    [Fact]
    public async Task A_second_401_faults_as_authentication_failed_without_the_token()
    {
        await using var stub = await StubServer.JsonAsync(401, """{ "error": "invalid_auth" }""");
        var connection = new TestConnection(stub.BaseUrl);
        var result = await RunFlowAsync("""
            { "format": 1, "id": "auth",
              "nodes": [ { "id": "call", "type": "Http.SendRequest", "inputs": { "url": "me", "useConnection": true } } ], "connections": [] }
            """, Services(connection: connection));
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.Message.ShouldStartWith("authentication failed (HTTP 401)");
        result.Fault.Message.ShouldNotContain("token-");
        stub.Hits.ShouldBe(2);
        connection.AuthenticateCalls.ShouldBe([false, true]);
        // The bearer tokens the connection added were registered as secrets: nothing in the journal shows them.
        result.Journal.ShouldAllBe(j => j.Outputs == null || !JsonSerializerHelpers.Contains(j.Outputs, "token-"));
    }

    [Fact]
    public async Task Without_use_connection_a_401_is_an_ordinary_4xx_response()
    {
        await using var stub = await StubServer.JsonAsync(401, "{}");
        var result = await SendAsync(Json($$"""{ "url": "{{stub.Url()}}" }"""));
        result.Outcome.ShouldBe("4xx");
        stub.Hits.ShouldBe(1);
    }

    [Fact]
    public async Task Use_connection_without_a_registered_connection_faults_clearly()
    {
        var result = await SendAsync(Json("""{ "url": "users", "useConnection": true }"""));
        result.FaultMessage().ShouldBe("useConnection is true but this host provides no connection for HTTP requests (no IConnectionHttpHandler is registered)");
    }

    [Fact]
    public async Task A_url_the_connection_rejects_faults_with_its_message()
    {
        var connection = new TestConnection(new Uri("http://127.0.0.1:9/api/"));
        var result = await SendAsync(Json("""{ "url": "../admin", "useConnection": true }"""), Services(connection: connection));
        result.FaultMessage().ShouldBe("url '../admin' must be relative to the connection's base URL");
    }
}
