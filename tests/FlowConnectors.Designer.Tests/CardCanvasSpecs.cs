using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static FlowConnectors.Designer.Tests.FlowPage;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// Connector cards on the canvas (issue 14): a card built step by step on the flow designer's canvas and tested with a
/// connection against a stub vendor; the connector's version in its settings; a warning before removing an input flows
/// use; branded palette entries and nodes.
/// </summary>
public sealed class CardCanvasSpecs(DesignerFixture fixture, ITestOutputHelper output) : IClassFixture<DesignerFixture>, IAsyncLifetime
{
    private StubVendor _vendor = null!;

    public async Task InitializeAsync() => _vendor = await StubVendor.StartAsync();

    public async Task DisposeAsync() => await _vendor.DisposeAsync();

    [Fact]
    public Task An_action_card_is_built_on_the_canvas_mapped_tested_with_a_connection_and_saved() => WithConnectorsAsync(async page =>
    {
        await CreateConnectorAsync("acme", "Acme", "#D9480F");
        await SendAsync(HttpMethod.Post, "/api/connections", $$"""{ "connector": "acme", "name": "acme-test", "values": { "token": "{{StubVendor.GoodToken}}" } }""");
        await page.GetByText("Reload").ClickAsync();

        // What a person does from here is counted: every click, double-click, drag, typed field and chosen option.
        var actions = 0;
        await page.GetByTestId("connector-acme").ClickAsync(); actions++;
        await page.GetByTestId("connector-tab-cards").ClickAsync(); actions++;
        await page.GetByTestId("new-action").ClickAsync(); actions++;
        var dialog = page.GetByTestId("new-flow-dialog");
        await dialog.GetByLabel("Flow name", new() { Exact = true }).FillAsync("getProject"); actions++;
        await dialog.GetByLabel("Card label", new() { Exact = true }).FillAsync("Get Project"); actions++;
        await page.GetByTestId("new-flow-dialog-ok").ClickAsync(); actions++;

        // The canvas opens with the card's Return; the card panel beside it holds its fields.
        var canvas = page.GetByTestId("card-canvas");
        await Assertions.Expect(canvas.Locator(".react-flow__node[data-id='done']")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("flow-json")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("textarea[aria-label='Flow JSON']")).ToHaveCountAsync(0);

        await page.GetByTestId("add-input").ClickAsync(); actions++;
        var field = page.GetByTestId("field-dialog");
        await field.GetByLabel("Field name", new() { Exact = true }).FillAsync("project"); actions++;
        await field.GetByLabel("Field required", new() { Exact = true }).CheckAsync(); actions++;
        await page.GetByTestId("field-dialog-ok").ClickAsync(); actions++;
        await page.GetByTestId("add-output").ClickAsync(); actions++;
        await page.GetByTestId("output-dialog").GetByLabel("Output name", new() { Exact = true }).FillAsync("name"); actions++;
        await page.GetByTestId("output-dialog-ok").ClickAsync(); actions++;

        // Send HTTP Request through the connector's httpHelper, mapped field by field.
        await canvas.GetByTestId("step-httpHelper").DblClickAsync(); actions++;
        var step = page.GetByTestId("card-step-editor");
        await Assertions.Expect(step).ToContainTextAsync("Inputs of httpHelper");
        await step.GetByLabel("relative_url mode", new() { Exact = true }).SelectOptionAsync("template"); actions++;
        var url = step.Locator("[data-testid=map-relative_url] .cm-content");
        await url.FillAsync("/projects/{{ input.project }}"); actions++;
        await Assertions.Expect(canvas.Locator(".react-flow__node[data-id='sendHttpRequest1']")).ToBeInViewportAsync();
        await CardViewportSettledAsync(page);
        await ConnectInAsync(page, "sendHttpRequest1", "done", "done"); actions++;

        await canvas.Locator(".react-flow__node[data-id='done'] .fc-node-title").ClickAsync(); actions++;
        await Assertions.Expect(step).ToContainTextAsync("Card outputs");
        await step.GetByLabel("name mode", new() { Exact = true }).SelectOptionAsync("js"); actions++;
        await step.Locator("[data-testid=map-name] .cm-content").FillAsync("nodes.sendHttpRequest1.outputs.body.name"); actions++;
        await Assertions.Expect(canvas.GetByTestId("card-validity")).ToHaveTextAsync("0 errors, 0 warnings");

        // Test it with the connection against the stub vendor: nothing is saved, the data shows on the canvas.
        await Assertions.Expect(canvas.GetByTestId("card-test-connection").Locator("option:checked")).ToHaveTextAsync("acme-test");
        await canvas.GetByTestId("card-test-toggle").ClickAsync(); actions++;
        await canvas.GetByLabel("run input project").FillAsync("p1"); actions++;
        await canvas.GetByTestId("run").ClickAsync(); actions++;
        await Assertions.Expect(canvas.GetByTestId("card-test-status")).ToHaveTextAsync("finished");
        await Assertions.Expect(canvas.GetByTestId("card-test-outputs")).ToContainTextAsync("Apollo");
        await Assertions.Expect(canvas.Locator("[data-testid=node-sendHttpRequest1] [data-testid=run-status]")).ToHaveTextAsync("done");
        await DocsScreenshotSpecs.SaveAsync(page, "connector-card-canvas.png");

        await canvas.GetByTestId("save-card").ClickAsync(); actions++;
        await Assertions.Expect(page.GetByTestId("authoring-info")).ToHaveTextAsync("saved getProject");
        output.WriteLine($"building, testing and saving an action card on the canvas took {actions} user actions");
        // With no node selected the card panel shows the card's fields and its preview beside the canvas.
        await canvas.Locator(".react-flow__pane").ClickAsync(new() { Position = new() { X = 30, Y = 30 } });
        await Assertions.Expect(canvas.GetByTestId("card-preview").GetByTestId("preview-title")).ToHaveTextAsync("Get Project");
        await DocsScreenshotSpecs.SaveAsync(page, "connectors-designer.png");
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "card-canvas-clicks.txt"), $"{actions}\n");

        var saved = (await SourceAsync("acme"))["flows"]!.AsArray().Single(f => (string)f!["id"]! == "getProject")!;
        saved["inputs"]![0]!["name"]!.GetValue<string>().ShouldBe("project");
        saved["outputs"]![0]!["name"]!.GetValue<string>().ShouldBe("name");
        var call = saved["nodes"]!.AsArray().Single(n => (string)n!["id"]! == "sendHttpRequest1")!;
        call["inputs"]!["inputs"]!["relative_url"]!.ToJsonString().ShouldBe("""{"template":"/projects/{{ input.project }}"}""");
        saved["connections"]!.ToJsonString().ShouldContain("sendHttpRequest1:done");

        // Test step: the request alone, after a test run, with its data in the node details.
        await canvas.Locator(".react-flow__node[data-id='sendHttpRequest1']").DblClickAsync();
        await page.GetByTestId("node-details").GetByTestId("test-step").ClickAsync();
        await Assertions.Expect(page.GetByTestId("node-details").GetByTestId("details-outcome")).ToHaveTextAsync("done");
        await Assertions.Expect(page.GetByTestId("node-details").GetByTestId("details-output")).ToContainTextAsync("status_code");
        await page.GetByTestId("close-details").ClickAsync();

        // The card works in a flow like any card: the connector's action runs with the connection.
        var connection = (await GetJsonAsync("/api/connections")).AsArray().Single(c => (string)c!["name"]! == "acme-test")!;
        await SaveFlowAsync(fixture, $$"""
            { "format": 1, "id": "uses-acme", "outputs": [ { "name": "name", "type": "any" } ], "nodes": [
              { "id": "card", "type": "Connector.Action", "inputs": { "connector": "acme", "action": "getProject", "connection": "{{connection["id"]}}", "inputs": { "project": "p2" } } },
              { "id": "ret", "type": "Return", "inputs": { "outputs": { "name": { "js": "nodes.card.outputs.name" } } } } ],
              "connections": [ { "from": "card:done", "to": "ret" } ] }
            """);
        using var response = await fixture.Client.PostAsync("/api/flows/uses-acme/run", new StringContent("{}", Encoding.UTF8, "application/json"));
        var run = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        run["outputs"]!["name"]!.GetValue<string>().ShouldBe("Apollo", run.ToJsonString());
    }, width: 1440, height: 900);

    [Fact]
    public Task The_connector_version_is_edited_in_its_settings_with_bump_buttons_and_a_bad_version_cannot_be_saved() => WithConnectorsAsync(async page =>
    {
        await CreateConnectorAsync("versioned", "Versioned", "#2B8A3E");
        await page.GetByText("Reload").ClickAsync();
        await page.GetByTestId("connector-versioned").ClickAsync();
        var version = page.GetByLabel("Version", new() { Exact = true });
        await Assertions.Expect(version).ToHaveValueAsync("1.0.0");

        await version.FillAsync("1.0");
        await Assertions.Expect(page.GetByTestId("version-problem")).ToContainTextAsync("not a semantic version");
        await Assertions.Expect(page.GetByTestId("save-settings")).ToBeDisabledAsync();
        await version.FillAsync("1.0.0");
        await page.GetByTestId("bump-minor").ClickAsync();
        await Assertions.Expect(version).ToHaveValueAsync("1.1.0");
        await page.GetByTestId("save-settings").ClickAsync();
        await Assertions.Expect(page.GetByTestId("authoring-info")).ToHaveTextAsync("settings saved");
        await Assertions.Expect(page.GetByTestId("connector-versioned")).ToContainTextAsync("versioned · 1.1.0");
        (await SourceAsync("versioned"))["manifest"]!["version"]!.GetValue<string>().ShouldBe("1.1.0");
        await DocsScreenshotSpecs.SaveAsync(page, "connector-settings-version.png");
    });

    [Fact]
    public Task Removing_a_card_input_a_flow_uses_is_flagged_before_it_is_saved_and_needs_a_confirmation() => WithConnectorsAsync(async page =>
    {
        await CreateConnectorAsync("tracker", "Tracker", "#5F3DC4");
        await SendAsync(HttpMethod.Put, "/api/connectors/tracker/flows/getIssue", """
            { "inputs": [ { "name": "issue", "type": "string", "label": "Issue", "required": true }, { "name": "expand", "type": "boolean" } ],
              "outputs": [ { "name": "body", "type": "any" } ],
              "nodes": [
                { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": { "relative_url": { "template": "/projects/{{ input.issue }}" } } } },
                { "id": "done", "type": "Return", "inputs": { "outputs": { "body": { "js": "nodes.call.outputs.body" } } } } ],
              "connections": [ { "from": "call:done", "to": "done" } ], "card": { "kind": "action", "label": "Get Issue" } }
            """);
        await SendAsync(HttpMethod.Post, "/api/connections", $$"""{ "connector": "tracker", "name": "tracker-conn", "values": { "token": "{{StubVendor.GoodToken}}" } }""");
        var connectionId = (string)(await GetJsonAsync("/api/connections")).AsArray().Single(c => (string)c!["name"]! == "tracker-conn")!["id"]!;
        await SaveFlowAsync(fixture, $$"""
            { "format": 1, "id": "triage", "nodes": [
              { "id": "issue", "type": "Connector.Action", "inputs": { "connector": "tracker", "action": "getIssue", "connection": "{{connectionId}}", "inputs": { "issue": "I-1", "expand": true } } } ],
              "connections": [] }
            """);
        await page.GetByText("Reload").ClickAsync();
        await page.GetByTestId("connector-tracker").ClickAsync();
        await page.GetByTestId("connector-tab-cards").ClickAsync();
        await page.GetByTestId("flow-getIssue").ClickAsync();
        await page.GetByLabel("remove expand", new() { Exact = true }).ClickAsync();
        await page.GetByTestId("save-card").ClickAsync();

        var warning = page.GetByTestId("inputs-in-use");
        await Assertions.Expect(warning).ToContainTextAsync("CARD_INPUT_IN_USE");
        await Assertions.Expect(warning.GetByTestId("in-use-triage")).ToContainTextAsync("node 'issue' of flow 'triage'");
        // Cancel keeps the connector as it was…
        await warning.GetByTestId("cancel-save").ClickAsync();
        await Assertions.Expect(warning).ToHaveCountAsync(0);
        InputNames(await SourceAsync("tracker")).ShouldBe(["issue", "expand"]);
        // …confirming saves the change anyway.
        await page.GetByTestId("save-card").ClickAsync();
        await Assertions.Expect(warning).ToBeVisibleAsync();
        await DocsScreenshotSpecs.SaveAsync(page, "connector-input-in-use.png");
        await warning.GetByTestId("save-anyway").ClickAsync();
        await Assertions.Expect(page.GetByTestId("authoring-info")).ToHaveTextAsync("saved getIssue");
        InputNames(await SourceAsync("tracker")).ShouldBe(["issue"]);
    });

    [Fact]
    public Task Every_connectors_Custom_API_Action_is_branded_with_its_connector_in_the_palette_and_on_the_canvas() => WithPageAsync(fixture, async page =>
    {
        await CreateConnectorAsync("alpha", "Alpha", "#C92A2A");
        await CreateConnectorAsync("bravo", "Bravo", "#1864AB");
        await page.ReloadAsync();
        await page.GetByLabel("Search activities").FillAsync("custom api");
        var alpha = page.GetByTestId("palette-card-alpha-customApiAction");
        var bravo = page.GetByTestId("palette-card-bravo-customApiAction");
        await Assertions.Expect(alpha).ToContainTextAsync("Custom API Action");
        await Assertions.Expect(alpha).ToContainTextAsync("Alpha");
        await Assertions.Expect(bravo).ToContainTextAsync("Bravo");
        await Assertions.Expect(alpha.GetByTestId("brand-initial")).ToHaveTextAsync("A");
        (await alpha.EvaluateAsync<string>("e => getComputedStyle(e).borderLeftColor")).ShouldBe("rgb(201, 42, 42)");
        (await bravo.EvaluateAsync<string>("e => getComputedStyle(e).borderLeftColor")).ShouldBe("rgb(24, 100, 171)");

        await bravo.DblClickAsync();
        var node = page.Locator(".react-flow__node[data-id='customApiAction1'] .fc-node");
        await Assertions.Expect(node).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("branded"));
        await Assertions.Expect(node.GetByTestId("brand-initial")).ToHaveTextAsync("B");
        (await node.EvaluateAsync<string>("e => getComputedStyle(e).borderTopColor")).ShouldBe("rgb(24, 100, 171)");
        await DocsScreenshotSpecs.SaveAsync(page, "connector-branded-palette.png");
    });

    private static List<string> InputNames(JsonNode source) =>
        source["flows"]!.AsArray().Single(f => (string)f!["id"]! == "getIssue")!["inputs"]!.AsArray().Select(i => (string)i!["name"]!).ToList();

    private async Task CreateConnectorAsync(string key, string name, string accent) => await SendAsync(HttpMethod.Post, "/api/connectors", $$"""
        { "key": "{{key}}", "name": "{{name}}", "baseUrl": "{{_vendor.Url}}", "accentColor": "{{accent}}", "authPingPath": "/me",
          "auth": { "kind": "apiKey", "parameter": "token", "tokenType": "Bearer" } }
        """);

    private async Task<JsonNode> SourceAsync(string key) => await GetJsonAsync($"/api/connectors/{key}/source");

    private async Task<JsonNode> GetJsonAsync(string path) => JsonNode.Parse(await fixture.Client.GetStringAsync(path))!;

    private async Task SendAsync(HttpMethod method, string path, string json)
    {
        using var response = await fixture.Client.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
        response.IsSuccessStatusCode.ShouldBeTrue($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Waits until the card canvas's pan and zoom stop changing (fit view moves them).</summary>
    private static async Task CardViewportSettledAsync(IPage page)
    {
        var viewport = page.GetByTestId("card-canvas").Locator(".react-flow__viewport");
        var last = await viewport.GetAttributeAsync("style");
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline;)
        {
            await Task.Delay(300);
            var now = await viewport.GetAttributeAsync("style");
            if (now == last) return;
            last = now;
        }
        throw new TimeoutException("the card canvas kept moving for 10 s");
    }

    /// <summary>Draws a connection on the card canvas (the Flows tab's canvas may hold nodes of the same ids).</summary>
    private static async Task ConnectInAsync(IPage page, string from, string outcome, string to)
    {
        var canvas = page.GetByTestId("card-canvas");
        var source = await canvas.Locator($".react-flow__node[data-id='{from}'] .react-flow__handle.source[data-handleid='{outcome}']").BoundingBoxAsync();
        var target = await canvas.Locator($".react-flow__node[data-id='{to}'] .react-flow__handle.target").BoundingBoxAsync();
        await page.Mouse.MoveAsync(source!.X + source.Width / 2, source.Y + source.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(target!.X + target.Width / 2, target.Y + target.Height / 2, new MouseMoveOptions { Steps = 10 });
        await page.Mouse.UpAsync();
        await Assertions.Expect(canvas.Locator(".react-flow__edge")).Not.ToHaveCountAsync(0);
    }

    private Task WithConnectorsAsync(Func<IPage, Task> test, int width = 1400, int height = 900, [CallerMemberName] string name = "") => WithPageAsync(fixture, async page =>
    {
        await page.GetByTestId("tab-connectors").ClickAsync();
        await Assertions.Expect(page.GetByTestId("connectors-workspace")).ToBeVisibleAsync();
        await test(page);
    }, width: width, height: height, name: name);
}
