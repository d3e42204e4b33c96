using System.Net;
using System.Text.Json.Nodes;
using FlowConnectors.Server.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Server.Tests;

/// <summary>One server (with the sample connectors) and one stub vendor on 127.0.0.1 for the authoring API specifications.</summary>
public sealed class AuthoringFixture : IAsyncLifetime
{
    public const string GoodToken = "good-token-7f3a";
    private WebApplication? _vendor;
    internal TestServer Server { get; private set; } = null!;
    public string VendorUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _vendor = builder.Build();
        _vendor.MapGet("/me", (HttpRequest request) => request.Headers.Authorization == $"Bearer {GoodToken}"
            ? Results.Json(new { login = "ada" })
            : Results.Json(new { message = "Bad credentials" }, statusCode: 401));
        _vendor.MapGet("/projects", (HttpRequest request) => Results.Json(new object[]
        {
            new { id = "p1", name = "Apollo", team = request.Query["team"].ToString() },
            new { id = "p2", name = "Gemini", team = request.Query["team"].ToString() },
        }));
        await _vendor.StartAsync();
        VendorUrl = _vendor.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        Server = await TestServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        if (_vendor is not null) await _vendor.DisposeAsync();
    }
}

public sealed class ConnectorAuthoringTests(AuthoringFixture fixture) : IClassFixture<AuthoringFixture>
{
    private TestServer Server => fixture.Server;

    private Task<(int Status, JsonNode? Body)> CreateAsync(string key) => Server.SendJsonAsync("POST", "/api/connectors", $$"""
        { "key": "{{key}}", "name": "Acme {{key}}", "baseUrl": "{{fixture.VendorUrl}}", "authPingPath": "/me",
          "auth": { "kind": "apiKey", "parameter": "token", "in": "header", "name": "Authorization", "tokenType": "Bearer" } }
        """);

    private static string[] FlowIds(JsonNode source) => source["flows"]!.AsArray().Select(f => (string)f!["id"]!).ToArray();

    private static JsonObject Error(JsonNode? problem, int index = 0) => problem!["errors"]![index]!.AsObject();

    private const string ListProjects = """
        { "name": "List projects", "inputs": [ { "name": "team", "type": "string" } ],
          "outputs": [ { "name": "items", "type": "array<object>" } ],
          "nodes": [
            { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": { "relative_url": "/projects", "query": { "js": "({ team: input.team || '' })" } } } },
            { "id": "done", "type": "Return", "inputs": { "outputs": { "items": { "js": "nodes.call.outputs.body.map(p => ({ key: p.id, value: p.name + ' (' + p.team + ')' }))" } } } }
          ],
          "connections": [ { "from": "call:done", "to": "done" } ],
          "card": { "kind": "helper" } }
        """;

    private const string GetProject = """
        { "name": "Get project",
          "inputs": [ { "name": "team", "type": "string", "label": "Team", "options": [ { "label": "Red", "value": "red" }, { "label": "Blue", "value": "blue" } ] },
                      { "name": "project", "type": "string", "label": "Project", "required": true } ],
          "outputs": [ { "name": "id", "type": "string", "label": "ID" } ],
          "nodes": [ { "id": "done", "type": "Return", "inputs": { "outputs": { "id": { "js": "input.project" } } } } ],
          "connections": [],
          "card": { "kind": "action", "label": "Get Project", "group": "Projects", "options": ["team"],
                    "fields": { "project": { "dropdown": { "flow": "listProjects", "dependsOn": ["team"] } } } } }
        """;

    [Fact]
    public async Task Creating_an_oauth_connector_scaffolds_a_revoke_flow_and_a_refresh_url_of_its_own()
    {
        var (status, source) = await Server.SendJsonAsync("POST", "/api/connectors", $$"""
            { "key": "acme-oauth", "name": "Acme OAuth", "baseUrl": "{{fixture.VendorUrl}}", "authPingPath": "/me", "revokePath": "/oauth/token/revoke",
              "auth": { "kind": "oauth2AuthorizationCode", "authorizeUrl": "https://login.acme.example/authorize", "tokenUrl": "https://login.acme.example/token" } }
            """);
        status.ShouldBe(201, source?.ToJsonString());
        FlowIds(source!).ShouldBe(["_authping", "_revoke", "customApiAction", "httpHelper"]);
        var auth = source!["manifest"]!["auth"]!;
        ((string)auth["refreshUrl"]!).ShouldBe("https://login.acme.example/token");
        source["manifest"]!.AsObject().ContainsKey("revokePath").ShouldBeFalse();
        var revoke = source["flows"]!.AsArray().Single(f => (string)f!["id"]! == "_revoke")!;
        var call = revoke["nodes"]!.AsArray().Single(n => (string)n!["id"]! == "call")!;
        ((string)call["inputs"]!["inputs"]!["relative_url"]!).ShouldBe("/oauth/token/revoke");
        ((string)call["inputs"]!["inputs"]!["request_method"]!).ShouldBe("POST");
        // The connector it makes validates and is installed, _revoke included.
        ((bool)source["installed"]!).ShouldBeTrue();
        File.Exists(Path.Combine(Server.Services.GetRequiredService<ConnectorInstaller>().FolderOf("acme-oauth"), "flows", "_revoke.flow.json")).ShouldBeTrue();
    }

    [Fact]
    public async Task Creating_a_connector_scaffolds_the_standard_flows_and_its_test_connection_works_against_the_vendor()
    {
        var (status, source) = await CreateAsync("acme-create");
        status.ShouldBe(201, source?.ToJsonString());
        FlowIds(source!).ShouldBe(["_authping", "customApiAction", "httpHelper"]);
        ((bool)source!["installed"]!).ShouldBeTrue();
        var manifest = source["manifest"]!;
        ((string)manifest["version"]!).ShouldBe("1.0.0");
        // apiKey auth gets its token parameter, a password.
        manifest["connectionParameters"]!.ToJsonString().ShouldBe("""[{"name":"token","label":"API token","type":"password","required":true}]""");
        File.Exists(Path.Combine(Server.Services.GetRequiredService<ConnectorInstaller>().FolderOf("acme-create"), "flows", "_authping.flow.json")).ShouldBeTrue();

        var (_, good) = await Server.PostJsonAsync("/api/connections", new { connector = "acme-create", name = "good", values = new { token = AuthoringFixture.GoodToken } });
        var (_, goodTest) = await Server.PostJsonAsync($"/api/connections/{good!["id"]}/test", new { });
        ((bool)goodTest!["ok"]!).ShouldBeTrue(goodTest.ToJsonString());
        var (_, bad) = await Server.PostJsonAsync("/api/connections", new { connector = "acme-create", name = "bad", values = new { token = "wrong" } });
        var (_, badTest) = await Server.PostJsonAsync($"/api/connections/{bad!["id"]}/test", new { });
        ((bool)badTest!["ok"]!).ShouldBeFalse();
        ((string)badTest["reason"]!).ShouldContain("HTTP 401: Bad credentials");

        (await CreateAsync("acme-create")).Status.ShouldBe(409);
    }

    [Fact]
    public async Task An_action_card_with_a_dependent_dynamic_dropdown_is_listed_and_its_dropdown_loads_through_a_connection()
    {
        (await CreateAsync("acme-cards")).Status.ShouldBe(201);
        (await Server.SendJsonAsync("PUT", "/api/connectors/acme-cards/flows/listProjects", ListProjects)).Status.ShouldBe(201);
        var (status, source) = await Server.SendJsonAsync("PUT", "/api/connectors/acme-cards/flows/getProject", GetProject);
        status.ShouldBe(201, source?.ToJsonString());
        var saved = source!["flows"]!.AsArray().Single(f => (string)f!["id"]! == "getProject")!;
        ((string)saved["card"]!["fields"]!["project"]!["dropdown"]!["flow"]!).ShouldBe("listProjects");

        var cards = (await Server.GetJsonAsync("/api/connector-cards")).AsArray().Where(c => (string)c!["connector"]! == "acme-cards").ToList();
        cards.Select(c => (string)c!["flowId"]!).ShouldBe(["customApiAction", "getProject"]); // the helper is not a card
        ((string)cards[1]!["connectorName"]!).ShouldBe("Acme acme-cards");
        cards[1]!["inputs"]!.AsArray().Count.ShouldBe(2);

        var (_, connection) = await Server.PostJsonAsync("/api/connections", new { connector = "acme-cards", name = "c", values = new { token = AuthoringFixture.GoodToken } });
        var (dropdownStatus, dropdown) = await Server.PostJsonAsync("/api/connectors/acme-cards/flows/getProject/fields/project/dropdown",
            new { connectionId = (string)connection!["id"]!, values = new { team = "red" } });
        dropdownStatus.ShouldBe(200, dropdown?.ToJsonString());
        dropdown!["items"]!.ToJsonString().ShouldBe("""[{"key":"p1","value":"Apollo (red)"},{"key":"p2","value":"Gemini (red)"}]""");

        var (missing, problem) = await Server.PostJsonAsync("/api/connectors/acme-cards/flows/getProject/fields/project/dropdown", new { values = new { } });
        missing.ShouldBe(400);
        ((string)Error(problem)["path"]!).ShouldBe("$.connectionId");
        (await Server.PostJsonAsync("/api/connectors/acme-cards/flows/getProject/fields/team/dropdown", new { connectionId = "x" })).Status.ShouldBe(404);
    }

    [Fact]
    public async Task A_card_naming_an_input_the_flow_lacks_is_refused_with_file_path_and_code_and_changes_nothing()
    {
        (await CreateAsync("acme-bad-card")).Status.ShouldBe(201);
        var (status, problem) = await Server.SendJsonAsync("PUT", "/api/connectors/acme-bad-card/flows/broken", """
            { "inputs": [ { "name": "a", "type": "string" } ], "nodes": [ { "id": "done", "type": "Return" } ], "connections": [],
              "card": { "kind": "action", "label": "Broken", "options": ["nope"], "fields": { "b": { "dropdown": { "flow": "missingHelper" } } } } }
            """);
        status.ShouldBe(400);
        var errors = problem!["errors"]!.AsArray().Select(e => $"{e!["file"]} {e["path"]} {e["code"]}").ToList();
        errors.ShouldContain("flows/broken.flow.json $.card.options[0] CARD_UNKNOWN_FIELD");
        errors.ShouldContain("flows/broken.flow.json $.card.fields.b CARD_UNKNOWN_FIELD");
        errors.ShouldContain("flows/broken.flow.json $.card.fields.b.dropdown.flow CARD_UNKNOWN_FLOW");
        FlowIds(await Server.GetJsonAsync("/api/connectors/acme-bad-card/source")).ShouldNotContain("broken");

        // Structural mistakes in the flow itself name the file and path too; a wrong id and a bad name are refused before anything is written.
        var (_, structural) = await Server.SendJsonAsync("PUT", "/api/connectors/acme-bad-card/flows/x", """{ "nodes": [ { "id": "n", "type": "Log", "colour": 1 } ], "connections": [] }""");
        ((string)Error(structural)["file"]!).ShouldBe("flows/x.flow.json");
        ((string)Error(structural)["path"]!).ShouldBe("$.nodes[0].colour");
        var (_, mismatch) = await Server.SendJsonAsync("PUT", "/api/connectors/acme-bad-card/flows/x", """{ "id": "y", "nodes": [], "connections": [] }""");
        ((string)Error(mismatch)["code"]!).ShouldBe("FLOW_ID_MISMATCH");
        (await Server.SendJsonAsync("PUT", "/api/connectors/acme-bad-card/flows/..%2Fescape", """{ "nodes": [], "connections": [] }""")).Status.ShouldBe(400);
        (await Server.SendJsonAsync("PUT", "/api/connectors/acme-bad-card/flows/x", "{ not json")).Status.ShouldBe(400);
        (await Server.SendJsonAsync("PUT", "/api/connectors/nobody/flows/x", "{}")).Status.ShouldBe(404);
    }

    [Fact]
    public async Task Settings_changes_are_validated_against_the_manifest_rules_and_a_good_change_is_installed()
    {
        (await CreateAsync("acme-settings")).Status.ShouldBe(201);
        var (status, problem) = await Server.SendJsonAsync("PUT", "/api/connectors/acme-settings/settings",
            """{ "accentColor": "red", "supportEmail": "not an address", "colour": "#fff" }""");
        status.ShouldBe(400);
        var errors = problem!["errors"]!.AsArray().Select(e => $"{e!["file"]} {e["path"]} {e["code"]}").ToList();
        errors.ShouldContain("connector.json $.accentColor MANIFEST_INVALID_COLOR");
        errors.ShouldContain("connector.json $.colour MANIFEST_UNKNOWN_FIELD");
        errors.ShouldContain(e => e.StartsWith("connector.json $.supportEmail "));

        var (ok, source) = await Server.SendJsonAsync("PUT", "/api/connectors/acme-settings/settings", """
            { "name": "Acme Cloud", "description": "Projects and people.", "accentColor": "#3366FF", "documentationUrl": "https://docs.acme.example",
              "supportEmail": "help@acme.example", "connectionParameters": [
                { "name": "token", "label": "Token", "type": "password", "required": true },
                { "name": "region", "label": "Region", "type": "dropdown", "default": "eu", "options": [ { "label": "EU", "value": "eu" }, { "label": "US", "value": "us" } ] } ] }
            """);
        ok.ShouldBe(200, source?.ToJsonString());
        ((string)source!["manifest"]!["name"]!).ShouldBe("Acme Cloud");
        var connector = await Server.GetJsonAsync("/api/connectors/acme-settings");
        ((string)connector["accentColor"]!).ShouldBe("#3366FF");
        connector["connectionParameters"]!.AsArray().Count.ShouldBe(2);
        // The list API names fields the way the manifest does (camelCase), options included.
        connector["connectionParameters"]![1]!["options"]![1]!.ToJsonString().ShouldBe("""{"label":"US","value":"us"}""");
        ((string)connector["connectionParameters"]![1]!["default"]!).ShouldBe("eu");

        // Switching to basic auth: the new kind's fields are checked against the parameters.
        var (basic, basicProblem) = await Server.SendJsonAsync("PUT", "/api/connectors/acme-settings/settings",
            """{ "auth": { "kind": "basic", "usernameParameter": "user", "passwordParameter": "token" } }""");
        basic.ShouldBe(400);
        basicProblem!["errors"]!.AsArray().ShouldContain(e => (string)e!["file"]! == "connector.json" && ((string)e["path"]!).StartsWith("$.auth"));
        (await Server.SendJsonAsync("PUT", "/api/connectors/acme-settings/settings", "[1]")).Status.ShouldBe(400);
    }

    [Fact]
    public async Task Values_of_the_wrong_JSON_type_are_client_mistakes_answered_with_400_not_500()
    {
        (await CreateAsync("acme-types")).Status.ShouldBe(201);
        (await Server.SendJsonAsync("POST", "/api/connectors", """{ "key": 5, "baseUrl": "https://x.example" }""")).Status.ShouldBe(400);
        var (created, createdProblem) = await Server.SendJsonAsync("POST", "/api/connectors", """{ "key": "acme-typed", "baseUrl": "https://x.example", "auth": [1], "authPingPath": 3 }""");
        created.ShouldBe(400);
        createdProblem!["errors"]!.AsArray().ShouldContain(e => (string)e!["file"]! == "connector.json" && ((string)e["message"]!).Contains("auth"), createdProblem.ToJsonString());
        var (settings, settingsProblem) = await Server.SendJsonAsync("PUT", "/api/connectors/acme-types/settings", """{ "key": ["a"], "auth": "basic", "connectionParameters": ["token"] }""");
        settings.ShouldBe(400, settingsProblem?.ToJsonString());
        var (flow, flowProblem) = await Server.SendJsonAsync("PUT", "/api/connectors/acme-types/flows/x", """{ "id": 7, "nodes": [], "connections": [] }""");
        flow.ShouldBe(400);
        ((string)Error(flowProblem)["code"]!).ShouldBe("FLOW_ID_MISMATCH");
        (await Server.PostJsonAsync("/api/connectors/acme-types/flows/customApiAction/fields/requestType/dropdown", new { connectionId = 5 })).Status.ShouldBe(404);
    }

    [Fact]
    public async Task Concurrent_edits_of_one_connector_all_land()
    {
        (await CreateAsync("acme-concurrent")).Status.ShouldBe(201);
        var writes = Enumerable.Range(1, 6).Select(i => Server.SendJsonAsync("PUT", $"/api/connectors/acme-concurrent/flows/card{i}", $$"""
            { "nodes": [ { "id": "done", "type": "Return" } ], "connections": [], "card": { "kind": "action", "label": "Card {{i}}" } }
            """)).ToList();
        (await Task.WhenAll(writes)).Select(w => w.Status).ShouldAllBe(s => s == 201);
        FlowIds(await Server.GetJsonAsync("/api/connectors/acme-concurrent/source"))
            .ShouldBe(["_authping", "card1", "card2", "card3", "card4", "card5", "card6", "customApiAction", "httpHelper"]);
    }

    [Fact]
    public async Task Editing_a_sample_connector_installs_an_edited_copy_and_leaves_the_sample_alone()
    {
        var sample = Path.Combine(Server.FlowsFolder, "github", "connector.json");
        var before = await File.ReadAllTextAsync(sample);
        var original = await Server.GetJsonAsync("/api/connectors/github/source");
        ((bool)original["installed"]!).ShouldBeFalse();

        var (status, source) = await Server.SendJsonAsync("PUT", "/api/connectors/github/settings", """{ "name": "GitHub (ours)" }""");
        status.ShouldBe(200, source?.ToJsonString());
        ((bool)source!["installed"]!).ShouldBeTrue();
        FlowIds(source).ShouldBe(FlowIds(original));
        var installed = Server.Services.GetRequiredService<ConnectorInstaller>().FolderOf("github");
        (await File.ReadAllTextAsync(Path.Combine(installed, "connector.json"))).ShouldContain("\"name\": \"GitHub (ours)\"");
        Directory.GetFiles(Path.Combine(installed, "tests")).ShouldNotBeEmpty();
        (await File.ReadAllTextAsync(sample)).ShouldBe(before);
    }

    [Fact]
    public async Task Deleting_a_flow_others_depend_on_is_refused_and_deleting_a_card_removes_it()
    {
        (await CreateAsync("acme-delete")).Status.ShouldBe(201);
        (await Server.SendJsonAsync("PUT", "/api/connectors/acme-delete/flows/listProjects", ListProjects)).Status.ShouldBe(201);
        (await Server.SendJsonAsync("PUT", "/api/connectors/acme-delete/flows/getProject", GetProject)).Status.ShouldBe(201);

        var (helperStatus, helperProblem) = await Server.SendJsonAsync("DELETE", "/api/connectors/acme-delete/flows/httpHelper", null);
        helperStatus.ShouldBe(400);
        helperProblem!["errors"]!.AsArray().Select(e => (string)e!["code"]!).ShouldContain("HTTPHELPER_MISSING");
        var (dropdownStatus, dropdownProblem) = await Server.SendJsonAsync("DELETE", "/api/connectors/acme-delete/flows/listProjects", null);
        dropdownStatus.ShouldBe(400);
        ((string)Error(dropdownProblem)["file"]!).ShouldBe("flows/getProject.flow.json");
        ((string)Error(dropdownProblem)["code"]!).ShouldBe("CARD_UNKNOWN_FLOW");

        var (deleted, source) = await Server.SendJsonAsync("DELETE", "/api/connectors/acme-delete/flows/getProject", null);
        deleted.ShouldBe(200);
        FlowIds(source!).ShouldBe(["_authping", "customApiAction", "httpHelper", "listProjects"]);
        (await Server.SendJsonAsync("DELETE", "/api/connectors/acme-delete/flows/getProject", null)).Status.ShouldBe(404);
    }

    [Fact]
    public async Task A_connector_without_connections_can_be_renamed_and_the_old_key_is_gone()
    {
        (await CreateAsync("acme-old")).Status.ShouldBe(201);
        var (status, source) = await Server.SendJsonAsync("PUT", "/api/connectors/acme-old/settings", """{ "key": "acme-new" }""");
        status.ShouldBe(200, source?.ToJsonString());
        ((string)source!["key"]!).ShouldBe("acme-new");
        (await Server.Client.GetAsync("/api/connectors/acme-old")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        Directory.Exists(Server.Services.GetRequiredService<ConnectorInstaller>().FolderOf("acme-old")).ShouldBeFalse();

        await Server.PostJsonAsync("/api/connections", new { connector = "acme-new", name = "in use", values = new { token = "t" } });
        (await Server.SendJsonAsync("PUT", "/api/connectors/acme-new/settings", """{ "key": "acme-newer" }""")).Status.ShouldBe(409);
    }
}
