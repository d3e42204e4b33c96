using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// A connection's status is its last test; a dropdown shows the vendor's error; secrets are replaced in place;
/// deauthorizing, deleting a connection or removing a card disables the automations that use them (also only
/// inside a Connector.Action node), and activation checks that what an automation uses exists.
/// </summary>
public sealed class ConnectionLifecycleTests
{
    private const string GoodToken = "good-token-0123";

    /// <summary>An API that accepts only <see cref="GoodToken"/>: /me answers who you are, /projects lists projects.</summary>
    private sealed class TokenVendor : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private TokenVendor(WebApplication app) => _app = app;
        public string Url { get; private set; } = "";
        public ConcurrentQueue<string> Received { get; } = new();

        public static async Task<TokenVendor> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var vendor = new TokenVendor(app);
            app.Run(async context =>
            {
                vendor.Received.Enqueue($"{context.Request.Method} {context.Request.Path}");
                context.Response.ContentType = "application/json";
                if (context.Request.Headers.Authorization.ToString() != "Bearer " + GoodToken)
                {
                    context.Response.StatusCode = 401;
                    await context.Response.WriteAsync("""{"message":"Bad credentials"}""");
                    return;
                }
                await context.Response.WriteAsync(context.Request.Path == "/projects" ? """[{"id":"p1","name":"Apollo"}]""" : """{"login":"ada"}""");
            });
            await app.StartAsync();
            vendor.Url = app.Urls.First().TrimEnd('/');
            return vendor;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    private static async Task<TestServer> StartWithConnectorAsync(TokenVendor vendor)
    {
        var server = await TestServer.StartAsync(configure: o => o.TestConnectionsOnCreate = true);
        var (status, body) = await server.SendJsonAsync("POST", "/api/connectors", $$"""
            { "key": "stubco", "name": "Stub Co", "baseUrl": "{{vendor.Url}}", "authPingPath": "/me",
              "auth": { "kind": "apiKey", "parameter": "token", "tokenType": "Bearer" } }
            """);
        status.ShouldBe(201, body?.ToJsonString());
        (status, body) = await server.SendJsonAsync("PUT", "/api/connectors/stubco/flows/listProjects", """
            { "outputs": [ { "name": "items", "type": "array<object>" } ],
              "nodes": [
                { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": { "relative_url": "/projects" } } },
                { "id": "done", "type": "Return", "inputs": { "outputs": { "items": { "js": "Array.isArray(nodes.call.outputs.body) ? nodes.call.outputs.body.map(p => ({ key: p.id, value: p.name })) : []" } } } } ],
              "connections": [ { "from": "call:done", "to": "done" } ], "card": { "kind": "helper" } }
            """);
        status.ShouldBeOneOf([200, 201], body?.ToJsonString());
        (status, body) = await server.SendJsonAsync("PUT", "/api/connectors/stubco/flows/getProject", """
            { "inputs": [ { "name": "project", "type": "string", "label": "Project", "required": true } ],
              "outputs": [ { "name": "name", "type": "string" } ],
              "nodes": [
                { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": { "relative_url": "/me" } } },
                { "id": "done", "type": "Return", "inputs": { "outputs": { "name": { "js": "nodes.call.outputs.body.login" } } } } ],
              "connections": [ { "from": "call:done", "to": "done" } ],
              "card": { "kind": "action", "label": "Get Project", "fields": { "project": { "dropdown": { "flow": "listProjects", "dependsOn": [] } } } } }
            """);
        status.ShouldBeOneOf([200, 201], body?.ToJsonString());
        return server;
    }

    private static string FlowUsingCard(string flowId, string action, string connection) => $$"""
        { "format": 1, "id": "{{flowId}}",
          "nodes": [ { "id": "card", "type": "Connector.Action", "inputs": { "connector": "stubco", "action": "{{action}}", "connection": "{{connection}}", "inputs": { "project": "p1" } } } ],
          "connections": [] }
        """;

    [Fact]
    public async Task A_connection_is_tested_on_creation_so_a_wrong_token_shows_failed_and_replacing_the_secret_in_place_makes_it_authorized()
    {
        await using var vendor = await TokenVendor.StartAsync();
        await using var server = await StartWithConnectorAsync(vendor);

        var (status, created) = await server.PostJsonAsync("/api/connections", new { id = "bad", connector = "stubco", values = new { token = "wrong-token" } });
        status.ShouldBe(201, created?.ToJsonString());
        ((string?)created!["status"]).ShouldBe("testFailed");
        ((string)created["statusReason"]!).ShouldContain("401");
        created["lastTestedAt"].ShouldNotBeNull();
        vendor.Received.ShouldContain("GET /me");

        // The secret is replaced without deleting the connection, tested again, and never shown back.
        var (replaced, body) = await server.SendJsonAsync("PUT", "/api/connections/bad", $$"""{ "values": { "token": "{{GoodToken}}" } }""");
        replaced.ShouldBe(200, body?.ToJsonString());
        ((string?)body!["status"]).ShouldBe("authorized");
        body["statusReason"].ShouldBeNull();
        body["secretsSet"]!.AsArray().Select(s => (string?)s).ShouldBe(["token"]);
        ((string?)body["health"]).ShouldBe("healthy");
        body.ToJsonString().ShouldNotContain(GoodToken);
        (await server.Client.GetStringAsync("/api/connections")).ShouldNotContain(GoodToken);

        // And a later test that fails shows again.
        (await server.SendJsonAsync("PUT", "/api/connections/bad", """{ "values": { "token": "expired-token" } }""")).Body!["status"]!.GetValue<string>().ShouldBe("testFailed");
    }

    [Fact]
    public async Task A_dynamic_dropdown_whose_helper_turns_a_401_into_an_empty_list_answers_the_vendor_error()
    {
        await using var vendor = await TokenVendor.StartAsync();
        await using var server = await StartWithConnectorAsync(vendor);
        (await server.PostJsonAsync("/api/connections", new { id = "good", connector = "stubco", values = new { token = GoodToken } })).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/connections", new { id = "bad", connector = "stubco", values = new { token = "wrong-token" } })).Status.ShouldBe(201);

        var (ok, items) = await server.PostJsonAsync("/api/connectors/stubco/flows/getProject/fields/project/dropdown", new { connectionId = "good", values = new { } });
        ok.ShouldBe(200, items?.ToJsonString());
        items!["items"]!.ToJsonString().ShouldBe("""[{"key":"p1","value":"Apollo"}]""");

        var (failed, problem) = await server.PostJsonAsync("/api/connectors/stubco/flows/getProject/fields/project/dropdown", new { connectionId = "bad", values = new { } });
        failed.ShouldBe(502, problem?.ToJsonString());
        ((string)problem!["detail"]!).ShouldContain("HTTP 401");
        problem.ToJsonString().ShouldNotContain("wrong-token");
    }

    [Fact]
    public async Task Deauthorizing_disables_an_automation_that_uses_the_connection_only_inside_a_connector_action_node_and_deleting_detaches_it()
    {
        await using var vendor = await TokenVendor.StartAsync();
        await using var server = await StartWithConnectorAsync(vendor);
        (await server.PostJsonAsync("/api/connections", new { id = "good", connector = "stubco", values = new { token = GoodToken } })).Status.ShouldBe(201);
        (await server.SendJsonAsync("POST", "/api/flows?publish=true", FlowUsingCard("uses-card", "getProject", "good"))).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/automations", new { id = "auto1", flowId = "uses-card" })).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/automations/auto1/activate", new { })).Status.ShouldBe(200);

        var usage = await server.GetJsonAsync("/api/connections/good/usage");
        usage["automations"]!.AsArray().Select(a => (string?)a!["id"]).ShouldBe(["auto1"]);
        usage["flows"]!.AsArray().Select(f => (string?)f).ShouldBe(["uses-card"]);

        var (status, body) = await server.PostJsonAsync("/api/connections/good/deauthorize", new { });
        status.ShouldBe(200, body?.ToJsonString());
        body!["disabledAutomations"]!.AsArray().Select(a => (string?)a).ShouldBe(["auto1"]);
        var automation = await server.GetJsonAsync("/api/automations/auto1");
        automation["active"]!.GetValue<bool>().ShouldBeFalse();
        ((string)automation["disabledReason"]!).ShouldBe("connection 'good' was deauthorized");

        // It cannot be switched on again against a deauthorized connection, nor after the connection is gone.
        var (refused, problem) = await server.PostJsonAsync("/api/automations/auto1/activate", new { });
        refused.ShouldBe(422, problem?.ToJsonString());
        ((string)problem!["detail"]!).ShouldContain("connection 'good' is deauthorized");
        (await server.Client.DeleteAsync("/api/connections/good")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        automation = await server.GetJsonAsync("/api/automations/auto1");
        ((string)automation["disabledReason"]!).ShouldContain("connection 'good' was deleted");
        (refused, problem) = await server.PostJsonAsync("/api/automations/auto1/activate", new { });
        refused.ShouldBe(422, problem?.ToJsonString());
        ((string)problem!["detail"]!).ShouldContain("connection 'good' does not exist");
    }

    [Fact]
    public async Task Removing_a_card_disables_the_automations_that_use_it_until_they_are_edited_and_activation_checks_the_card_exists()
    {
        await using var vendor = await TokenVendor.StartAsync();
        await using var server = await StartWithConnectorAsync(vendor);
        (await server.PostJsonAsync("/api/connections", new { id = "good", connector = "stubco", values = new { token = GoodToken } })).Status.ShouldBe(201);
        (await server.SendJsonAsync("POST", "/api/flows?publish=true", FlowUsingCard("uses-card", "getProject", "good"))).Status.ShouldBe(201);
        (await server.SendJsonAsync("POST", "/api/flows?publish=true", FlowUsingCard("uses-other", "customApiAction", "good"))).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/automations", new { id = "auto1", flowId = "uses-card" })).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/automations", new { id = "auto2", flowId = "uses-other" })).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/automations/auto1/activate", new { })).Status.ShouldBe(200);
        (await server.PostJsonAsync("/api/automations/auto2/activate", new { })).Status.ShouldBe(200);

        (await server.Client.DeleteAsync("/api/connectors/stubco/flows/getProject")).IsSuccessStatusCode.ShouldBeTrue();

        var automation = await server.GetJsonAsync("/api/automations/auto1");
        automation["active"]!.GetValue<bool>().ShouldBeFalse();
        ((string)automation["disabledReason"]!).ShouldContain("'stubco/getProject' removed from the connector");
        (await server.GetJsonAsync("/api/automations/auto2"))["active"]!.GetValue<bool>().ShouldBeTrue();
        var (refused, problem) = await server.PostJsonAsync("/api/automations/auto1/activate", new { });
        refused.ShouldBe(422, problem?.ToJsonString());
        ((string)problem!["detail"]!).ShouldContain("connector 'stubco' has no card 'getProject'");
    }

    [Fact]
    public async Task Changing_the_auth_kind_marks_its_connections_as_needing_reauthorization_also_when_their_last_test_failed()
    {
        await using var vendor = await TokenVendor.StartAsync();
        await using var server = await StartWithConnectorAsync(vendor);
        (await server.PostJsonAsync("/api/connections", new { id = "good", connector = "stubco", values = new { token = GoodToken } })).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/connections", new { id = "bad", connector = "stubco", values = new { token = "wrong-token" } })).Status.ShouldBe(201);

        var (changed, body) = await server.SendJsonAsync("PUT", "/api/connectors/stubco/settings", """{ "auth": { "kind": "none" } }""");
        changed.ShouldBe(200, body?.ToJsonString());

        foreach (var id in new[] { "good", "bad" })
        {
            var connection = await server.GetJsonAsync($"/api/connections/{id}");
            ((string?)connection["status"]).ShouldBe("needsReauthorization", id);
            ((string?)connection["health"]).ShouldBe("needsReauthorization", id);
            ((string)connection["statusReason"]!).ShouldContain("authentication changed from apiKey to none");
        }
    }
}
