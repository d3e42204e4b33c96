using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace FlowConnectors.Designer.Tests;

/// <summary>A stand-in vendor API on 127.0.0.1: /me checks the bearer token, /projects lists projects, /authorize and /oauth/token sign in.</summary>
internal sealed class StubVendor : IAsyncDisposable
{
    public const string GoodToken = "s3cret-good-token-4711";
    private readonly WebApplication _app;

    private StubVendor(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public static async Task<StubVendor> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/me", (HttpRequest request) => request.Headers.Authorization == $"Bearer {GoodToken}"
            ? Results.Json(new { login = "ada" })
            : Results.Json(new { message = "Bad credentials" }, statusCode: 401));
        app.MapGet("/projects", (string? team) => Results.Json(new object[]
        {
            new { id = "p1", name = team is null ? "Apollo" : $"Apollo ({team})" },
            new { id = "p2", name = team is null ? "Gemini" : $"Gemini ({team})" },
        }));
        // OAuth 2.0 authorization code: the provider "signs the user in" at once and sends the browser back with a code.
        app.MapGet("/authorize", (string redirect_uri, string state) => Results.Redirect($"{redirect_uri}?code=code-123&state={Uri.EscapeDataString(state)}"));
        app.MapPost("/oauth/token", () => Results.Json(new { access_token = GoodToken, refresh_token = "refresh-1", expires_in = 3600, token_type = "Bearer" }));
        app.MapGet("/projects/{id}", (string id) => Results.Json(new { id, name = "Apollo" }));
        await app.StartAsync();
        return new StubVendor(app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/'));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>The Connectors workspace in a real browser against the real server and a stub vendor.</summary>
public sealed class ConnectorSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>, IAsyncLifetime
{
    private StubVendor _vendor = null!;

    public async Task InitializeAsync() => _vendor = await StubVendor.StartAsync();

    public async Task DisposeAsync() => await _vendor.DisposeAsync();

    [Fact]
    public Task An_action_card_with_an_input_and_a_dynamic_dropdown_is_built_previewed_and_saved() => WithPage(async page =>
    {
        await page.GetByTestId("new-connector").ClickAsync();
        var form = page.GetByTestId("new-connector-form");
        await form.GetByLabel("Key", new() { Exact = true }).FillAsync("acme");
        await form.GetByLabel("Name", new() { Exact = true }).FillAsync("Acme");
        await form.GetByLabel("Base URL", new() { Exact = true }).FillAsync(_vendor.Url);
        await form.GetByLabel("Test connection path", new() { Exact = true }).FillAsync("/me");
        await page.GetByTestId("create-connector").ClickAsync();
        await Assertions.Expect(page.GetByTestId("authoring-info")).ToHaveTextAsync("created acme");
        await Assertions.Expect(page.GetByTestId("flow-customApiAction")).ToBeVisibleAsync();

        // The dropdown's helper flow: GET /projects, each project's id as the key and name as the text.
        await page.GetByTestId("new-helper").ClickAsync();
        var dialog = page.GetByTestId("new-flow-dialog");
        await dialog.GetByLabel("Flow name", new() { Exact = true }).FillAsync("listProjects");
        await dialog.GetByLabel("Relative URL", new() { Exact = true }).FillAsync("/projects");
        await page.GetByTestId("new-flow-dialog-ok").ClickAsync();
        await Assertions.Expect(page.GetByTestId("authoring-info")).ToHaveTextAsync("saved listProjects");

        await page.GetByTestId("new-action").ClickAsync();
        await dialog.GetByLabel("Flow name", new() { Exact = true }).FillAsync("getProject");
        await dialog.GetByLabel("Card label", new() { Exact = true }).FillAsync("Get Project");
        await dialog.GetByLabel("Relative URL", new() { Exact = true }).FillAsync("/projects/{{ input.project }}");
        await page.GetByTestId("new-flow-dialog-ok").ClickAsync();
        await Assertions.Expect(page.GetByTestId("authoring-info")).ToHaveTextAsync("saved getProject");
        await Assertions.Expect(page.GetByTestId("preview-title")).ToHaveTextAsync("Get Project");

        // An input with a dynamic dropdown filled by listProjects…
        await page.GetByTestId("add-input").ClickAsync();
        var field = page.GetByTestId("field-dialog");
        await field.GetByLabel("Field name", new() { Exact = true }).FillAsync("project");
        await field.GetByLabel("Field label", new() { Exact = true }).FillAsync("Project");
        await field.GetByLabel("Field required", new() { Exact = true }).CheckAsync();
        await field.GetByLabel("Field dropdown", new() { Exact = true }).SelectOptionAsync("dynamic");
        await field.GetByLabel("Helper flow", new() { Exact = true }).SelectOptionAsync("listProjects");
        await page.GetByTestId("field-dialog-ok").ClickAsync();
        // …and an option with static values.
        await page.GetByTestId("add-option").ClickAsync();
        await field.GetByLabel("Field name", new() { Exact = true }).FillAsync("visibility");
        await field.GetByLabel("Field label", new() { Exact = true }).FillAsync("Visibility");
        await field.GetByLabel("Field dropdown", new() { Exact = true }).SelectOptionAsync("static");
        await field.GetByLabel("option 1 label", new() { Exact = true }).FillAsync("Public");
        await field.GetByLabel("option 1 value", new() { Exact = true }).FillAsync("public");
        await page.GetByTestId("field-dialog-ok").ClickAsync();

        // The preview shows the card as its users will: the option, the required input and its dropdown source.
        var preview = page.GetByTestId("card-preview");
        await Assertions.Expect(preview.GetByTestId("preview-field-project")).ToContainTextAsync("Project *");
        await Assertions.Expect(preview.GetByTestId("preview-dynamic-project")).ToContainTextAsync("Loaded from listProjects");
        await Assertions.Expect(preview.GetByTestId("preview-field-visibility").Locator("option", new() { HasText = "Public" })).ToHaveCountAsync(1);
        await Assertions.Expect(preview.GetByTestId("preview-output-body")).ToBeVisibleAsync();

        await page.GetByTestId("save-card").ClickAsync();
        await Assertions.Expect(page.GetByTestId("authoring-info")).ToHaveTextAsync("saved getProject");
        var source = JsonNode.Parse(await fixture.Client.GetStringAsync("/api/connectors/acme/source"))!;
        var card = source["flows"]!.AsArray().Single(f => (string)f!["id"]! == "getProject")!;
        card["card"]!["fields"]!.ToJsonString().ShouldBe("""{"project":{"dropdown":{"dependsOn":[],"flow":"listProjects"}}}""");
        card["card"]!["options"]!.ToJsonString().ShouldBe("""["visibility"]""");
        ((bool)card["inputs"]![0]!["required"]!).ShouldBeTrue();

        // A card naming a helper that is gone is refused with the file and JSON path.
        await page.GetByTestId("flow-listProjects").ClickAsync();
        await page.GetByTestId("delete-flow").ClickAsync();
        await Assertions.Expect(page.GetByTestId("authoring-problems")).ToContainTextAsync("flows/getProject.flow.json $.card.fields.project.dropdown.flow CARD_UNKNOWN_FLOW");
    });

    [Fact]
    public Task A_connection_is_created_from_its_parameters_tested_against_the_vendor_and_its_password_never_shown_back() => WithPage(async page =>
    {
        var created = await fixture.Client.PostAsync("/api/connectors", new StringContent($$"""
            { "key": "stubbed", "name": "Stubbed", "baseUrl": "{{_vendor.Url}}", "authPingPath": "/me",
              "auth": { "kind": "apiKey", "parameter": "token", "tokenType": "Bearer" } }
            """, Encoding.UTF8, "application/json"));
        ((int)created.StatusCode).ShouldBe(201, await created.Content.ReadAsStringAsync());
        await page.GetByText("Reload").ClickAsync();
        await page.GetByTestId("connector-stubbed").ClickAsync();
        await page.GetByTestId("connector-tab-connections").ClickAsync();

        var form = page.GetByTestId("connection-form");
        var token = form.GetByLabel("API token", new() { Exact = true });
        (await token.GetAttributeAsync("type")).ShouldBe("password");
        await form.GetByLabel("Connection name", new() { Exact = true }).FillAsync("good");
        await token.FillAsync(StubVendor.GoodToken);
        await page.GetByTestId("create-connection").ClickAsync();
        await Assertions.Expect(page.GetByTestId("connection-good")).ToBeVisibleAsync();
        await Assertions.Expect(token).ToHaveValueAsync("");
        await Assertions.Expect(page.GetByTestId("connection-good").GetByTestId("secret-token")).ToHaveTextAsync("token: set (hidden)");

        await page.GetByTestId("connection-good").GetByTestId("test-connection").ClickAsync();
        await Assertions.Expect(page.GetByTestId("connection-good").GetByTestId("test-result")).ToHaveTextAsync("✓ The connection works");

        await form.GetByLabel("Connection name", new() { Exact = true }).FillAsync("bad");
        await token.FillAsync("wrong-token");
        await page.GetByTestId("create-connection").ClickAsync();
        await page.GetByTestId("connection-bad").GetByTestId("test-connection").ClickAsync();
        await Assertions.Expect(page.GetByTestId("connection-bad").GetByTestId("test-result")).ToHaveTextAsync("✗ HTTP 401: Bad credentials");

        // Neither the page nor the API ever shows a secret value again.
        (await page.ContentAsync()).ShouldNotContain(StubVendor.GoodToken);
        var listed = await fixture.Client.GetStringAsync("/api/connections");
        listed.ShouldNotContain(StubVendor.GoodToken);
        listed.ShouldNotContain("wrong-token");
    });

    [Fact]
    public Task Signing_in_with_OAuth_goes_through_the_server_redirect_and_the_connection_shows_it_is_signed_in() => WithPage(async page =>
    {
        await PostAsync("/api/connectors", $$"""
            { "key": "oauthy", "name": "OAuthy", "baseUrl": "{{_vendor.Url}}", "authPingPath": "/me",
              "auth": { "kind": "oauth2AuthorizationCode", "authorizeUrl": "{{_vendor.Url}}/authorize", "tokenUrl": "{{_vendor.Url}}/oauth/token", "scope": "read" } }
            """);
        await page.GetByText("Reload").ClickAsync();
        await page.GetByTestId("connector-oauthy").ClickAsync();
        await page.GetByTestId("connector-tab-connections").ClickAsync();
        var form = page.GetByTestId("connection-form");
        await form.GetByLabel("Connection name", new() { Exact = true }).FillAsync("signed");
        await form.GetByLabel("Client ID", new() { Exact = true }).FillAsync("client-1");
        await form.GetByLabel("Client secret", new() { Exact = true }).FillAsync("client-secret-1");
        await page.GetByTestId("create-connection").ClickAsync();
        var connection = page.GetByTestId("connection-signed");
        await Assertions.Expect(connection.GetByTestId("connection-status")).ToHaveTextAsync("authorized, not signed in");

        // Sign in opens the provider's authorize URL; it sends the browser to the server's /oauth/callback.
        var popup = await page.RunAndWaitForPopupAsync(() => connection.GetByTestId("sign-in").ClickAsync());
        await Assertions.Expect(popup.Locator("body")).ToContainTextAsync("Connected");
        await Assertions.Expect(connection.GetByTestId("connection-status")).ToHaveTextAsync("authorized, signed in");
        await connection.GetByTestId("test-connection").ClickAsync();
        await Assertions.Expect(connection.GetByTestId("test-result")).ToHaveTextAsync("✓ The connection works");
        (await fixture.Client.GetStringAsync("/api/connections")).ShouldNotContain(StubVendor.GoodToken);
    });

    [Fact]
    public Task A_card_added_to_a_flow_takes_a_connection_and_its_dependent_dropdown_loads_through_it() => WithPage(async page =>
    {
        await PostAsync("/api/connectors", $$"""
            { "key": "planner", "name": "Planner", "baseUrl": "{{_vendor.Url}}", "authPingPath": "/me", "auth": { "kind": "apiKey" } }
            """);
        await PutAsync("/api/connectors/planner/flows/listProjects", """
            { "inputs": [ { "name": "team", "type": "string" } ], "outputs": [ { "name": "items", "type": "array<object>" } ],
              "nodes": [
                { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": { "relative_url": "/projects", "query": { "js": "input.team ? { team: input.team } : {}" } } } },
                { "id": "done", "type": "Return", "inputs": { "outputs": { "items": { "js": "nodes.call.outputs.body.map(p => ({ key: p.id, value: p.name }))" } } } } ],
              "connections": [ { "from": "call:done", "to": "done" } ], "card": { "kind": "helper" } }
            """);
        await PutAsync("/api/connectors/planner/flows/getProject", """
            { "inputs": [ { "name": "team", "type": "string", "label": "Team", "options": [ { "label": "Red", "value": "red" }, { "label": "Blue", "value": "blue" } ] },
                          { "name": "project", "type": "string", "label": "Project", "required": true } ],
              "outputs": [ { "name": "name", "type": "string" } ],
              "nodes": [
                { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": { "relative_url": { "template": "/projects/{{ input.project }}" } } } },
                { "id": "done", "type": "Return", "inputs": { "outputs": { "name": { "js": "nodes.call.outputs.body.name" } } } } ],
              "connections": [ { "from": "call:done", "to": "done" } ],
              "card": { "kind": "action", "label": "Get Project", "options": ["team"], "fields": { "project": { "dropdown": { "flow": "listProjects", "dependsOn": ["team"] } } } } }
            """);
        await PostAsync("/api/connections", $$"""{ "connector": "planner", "name": "mine", "values": { "token": "{{StubVendor.GoodToken}}" } }""");

        // The flow palette lists the card under its connector; double-click adds it, already set to that card.
        await page.GetByTestId("tab-flows").ClickAsync();
        await page.GetByLabel("flow id", new() { Exact = true }).FillAsync("uses-planner");
        await page.GetByTestId("palette-card-planner-getProject").DblClickAsync();
        await page.Locator(".react-flow__node[data-id='getProject1'] .fc-node-title").ClickAsync();
        var editor = page.GetByTestId("connector-action-editor");
        await Assertions.Expect(editor).ToContainTextAsync("Planner: Get Project");

        await editor.GetByTestId("card-connection").SelectOptionAsync(new SelectOptionValue { Label = "mine" });
        await Assertions.Expect(editor.GetByTestId("card-dropdown-project").Locator("option", new() { HasText = "Apollo" })).ToHaveCountAsync(1);
        // A dependent dropdown: choosing the team loads the projects again with the team passed to the helper flow.
        await editor.GetByTestId("card-input-team").Locator("select").SelectOptionAsync("blue");
        await Assertions.Expect(editor.GetByTestId("card-dropdown-project").Locator("option", new() { HasText = "Apollo (blue)" })).ToHaveCountAsync(1);
        await editor.GetByTestId("card-dropdown-project").SelectOptionAsync("p1");
        await Assertions.Expect(page.Locator("[data-testid=input-inputs] .cm-content")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("\"project\": \"p1\""));

        // The flow runs the card with that connection.
        await Assertions.Expect(page.GetByTestId("validity")).ToHaveTextAsync("0 errors, 0 warnings");
        await page.GetByTestId("run-toggle").ClickAsync();
        await page.GetByTestId("run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("run-status-text")).ToHaveTextAsync("finished");
        await Assertions.Expect(page.Locator("[data-testid=node-getProject1] [data-testid=run-status]")).ToHaveTextAsync("done");
        // A test run works on the draft; Publish stores the version read back below.
        await page.GetByTestId("publish").ClickAsync();
        await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("published uses-planner version 1");
        var saved = JsonNode.Parse(await fixture.Client.GetStringAsync("/api/flows/uses-planner"))!["nodes"]![0]!;
        ((string)saved["type"]!).ShouldBe("Connector.Action");
        saved["inputs"]!["inputs"]!.ToJsonString().ShouldBe("""{"project":"p1","team":"blue"}""");
    });

    private async Task PostAsync(string path, string json) => await SendAsync(HttpMethod.Post, path, json);

    private async Task PutAsync(string path, string json) => await SendAsync(HttpMethod.Put, path, json);

    private async Task SendAsync(HttpMethod method, string path, string json)
    {
        using var response = await fixture.Client.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
        response.IsSuccessStatusCode.ShouldBeTrue($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private Task WithPage(Func<IPage, Task> test, [CallerMemberName] string name = "") => FlowPage.WithPageAsync(fixture, async page =>
    {
        await page.GetByTestId("tab-connectors").ClickAsync();
        await Assertions.Expect(page.GetByTestId("connectors-workspace")).ToBeVisibleAsync();
        await test(page);
    }, name: name);
}
