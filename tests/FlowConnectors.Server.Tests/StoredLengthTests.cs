using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Tests.Shared;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// Values longer than the database keeps, on PostgreSQL: an index entry holds at most 2,704 bytes and Identity's user
/// columns 256 characters. Each was stored on SQLite and refused by PostgreSQL after the work was done — a 500, and for a
/// run, its work done and lost. Each is now a 422 naming where, before anything runs or is stored; at the limit, it is kept.
/// </summary>
public sealed class StoredLengthTests
{
    private const string HookFlow = """
        { "format": 1, "id": "by-ref", "outputs": [ { "name": "ref", "type": "string" } ],
          "nodes": [ { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "orders/in", "methods": ["POST"], "correlationPath": "body.ref" } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "ref", "value": { "js": "nodes.hook.body.ref" } } } ],
          "connections": [ { "from": "hook:done", "to": "out" } ] }
        """;

    [Fact]
    public async Task Values_longer_than_PostgreSQL_keeps_are_refused_naming_where_and_values_at_the_limit_are_kept()
    {
        var database = await TestPostgres.CreateDatabaseAsync("fc_lengths_");
        try
        {
            await using var server = await TestServer.StartAsync(flowsFolder: TestServer.Temp("empty-flows"), configure: o =>
            {
                o.Database = "postgres";
                o.ConnectionString = database;
            });
            (await server.SendJsonAsync("PUT", "/api/flows/by-ref?publish=true", HookFlow)).Status.ShouldBe(201);

            // Correlation ids: 500 characters of three UTF-8 bytes each (1,500 bytes) are kept and found again; 501 are refused.
            var atLimit = new string('語', 500);
            var (status, body) = await server.SendJsonAsync("POST", "/hooks/orders/in", Json(new JsonObject { ["ref"] = atLimit }));
            status.ShouldBe(200, body?.ToJsonString());
            (await server.GetJsonAsync($"/api/instances?correlationId={Uri.EscapeDataString(atLimit)}")).AsArray().Count.ShouldBe(1);
            await RefusedAsync(server, "POST", "/hooks/orders/in", Json(new JsonObject { ["ref"] = atLimit + "x" }), "$.ref",
                "is 501 characters long; a correlation id may be at most 500");
            await RefusedAsync(server, "POST", "/api/flows/by-ref/run", Json(new JsonObject { ["correlationId"] = new string('r', 501) }), "$.correlationId",
                "must be at most 500 characters (a correlation id)");
            await RefusedAsync(server, "POST", "/api/events", Json(new JsonObject { ["event"] = "e", ["correlationId"] = new string('r', 501) }), "$.correlationId",
                "must be at most 500 characters (a correlation id)");
            (await server.GetJsonAsync("/api/instances?flowId=by-ref")).AsArray().Count.ShouldBe(1);

            // Flow and node ids: 200 characters are kept, 201 refused — as a flow, as a trigger node's id (a trigger is keyed
            // by flow and node id), and as a draft (kept even with errors, but keyed by its id).
            var longId = "f" + new string('x', 199);
            (await server.SendJsonAsync("POST", "/api/flows?publish=true", MinimalFlow(longId, "hook"))).Status.ShouldBe(201);
            await RefusedAsync(server, "POST", "/api/flows?publish=true", MinimalFlow(longId + "x", "hook"), "$.id",
                "flow id 'fxxxxxxxxxxxxxxxxxxx…' is 201 characters long; an id may be at most 200");
            await RefusedAsync(server, "POST", "/api/flows?publish=true", MinimalFlow("long-node", "n" + new string('x', 200)), "$.nodes[0].id",
                "node id 'nxxxxxxxxxxxxxxxxxxx…' is 201 characters long; an id may be at most 200");
            await RefusedAsync(server, "PUT", $"/api/flows/{longId}x/draft", $$"""{ "flow": {{MinimalFlow(longId + "x", "hook")}} }""", "$.flow.id",
                "at most 200 characters");

            // Automation ids, and the user name and email columns.
            await RefusedAsync(server, "POST", "/api/automations", Json(new JsonObject { ["id"] = new string('a', 101), ["flowId"] = "by-ref" }), "$.id",
                "may hold only letters, digits, '_', '-' and '.' (1 to 100 of them)");
            (await server.SendJsonAsync("POST", "/api/automations", Json(new JsonObject { ["id"] = new string('a', 100), ["flowId"] = "by-ref" }))).Status.ShouldBe(201);
            await RefusedAsync(server, "POST", "/api/users", Json(new JsonObject { ["userName"] = new string('u', 257), ["password"] = "a long enough password", ["roles"] = Viewer() }),
                "$.userName", "the user name is 257 characters long; it may be at most 256");
            await RefusedAsync(server, "POST", "/api/users",
                Json(new JsonObject { ["userName"] = "ada", ["email"] = new string('e', 252) + "@x.io", ["password"] = "a long enough password", ["roles"] = Viewer() }),
                "$.email", "the email is 257 characters long; it may be at most 256");
            (await server.SendJsonAsync("POST", "/api/users", Json(new JsonObject { ["userName"] = new string('u', 256), ["email"] = new string('e', 250) + "@x.io",
                ["password"] = "a long enough password", ["roles"] = Viewer() }))).Status.ShouldBe(201);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
        }
    }

    private static string MinimalFlow(string id, string nodeId) => $$"""
        { "format": 1, "id": "{{id}}",
          "nodes": [ { "id": "{{nodeId}}", "type": "Http.Endpoint", "inputs": { "path": "{{id[..Math.Min(id.Length, 40)]}}/in", "methods": ["POST"] } } ],
          "connections": [] }
        """;

    private static string Json(JsonObject body) => body.ToJsonString();

    private static JsonArray Viewer() => ["viewer"];

    private static async Task RefusedAsync(TestServer server, string method, string path, string body, string where, string says)
    {
        var (status, problem) = await server.SendJsonAsync(method, path, body);
        status.ShouldBe(422, problem?.ToJsonString());
        var error = problem!["errors"]!.AsArray().First(e => (string?)e!["path"] == where).ShouldNotBeNull();
        ((string?)error["message"] ?? "").ShouldContain(says, Case.Sensitive, problem.ToJsonString());
    }
}
