using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Testing;
using Microsoft.AspNetCore.Http;

namespace FlowConnectors.Connectors.Tests;

/// <summary>Offline fixtures: replayed against a stub, differences reported readably, recorded without secrets.</summary>
public sealed class FixtureTests
{
    public static TheoryData<string> SampleConnectors() => new(Repo.SampleConnectors());

    [Theory]
    [MemberData(nameof(SampleConnectors))]
    public async Task Every_fixture_of_the_sample_connector_replays_green(string key)
    {
        var package = Repo.LoadSample(key);

        var reports = await FixtureRunner.RunAllAsync(package);

        reports.Count.ShouldBe(package.FixtureFiles.Count);
        reports.ShouldNotBeEmpty();
        reports.Where(r => !r.Passed).Select(r => $"{r.File}: {string.Join(" | ", r.Differences)}").ShouldBeEmpty();
    }

    private const string CreateItem = """
    {
      "format": 1, "id": "createItem",
      "inputs": [ { "name": "name", "type": "string", "required": true } ],
      "outputs": [ { "name": "id", "type": "integer" }, { "name": "name", "type": "string" } ],
      "nodes": [
        { "id": "create", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": {
            "relative_url": "/items", "request_method": "POST", "body": { "name": { "js": "input.name" } } } } },
        { "id": "get", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": {
            "relative_url": { "js": "'/items/' + nodes.create.outputs.body.id" } } } },
        { "id": "done", "type": "Return", "inputs": { "outputs": {
            "id": { "js": "nodes.get.outputs.body.id" }, "name": { "js": "nodes.get.outputs.body.name" } } } }
      ],
      "connections": [ { "from": "create:done", "to": "get" }, { "from": "get:done", "to": "done" } ],
      "card": { "kind": "action", "label": "Create item" }
    }
    """;

    private const string PostExchange = """
    { "request": { "method": "POST", "path": "/items", "query": {}, "headers": { "content-type": "application/json; charset=utf-8" }, "body": { "name": "Ada" } },
      "response": { "status": 201, "headers": { "content-type": "application/json" }, "body": { "id": 42 } } }
    """;

    private const string GetExchange = """
    { "request": { "method": "GET", "path": "/items/42", "query": {} },
      "response": { "status": 200, "headers": { "content-type": "application/json" }, "body": { "id": 42, "name": "Ada" } } }
    """;

    private const string DeleteExchange = """
    { "request": { "method": "DELETE", "path": "/items/42", "query": {} }, "response": { "status": 204 } }
    """;

    private static string ItemFixture(string exchanges, string outcome = """ "outputs": { "id": 42, "name": "Ada" } """) => $$"""
    {
      "description": "creates an item",
      "flow": "createItem",
      "connection": { "token": "fixture-token" },
      "inputs": { "name": "Ada" },
      "exchanges": [ {{exchanges}} ],
      {{outcome}}
    }
    """;

    private static ConnectorFolder ItemConnector() =>
        TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""", TestFlows.TokenParameter).Flow(CreateItem);

    private static async Task<FixtureReport> ReplayAsync(string fixture)
    {
        using var folder = ItemConnector();
        var file = folder.Fixture("createItem", fixture);
        return await FixtureRunner.RunAsync(folder.Load(), file);
    }

    [Fact]
    public async Task A_matching_fixture_passes()
    {
        var report = await ReplayAsync(ItemFixture($"{PostExchange}, {GetExchange}"));

        report.Differences.ShouldBeEmpty();
        report.File.ShouldBe("tests/createItem.json");
        report.Description.ShouldBe("creates an item");
    }

    [Fact]
    public async Task A_changed_request_body_value_is_reported_with_its_path()
    {
        var report = await ReplayAsync(ItemFixture($"{PostExchange.Replace("\"name\": \"Ada\"", "\"name\": \"Bob\"")}, {GetExchange}"));

        report.Differences.ShouldBe(["request 1 (POST /items): body.name: expected \"Bob\" but was \"Ada\""]);
    }

    [Fact]
    public async Task A_request_the_flow_never_sent_is_reported()
    {
        var report = await ReplayAsync(ItemFixture($"{PostExchange}, {GetExchange}, {DeleteExchange}"));

        report.Differences.ShouldBe(["request 3: expected DELETE /items/42 but it was never sent"]);
    }

    [Fact]
    public async Task A_request_the_fixture_does_not_hold_is_reported()
    {
        var report = await ReplayAsync(ItemFixture(PostExchange));

        report.Differences.ShouldContain("request 2: unexpected GET /items/42");
        report.Passed.ShouldBeFalse();
    }

    [Fact]
    public async Task A_wrong_output_is_reported_with_expected_and_actual_values()
    {
        var report = await ReplayAsync(ItemFixture($"{PostExchange}, {GetExchange}", """ "outputs": { "id": 42, "name": "Bob", "extra": true } """));

        report.Differences.ShouldBe(["outputs.name: expected \"Bob\" but was \"Ada\"", "outputs.extra: expected true but it is missing"]);
    }

    [Fact]
    public async Task An_expected_fault_that_does_not_happen_is_reported()
    {
        var report = await ReplayAsync(ItemFixture($"{PostExchange}, {GetExchange}", """ "fault": "item not found" """));

        report.Differences.ShouldBe(["status: expected faulted but was finished"]);
    }

    [Fact]
    public async Task A_fixture_holding_credentials_is_refused()
    {
        var report = await ReplayAsync(ItemFixture(GetExchange.Replace("\"query\": {}", "\"query\": {}, \"headers\": { \"Authorization\": \"Bearer real\" }")));

        report.Differences.ShouldHaveSingleItem().ShouldContain("fixtures must not hold credentials");
    }

    // --- recording ------------------------------------------------------------------------

    private const string GetUser = """
    {
      "format": 1, "id": "getUser",
      "inputs": [ { "name": "id", "type": "string", "required": true } ],
      "outputs": [ { "name": "name", "type": "string" }, { "name": "seen", "type": "object" } ],
      "nodes": [
        { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": {
            "relative_url": { "js": "'/users/' + input.id" }, "query": { "fields": "name" } } } },
        { "id": "done", "type": "Return", "inputs": { "outputs": {
            "name": { "js": "nodes.call.outputs.body.name" }, "seen": { "js": "nodes.call.outputs.body.seen" } } } }
      ],
      "connections": [ { "from": "call:done", "to": "done" } ],
      "card": { "kind": "action", "label": "Get user" }
    }
    """;

    /// <summary>A fixture with no exchanges yet, and fake connection values for each live one.</summary>
    private static string EmptyFixture(IEnumerable<string> parameters) => new JsonObject
    {
        ["description"] = "reads a user",
        ["flow"] = "getUser",
        ["connection"] = new JsonObject(parameters.Select(p => KeyValuePair.Create(p, (JsonNode?)JsonValue.Create("fixture-" + p)))),
        ["inputs"] = new JsonObject { ["id"] = "7" },
        ["exchanges"] = new JsonArray(),
        ["outputs"] = new JsonObject(),
    }.ToJsonString();

    /// <summary>A "live" API that echoes what it was sent, credentials included, like httpbin does.</summary>
    private static Task LiveApi(HttpContext context, StubRequest request) => Respond.Json(context, 200, new JsonObject
    {
        ["id"] = 7,
        ["name"] = "Ada Lovelace",
        ["seen"] = new JsonObject
        {
            ["authorization"] = request.Header("Authorization"),
            ["apiKey"] = request.Header("X-Api-Key"),
        },
    }.ToJsonString());

    public static TheoryData<string, string, string[]> RecordedAuthKinds() => new()
    {
        {
            """{ "kind": "apiKey", "parameter": "token", "name": "X-Api-Key", "tokenType": "" }""",
            """[ { "name": "token", "label": "Token", "type": "password", "required": true } ]""",
            ["token=live-secret-token-123"]
        },
        {
            """{ "kind": "basic", "usernameParameter": "username", "passwordParameter": "password" }""",
            """
            [ { "name": "tenant", "label": "Tenant", "type": "text", "required": true },
              { "name": "username", "label": "User", "type": "text", "required": true },
              { "name": "password", "label": "Password", "type": "password", "required": true } ]
            """,
            ["tenant=acme", "username=live-user", "password=live-secret-password-456"]
        },
    };

    [Theory]
    [MemberData(nameof(RecordedAuthKinds))]
    public async Task Recording_writes_the_exchanges_without_credentials_and_the_recording_replays_green(string auth, string parameters, string[] live)
    {
        using var folder = TestFlows.Connector(auth, parameters).Flow(GetUser);
        var liveConnection = live.Select(v => v.Split('=', 2)).ToDictionary(v => v[0], v => v[1]);
        var file = folder.Fixture("getUser", EmptyFixture(liveConnection.Keys));
        var package = folder.Load();
        await using var stub = await StubServer.StartAsync(LiveApi);

        var report = await FixtureRecorder.RecordAsync(package, file, liveConnection, rewriteUrl: stub.Rewrite);

        report.Passed.ShouldBeTrue(string.Join("; ", report.Differences));
        var request = stub.Requests.ShouldHaveSingleItem();
        (request.Header("Authorization") ?? request.Header("X-Api-Key")).ShouldNotBeNull();
        var text = await File.ReadAllTextAsync(file);
        text.ShouldNotContain("authorization\": \"Basic", Case.Insensitive);
        foreach (var header in new[] { request.Header("Authorization"), request.Header("X-Api-Key") }.OfType<string>())
            text.ShouldNotContain(header.Split(' ').Last());
        foreach (var secret in liveConnection.Where(p => p.Key is "token" or "password").Select(p => p.Value))
            text.ShouldNotContain(secret);
        var recorded = JsonNode.Parse(text)!;
        var exchange = recorded["exchanges"]!.AsArray().ShouldHaveSingleItem()!;
        exchange["request"]!["path"].Text().ShouldBe("/users/7");
        exchange["request"]!["query"]!.ToJsonString().ShouldBe("""{"fields":"name"}""");
        exchange["request"]!["headers"]!.AsObject().ShouldNotContain(h => h.Key.Equals("authorization", StringComparison.OrdinalIgnoreCase));
        recorded["outputs"]!["name"].Text().ShouldBe("Ada Lovelace");

        (await FixtureRunner.RunAsync(package, file)).Differences.ShouldBeEmpty();
    }
}
