using System.Text;
using Microsoft.Playwright;
using static FlowConnectors.Designer.Tests.FlowPage;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// Issue 14's node picker beyond Tab and "Add first step": a connection dragged from an outcome onto empty canvas
/// opens it there and the chosen step arrives connected; connector cards are offered in it, searchable and branded,
/// and arrive connected like any other step.
/// </summary>
public sealed class NodePickerSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    [Fact]
    public Task A_connection_dropped_on_empty_canvas_opens_the_picker_there_and_the_chosen_step_arrives_connected() => WithPageAsync(fixture, async page =>
    {
        await page.GetByLabel("flow id").FillAsync("dragged-from-a-handle");
        await DropAsync(page, "Log", 150, 150);
        await Assertions.Expect(Node(page, "log1")).ToBeVisibleAsync();
        await ViewportSettledAsync(page);

        // Drag from log1's "done" handle to empty canvas to its right, and let go.
        var handle = (await Node(page, "log1").Locator(".react-flow__handle.source[data-handleid='done']").BoundingBoxAsync())!;
        var (x, y) = (handle.X + handle.Width / 2, handle.Y + handle.Height / 2);
        await page.Mouse.MoveAsync(x, y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(x + 180, y + 30, new MouseMoveOptions { Steps = 12 });
        await page.Mouse.UpAsync();

        var picker = page.GetByTestId("node-picker");
        await Assertions.Expect(picker).ToBeVisibleAsync();
        // It opens where the connection was let go, and says what it connects from.
        var box = (await picker.BoundingBoxAsync())!;
        Math.Abs(box.X - (x + 180)).ShouldBeLessThan(60);
        await Assertions.Expect(page.GetByLabel("search steps")).ToHaveAttributeAsync("placeholder", "Add a step after log1");
        // A trigger cannot follow a step: none is offered.
        await Assertions.Expect(picker.GetByTestId("pick-Http.Endpoint")).ToHaveCountAsync(0);

        await page.GetByLabel("search steps").FillAsync("set out");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(Node(page, "setOutput1")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid='rf__edge-log1:done->setOutput1']")).ToHaveCountAsync(1);
        // The new step is placed right of where the connection came from, and opens with its data side.
        var from = (await Node(page, "log1").BoundingBoxAsync())!;
        var added = (await Node(page, "setOutput1").BoundingBoxAsync())!;
        added.X.ShouldBeGreaterThan(from.X + from.Width / 2);
        await Assertions.Expect(page.GetByTestId("node-details")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");

        // Let go on a node instead: an ordinary connection, no picker.
        await DropAsync(page, "NoOp", 150, 400);
        await ConnectAsync(page, "log1", "fault", "noOp1");
        await Assertions.Expect(page.Locator("[data-testid='rf__edge-log1:fault->noOp1']")).ToHaveCountAsync(1);
        await Assertions.Expect(picker).ToHaveCountAsync(0);

        // Escape on the picker adds nothing.
        handle = (await Node(page, "noOp1").Locator(".react-flow__handle.source[data-handleid='done']").BoundingBoxAsync())!;
        (x, y) = (handle.X + handle.Width / 2, handle.Y + handle.Height / 2);
        await page.Mouse.MoveAsync(x, y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(x + 150, y + 80, new MouseMoveOptions { Steps = 12 });
        await page.Mouse.UpAsync();
        await Assertions.Expect(picker).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(picker).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".react-flow__node")).ToHaveCountAsync(3);
    });

    [Fact]
    public Task Connector_cards_are_offered_in_the_picker_searchable_and_branded_and_arrive_connected() => WithPageAsync(fixture, async page =>
    {
        await CreateConnectorAsync("pickco", "Pick Co", "#2B8A3E");
        await CreateConnectorAsync("otherco", "Other Co", "#1864AB");
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("palette-SetOutput")).ToBeVisibleAsync();
        await page.GetByLabel("flow id").FillAsync("picked-cards");
        await DropAsync(page, "Log", 150, 150);
        await SelectNodeAsync(page, "log1");

        // Tab after the selected node; the search finds a card by its connector's name.
        await page.Locator(".react-flow__pane").PressAsync("Tab");
        var picker = page.GetByTestId("node-picker");
        await Assertions.Expect(picker).ToBeVisibleAsync();
        await page.GetByLabel("search steps").FillAsync("pick co");
        var card = picker.GetByTestId("pick-card-pickco-customApiAction");
        await Assertions.Expect(card).ToBeVisibleAsync();
        await Assertions.Expect(card).ToContainTextAsync("Custom API Action");
        await Assertions.Expect(card).ToContainTextAsync("Pick Co");
        await Assertions.Expect(picker.GetByTestId("pick-card-otherco-customApiAction")).ToHaveCountAsync(0);
        // Branded: the connector's initial (it has no icon) in its accent colour.
        await Assertions.Expect(card.GetByTestId("brand-initial")).ToHaveTextAsync("P");
        (await card.GetByTestId("brand-initial").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor")).ShouldBe("rgb(43, 138, 62)");
        await DocsScreenshotSpecs.SaveAsync(page, "designer-picker-cards.png");

        // The best match is first: Enter adds it, preset to the card and connected from log1.
        await page.Keyboard.PressAsync("Enter");
        var node = Node(page, "customApiAction1");
        await Assertions.Expect(node).ToBeVisibleAsync();
        await Assertions.Expect(node.Locator(".fc-node")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("branded"));
        await Assertions.Expect(page.Locator("[data-testid='rf__edge-log1:done->customApiAction1']")).ToHaveCountAsync(1);
        await page.Keyboard.PressAsync("Escape");
        await page.GetByTestId("save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("unsaved")).ToHaveCountAsync(0);
        var draft = System.Text.Json.Nodes.JsonNode.Parse(await fixture.Client.GetStringAsync("/api/flows/picked-cards/draft"))!;
        var saved = draft["flow"]!["nodes"]!.AsArray().Single(n => (string)n!["id"]! == "customApiAction1")!;
        ((string)saved["type"]!).ShouldBe("Connector.Action");
        ((string)saved["inputs"]!["connector"]!).ShouldBe("pickco");
        ((string)saved["inputs"]!["action"]!).ShouldBe("customApiAction");
    });

    private async Task CreateConnectorAsync(string key, string name, string accent)
    {
        using var response = await fixture.Client.PostAsync("/api/connectors", new StringContent($$"""
            { "key": "{{key}}", "name": "{{name}}", "baseUrl": "http://127.0.0.1:9/", "accentColor": "{{accent}}", "authPingPath": "/me",
              "auth": { "kind": "apiKey", "parameter": "token", "tokenType": "Bearer" } }
            """, Encoding.UTF8, "application/json"));
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }
}
