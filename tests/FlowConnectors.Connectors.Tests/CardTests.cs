using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Manifest;

namespace FlowConnectors.Connectors.Tests;

/// <summary>Dynamic dropdowns, and deploy validation of a connector folder.</summary>
public sealed class CardTests
{
    private const string PostMessage = """
    {
      "format": 1, "id": "postMessage",
      "inputs": [
        { "name": "channel", "type": "string", "required": true },
        { "name": "thread", "type": "string" },
        { "name": "text", "type": "string", "required": true } ],
      "outputs": [ { "name": "ok", "type": "boolean" } ],
      "nodes": [ { "id": "done", "type": "Return", "inputs": { "outputs": { "ok": true } } } ],
      "connections": [],
      "card": { "kind": "action", "label": "Post Message",
        "fields": {
          "channel": { "dropdown": { "flow": "listChannels", "dependsOn": [] } },
          "thread": { "dropdown": { "flow": "listThreads", "dependsOn": [ "channel" ] } } } }
    }
    """;

    private static string ListFlow(string id, string inputs, string url, string query) => $$"""
    {
      "format": 1, "id": "{{id}}",
      "inputs": {{inputs}},
      "outputs": [ { "name": "items", "type": "array<object>" } ],
      "nodes": [
        { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": { "relative_url": "{{url}}", "query": {{query}} } } },
        { "id": "done", "type": "Return", "inputs": { "outputs": {
            "items": { "js": "nodes.call.outputs.body.results.map(r => ({ key: r.id, value: r.name }))" } } } }
      ],
      "connections": [ { "from": "call:done", "to": "done" } ],
      "card": { "kind": "helper", "label": "{{id}}" }
    }
    """;

    [Fact]
    public async Task Dropdowns_return_the_helper_flow_items_and_pass_the_values_they_depend_on()
    {
        using var folder = TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""", TestFlows.TokenParameter)
            .Flow(PostMessage)
            .Flow(ListFlow("listChannels", "[]", "/channels", "{}"))
            .Flow(ListFlow("listThreads", """[ { "name": "channel", "type": "string", "required": true } ]""", "/threads",
                """{ "channel": { "js": "input.channel" } }"""));
        await using var h = await Harness.StartAsync(folder.Load(), (c, r) => r.Path == "/channels"
            ? Respond.Json(c, 200, """{ "results": [ { "id": "C1", "name": "general" }, { "id": "C2", "name": "random" } ] }""")
            : Respond.Json(c, 200, $$"""{ "results": [ { "id": "T-{{r.Query("channel")}}", "name": "first thread" } ] }"""));
        await h.ConnectAsync(("token", "tok-123456"));

        var channels = await h.Runtime.Actions.LoadDropdownAsync(h.Key, "postMessage", "channel", "conn1", []);
        var threads = await h.Runtime.Actions.LoadDropdownAsync(h.Key, "postMessage", "thread", "conn1",
            new JsonObject { ["channel"] = "C2", ["text"] = "not a dependency" });

        channels.ToJsonString().ShouldBe("""[{"key":"C1","value":"general"},{"key":"C2","value":"random"}]""");
        threads.ToJsonString().ShouldBe("""[{"key":"T-C2","value":"first thread"}]""");
        h.Stub.Requests.Select(r => r.ToString()).ShouldBe(["GET /channels", "GET /threads?channel=C2"]);
        h.Stub.Requests.ShouldAllBe(r => r.Header("Authorization") == "Bearer tok-123456");
    }

    [Fact]
    public async Task A_field_without_a_dynamic_dropdown_is_refused()
    {
        using var folder = TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""", TestFlows.TokenParameter)
            .Flow(PostMessage).Flow(ListFlow("listChannels", "[]", "/channels", "{}"))
            .Flow(ListFlow("listThreads", """[ { "name": "channel", "type": "string" } ]""", "/threads", "{}"));
        await using var h = await Harness.StartAsync(folder.Load(), (c, _) => Respond.Json(c, 200, "{}"));
        await h.ConnectAsync(("token", "tok-123456"));

        var error = await Should.ThrowAsync<Runtime.ConnectorException>(() => h.Runtime.Actions.LoadDropdownAsync(h.Key, "postMessage", "text", "conn1", []));

        error.Message.ShouldBe("field 'text' of 'postMessage' has no dynamic dropdown");
        h.Stub.Hits.ShouldBe(0);
    }

    // --- deploy validation ------------------------------------------------------------------

    private const string BrokenManifest = """
    {
      "key": "Bad Key!",
      "name": "Broken",
      "version": "1.0",
      "accentColor": "blue",
      "documentationUrl": "ftp://docs.example.com/api",
      "supportEmail": "not-an-address",
      "homepage": "https://example.com",
      "baseUrl": "https://api.example.com",
      "auth": { "kind": "basic", "usernameParameter": "user", "passwordParameter": "pass" },
      "connectionParameters": [
        { "name": "user", "label": "User", "type": "text", "required": true },
        { "name": "pass", "label": "Password", "type": "text", "required": true } ]
    }
    """;

    private static string Flow(string id, string body = """ "nodes": [ { "id": "done", "type": "Return" } ], "connections": [] """) =>
        $$"""{ "format": 1, "id": "{{id}}", {{body}} }""";

    [Fact]
    public void A_broken_connector_reports_every_problem_with_file_path_and_code_at_once()
    {
        using var folder = new ConnectorFolder().Manifest(BrokenManifest)
            // httpHelper without its standard inputs
            .Flow(Flow("httpHelper", """
                "inputs": [ { "name": "url", "type": "string", "required": true } ],
                "outputs": [ { "name": "status_code", "type": "integer" }, { "name": "headers", "type": "object" }, { "name": "body", "type": "any" } ],
                "nodes": [ { "id": "done", "type": "Return", "inputs": { "outputs": { "status_code": 200, "headers": {}, "body": null } } } ], "connections": []
                """))
            .Flow(Flow("_authping", """ "inputs": [ { "name": "who", "type": "string" } ], "nodes": [ { "id": "done", "type": "Return" } ], "connections": [] """))
            .Flow(Flow("_revoke"))
            .Flow("bad name", Flow("bad name"))
            .Flow(Flow("_secret"))
            .Flow("listUsers", Flow("listPeople"))
            .Flow(Flow("withCardProblems", """
                "inputs": [ { "name": "channel", "type": "string" } ],
                "nodes": [ { "id": "done", "type": "Return" } ], "connections": [],
                "card": { "kind": "action", "label": "Card", "options": [ "nope" ], "colour": "red",
                          "fields": { "channel": { "dropdown": { "flow": "missingHelper", "dependsOn": [] } } } }
                """))
            .Flow(Flow("wrongKind", """ "nodes": [ { "id": "done", "type": "Return" } ], "connections": [], "card": { "kind": "trigger" } """))
            .Flow(Flow("badScript", """
                "outputs": [ { "name": "x", "type": "any" } ],
                "nodes": [ { "id": "compute", "type": "SetOutput", "inputs": { "name": "x", "value": { "js": "input.a +* 2" } } } ],
                "connections": [], "card": { "kind": "action", "label": "Bad script" }
                """))
            .Flow(Flow("callsNothing", """
                "nodes": [ { "id": "call", "type": "CallFlow", "inputs": { "flowId": "doesNotExist" } } ], "connections": []
                """));

        var (package, problems) = folder.TryLoad();

        package.ShouldBeNull();
        var found = problems.Select(p => (p.File, p.Path, p.Code)).ToList();
        (string, string, string)[] expected =
        [
            ("connector.json", "$.key", "MANIFEST_INVALID_KEY"),
            ("connector.json", "$.version", "MANIFEST_INVALID_VERSION"),
            ("connector.json", "$.documentationUrl", "MANIFEST_INVALID_URL"),
            ("connector.json", "$.supportEmail", "MANIFEST_INVALID_EMAIL"),
            ("connector.json", "$.accentColor", "MANIFEST_INVALID_COLOR"),
            ("connector.json", "$.homepage", "MANIFEST_UNKNOWN_FIELD"),
            ("connector.json", "$.auth.passwordParameter", "MANIFEST_AUTH_PARAMETER"),
            ("flows/httpHelper.flow.json", "$.inputs", "HTTPHELPER_SIGNATURE"),
            ("flows/_authping.flow.json", "$.inputs", "AUTHPING_SIGNATURE"),
            ("flows/_revoke.flow.json", "$", "REVOKE_NOT_TOKEN_AUTH"),
            ("flows/bad name.flow.json", "$.id", "FLOW_INVALID_NAME"),
            ("flows/_secret.flow.json", "$.id", "FLOW_RESERVED_NAME"),
            ("flows/listUsers.flow.json", "$.id", "FLOW_ID_MISMATCH"),
            ("flows/withCardProblems.flow.json", "$.card.options[0]", "CARD_UNKNOWN_FIELD"),
            ("flows/withCardProblems.flow.json", "$.card.colour", "CARD_UNKNOWN_FIELD"),
            ("flows/withCardProblems.flow.json", "$.card.fields.channel.dropdown.flow", "CARD_UNKNOWN_FLOW"),
            ("flows/wrongKind.flow.json", "$.card.kind", "CARD_INVALID_KIND"),
            ("flows/callsNothing.flow.json", "$.nodes[0].inputs.flowId", "FLOW_UNKNOWN_CALL"),
        ];
        foreach (var problem in expected) found.ShouldContain(problem);

        var script = problems.Where(p => p.Code == "FLOW_INVALID" && p.File == "flows/badScript.flow.json").ShouldHaveSingleItem();
        script.Path.ShouldContain("nodes[0]");
        script.Message.ShouldStartWith("JS_SYNTAX: ");
        problems.ShouldAllBe(p => p.IsError);
        problems.First(p => p.Code == "MANIFEST_INVALID_VERSION").ToString()
            .ShouldBe("connector.json: $.version: MANIFEST_INVALID_VERSION: version '1.0' is not a semantic version (e.g. 1.2.3)");
    }

    [Fact]
    public void A_connector_without_standard_flows_reports_each_missing_one()
    {
        using var folder = new ConnectorFolder()
            .Manifest(TestFlows.Manifest("""{ "kind": "apiKey", "parameter": "token" }""", TestFlows.TokenParameter))
            .Flow(TestFlows.CustomApiAction.Replace("httpHelper", "otherHelper"))
            .Flow(Flow("otherHelper"));

        var (package, problems) = folder.TryLoad();

        package.ShouldBeNull();
        problems.Select(p => (p.File, p.Code)).ShouldBe([("flows/", "HTTPHELPER_MISSING"), ("flows/", "AUTHPING_MISSING")], ignoreOrder: true);
    }

    [Theory]
    [InlineData("export")]
    [InlineData("installed")]
    [InlineData("packages")]
    public void A_key_that_names_a_catalog_route_is_refused(string key)
    {
        using var folder = TestFlows.Connector("""{ "kind": "none" }""");
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "connector.json")))!;
        manifest["key"] = key;
        folder.Manifest(manifest.ToJsonString());

        var problem = folder.TryLoad().Problems.ShouldHaveSingleItem();

        (problem.File, problem.Path, problem.Code).ShouldBe(("connector.json", "$.key", "MANIFEST_RESERVED_KEY"));
        problem.Message.ShouldBe($"key '{key}' is reserved: it names a route of the server's catalog (export, installed, packages); choose another");
    }

    [Fact]
    public void A_card_flow_calling_a_helper_that_is_not_there_is_reported()
    {
        using var folder = TestFlows.Connector("""{ "kind": "none" }""").Flow(Flow("usesMissing", """
            "nodes": [ { "id": "call", "type": "CallFlow", "inputs": { "flowId": "helperThatIsNotThere" } } ], "connections": [],
            "card": { "kind": "action", "label": "Uses missing" }
            """));

        var problem = folder.TryLoad().Problems.ShouldHaveSingleItem();

        problem.ToString().ShouldBe("flows/usesMissing.flow.json: $.nodes[0].inputs.flowId: FLOW_UNKNOWN_CALL: node 'call' calls flow 'helperThatIsNotThere', which this connector does not have");
    }

    public static TheoryData<string> SampleConnectors() => new(Repo.SampleConnectors());

    [Theory]
    [MemberData(nameof(SampleConnectors))]
    public void Every_sample_connector_loads_without_errors(string key)
    {
        var (package, problems) = ConnectorPackage.Load(Repo.Connector(key),
            new Engine.Runtime.FlowEngine(new Engine.Runtime.FlowEngineOptions { Registry = Runtime.ConnectorRuntime.CreateRegistry() }));

        problems.Where(p => p.IsError).Select(p => p.ToString()).ShouldBeEmpty();
        package.ShouldNotBeNull();
        package.Manifest.Key.ShouldBe(key);
        package.FindFlow(ConnectorPackage.HttpHelper).ShouldNotBeNull();
    }

    [Fact]
    public void The_samples_include_the_connectors_these_tests_rely_on()
    {
        Repo.SampleConnectors().ShouldBe(["github", "servicenow", "slack", "slack-webhook", "workspace-one-uem"], ignoreOrder: true);
    }
}
