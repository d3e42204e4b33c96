using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// The server side of connector cards on the canvas: test runs of a card as drawn (unsaved) inside its connector with a
/// connection, test steps, the input-in-use check before a card change is saved, and the connector's icon on its cards.
/// </summary>
public sealed class CardCanvasApiTests(AuthoringFixture fixture) : IClassFixture<AuthoringFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<(int Status, JsonNode? Body, string Text)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), text);
    }

    private async Task CreateConnectorAsync(string key)
    {
        var (status, body, _) = await SendAsync(HttpMethod.Post, "/api/connectors", $$"""
            { "key": "{{key}}", "name": "Canvas {{key}}", "baseUrl": "{{fixture.VendorUrl}}", "authPingPath": "/me",
              "auth": { "kind": "apiKey", "parameter": "token", "tokenType": "Bearer" } }
            """);
        status.ShouldBe(201, body?.ToJsonString());
    }

    private async Task<string> ConnectionAsync(string key, string token)
    {
        var (_, connection) = await Server.PostJsonAsync("/api/connections", new { connector = key, name = $"{key}-{token.Length}", values = new { token } });
        return (string)connection!["id"]!;
    }

    private async Task PutFlowAsync(string key, string flowId, string json, int expected = 200)
    {
        var (status, body, _) = await SendAsync(HttpMethod.Put, $"/api/connectors/{key}/flows/{flowId}", json);
        status.ShouldBeOneOf([expected, 201], body?.ToJsonString());
    }

    private const string WhoAmI = """
        { "format": 1, "id": "whoAmI", "outputs": [ { "name": "login", "type": "string" } ],
          "nodes": [
            { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": { "relative_url": "/me" } } },
            { "id": "done", "type": "Return", "inputs": { "outputs": { "login": { "js": "nodes.call.outputs.body.login" } } } } ],
          "connections": [ { "from": "call:done", "to": "done" } ], "card": { "kind": "action", "label": "Who am I" } }
        """;

    [Fact]
    public async Task A_card_as_drawn_runs_inside_its_connector_with_a_connection_without_being_saved_and_no_secret_comes_back()
    {
        await CreateConnectorAsync("canvas-run");
        var good = await ConnectionAsync("canvas-run", AuthoringFixture.GoodToken);

        var (status, result, text) = await SendAsync(HttpMethod.Post, "/api/connectors/canvas-run/flows/whoAmI/test",
            $$"""{ "flow": {{WhoAmI}}, "connectionId": "{{good}}", "inputs": {} }""");
        status.ShouldBe(200, text);
        ((string)result!["status"]!).ShouldBe("finished", text);
        ((string)result["outputs"]!["login"]!).ShouldBe("ada");
        var journal = result["journal"]!.AsArray();
        journal.Select(e => (string)e!["nodeId"]!).ShouldContain("call");
        journal.Select(e => (string)e!["nodeId"]!).ShouldContain("done");
        text.ShouldNotContain(AuthoringFixture.GoodToken);
        // Nothing was installed: the connector has no flow whoAmI.
        var (_, source, _) = await SendAsync(HttpMethod.Get, "/api/connectors/canvas-run/source");
        source!["flows"]!.AsArray().Select(f => (string)f!["id"]!).ShouldNotContain("whoAmI");

        // A pinned node stands in for itself: the vendor is not asked.
        var (_, pinned, pinnedText) = await SendAsync(HttpMethod.Post, "/api/connectors/canvas-run/flows/whoAmI/test",
            $$"""{ "flow": {{WhoAmI}}, "connectionId": "{{good}}", "pins": { "call": { "outputs": { "outputs": { "body": { "login": "pinned" } } }, "outcome": "done" } } }""");
        ((string)pinned!["outputs"]!["login"]!).ShouldBe("pinned", pinnedText);

        // A test step runs one node alone, here the request through httpHelper with the connection.
        var (stepStatus, step, stepText) = await SendAsync(HttpMethod.Post, "/api/connectors/canvas-run/flows/whoAmI/test-step",
            $$"""{ "flow": {{WhoAmI}}, "nodeId": "call", "connectionId": "{{good}}", "upstream": {} }""");
        stepStatus.ShouldBe(200, stepText);
        ((string)step!["outcome"]!).ShouldBe("done", stepText);
        ((string)step["outputs"]!["outputs"]!["body"]!["login"]!).ShouldBe("ada", stepText);
        stepText.ShouldNotContain(AuthoringFixture.GoodToken);

        // A wrong token is the vendor's 401, faulting the card's step, with the reason.
        var bad = await ConnectionAsync("canvas-run", "wrong-token-123");
        var (_, faulted, faultedText) = await SendAsync(HttpMethod.Post, "/api/connectors/canvas-run/flows/whoAmI/test",
            $$"""{ "flow": {{WhoAmI}}, "connectionId": "{{bad}}" }""");
        ((string)faulted!["status"]!).ShouldBe("finished", faultedText);
        faultedText.ShouldNotContain("wrong-token-123");
    }

    [Fact]
    public async Task Bad_test_requests_are_client_mistakes_naming_the_field()
    {
        await CreateConnectorAsync("canvas-bad");
        (await SendAsync(HttpMethod.Post, "/api/connectors/nope/flows/whoAmI/test", $$"""{ "flow": {{WhoAmI}} }""")).Status.ShouldBe(404);
        var (status, body, _) = await SendAsync(HttpMethod.Post, "/api/connectors/canvas-bad/flows/whoAmI/test", """{ "inputs": {} }""");
        status.ShouldBe(422);
        ((string)body!["errors"]![0]!["path"]!).ShouldBe("$.flow");
        (status, body, _) = await SendAsync(HttpMethod.Post, "/api/connectors/canvas-bad/flows/other/test", $$"""{ "flow": {{WhoAmI}} }""");
        status.ShouldBe(422);
        ((string)body!["errors"]![0]!["path"]!).ShouldBe("$.flow.id");
        (status, body, _) = await SendAsync(HttpMethod.Post, "/api/connectors/canvas-bad/flows/whoAmI/test", $$"""{ "flow": {{WhoAmI}}, "connectionId": "no-such-connection" }""");
        status.ShouldBe(422, body?.ToJsonString());
        ((string)body!["errors"]![0]!["path"]!).ShouldBe("$.connectionId");
        (status, body, _) = await SendAsync(HttpMethod.Post, "/api/connectors/canvas-bad/flows/whoAmI/test-step", $$"""{ "flow": {{WhoAmI}}, "nodeId": "ghost" }""");
        status.ShouldBe(422);
        ((string)body!["errors"]![0]!["path"]!).ShouldBe("$.nodeId");
    }

    private const string GetIssue = """
        { "inputs": [ { "name": "issue", "type": "string", "required": true }, { "name": "expand", "type": "boolean" }, { "name": "unused", "type": "string" } ],
          "outputs": [ { "name": "id", "type": "string" } ],
          "nodes": [ { "id": "done", "type": "Return", "inputs": { "outputs": { "id": { "js": "input.issue" } } } } ],
          "connections": [], "card": { "kind": "action", "label": "Get Issue" } }
        """;

    [Fact]
    public async Task Removing_or_retyping_a_card_input_that_flows_set_is_refused_with_a_stable_code_naming_them_until_confirmed()
    {
        await CreateConnectorAsync("canvas-use");
        var connection = await ConnectionAsync("canvas-use", AuthoringFixture.GoodToken);
        await PutFlowAsync("canvas-use", "getIssue", GetIssue, 201);
        // A stored flow runs the card, and a flow of the connector calls it.
        var (saved, savedBody, _) = await SendAsync(HttpMethod.Put, "/api/flows/uses-issue", $$"""
            { "format": 1, "id": "uses-issue", "nodes": [
              { "id": "fetch", "type": "Connector.Action", "inputs": { "connector": "canvas-use", "action": "getIssue", "connection": "{{connection}}", "inputs": { "issue": "I-1", "expand": true } } } ],
              "connections": [] }
            """);
        saved.ShouldBe(201, savedBody?.ToJsonString());
        await PutFlowAsync("canvas-use", "wrapper", """
            { "nodes": [ { "id": "inner", "type": "CallFlow", "inputs": { "flowId": "getIssue", "inputs": { "issue": { "js": "'I-2'" } } } } ],
              "connections": [], "card": { "kind": "helper" } }
            """, 201);

        // Removing 'issue' breaks both.
        var removed = GetIssue.Replace("""{ "name": "issue", "type": "string", "required": true }, """, "", StringComparison.Ordinal);
        var (status, problem, text) = await SendAsync(HttpMethod.Put, "/api/connectors/canvas-use/flows/getIssue", removed);
        status.ShouldBe(409, text);
        var errors = problem!["errors"]!.AsArray();
        errors.Select(e => (string)e!["code"]!).Distinct().ShouldBe(["CARD_INPUT_IN_USE"]);
        var stored = errors.Single(e => (string)e!["flowId"]! == "uses-issue")!;
        ((string)stored["nodeId"]!).ShouldBe("fetch");
        ((string)stored["path"]!).ShouldBe("$.nodes[0].inputs.inputs.issue");
        ((string)stored["where"]!).ShouldBe("version 1");
        var inConnector = errors.Single(e => (string)e!["flowId"]! == "wrapper")!;
        ((string)inConnector["file"]!).ShouldBe("flows/wrapper.flow.json");
        ((string)inConnector["nodeId"]!).ShouldBe("inner");
        // Nothing changed.
        var (_, source, _) = await SendAsync(HttpMethod.Get, "/api/connectors/canvas-use/source");
        Inputs(source!).ShouldBe(["issue", "expand", "unused"]);

        // Retyping 'expand' (boolean → string), which the stored flow sets, has its own code.
        var retyped = GetIssue.Replace("""{ "name": "expand", "type": "boolean" }""", """{ "name": "expand", "type": "string" }""", StringComparison.Ordinal);
        (status, problem, text) = await SendAsync(HttpMethod.Put, "/api/connectors/canvas-use/flows/getIssue", retyped);
        status.ShouldBe(409, text);
        var retypedError = problem!["errors"]!.AsArray().Single()!;
        ((string)retypedError["code"]!).ShouldBe("CARD_INPUT_RETYPED");
        ((string)retypedError["message"]!).ShouldContain("from boolean to string");

        // An input no flow sets goes without a question.
        var withoutUnused = GetIssue.Replace(""", { "name": "unused", "type": "string" }""", "", StringComparison.Ordinal);
        await PutFlowAsync("canvas-use", "getIssue", withoutUnused);

        // Confirmed, the change is saved.
        (status, _, text) = await SendAsync(HttpMethod.Put, "/api/connectors/canvas-use/flows/getIssue?confirm=true",
            withoutUnused.Replace("""{ "name": "issue", "type": "string", "required": true }, """, "", StringComparison.Ordinal).Replace("input.issue", "'x'", StringComparison.Ordinal));
        status.ShouldBe(200, text);
        (_, source, _) = await SendAsync(HttpMethod.Get, "/api/connectors/canvas-use/source");
        Inputs(source!).ShouldBe(["expand"]);
    }

    [Fact]
    public async Task Cards_carry_their_connectors_icon_as_a_data_url_and_its_accent_colour()
    {
        var (_, cards, _) = await SendAsync(HttpMethod.Get, "/api/connector-cards");
        var github = cards!.AsArray().First(c => (string)c!["connector"]! == "github")!;
        ((string)github["iconUrl"]!).ShouldStartWith("data:image/svg+xml;base64,");
        ((string)github["accentColor"]!).ShouldBe("#24292F");
        var svg = Encoding.UTF8.GetString(Convert.FromBase64String(((string)github["iconUrl"]!)["data:image/svg+xml;base64,".Length..]));
        svg.ShouldStartWith("<svg");

        // A connector whose manifest names no icon has none.
        await CreateConnectorAsync("canvas-plain");
        var (_, again, _) = await SendAsync(HttpMethod.Get, "/api/connector-cards");
        again!.AsArray().First(c => (string)c!["connector"]! == "canvas-plain")!["iconUrl"].ShouldBeNull();
    }

    private static List<string> Inputs(JsonNode source) =>
        source["flows"]!.AsArray().Single(f => (string)f!["id"]! == "getIssue")!["inputs"]!.AsArray().Select(i => (string)i!["name"]!).ToList();
}
