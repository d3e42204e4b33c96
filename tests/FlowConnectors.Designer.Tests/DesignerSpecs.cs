using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace FlowConnectors.Designer.Tests;

/// <summary>The designer in a real browser against the real server: build a flow by hand, save it, run it, see problems.</summary>
public sealed class DesignerSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    [Fact]
    public Task A_flow_built_from_the_palette_saves_runs_and_shows_its_output() => WithPage(async page =>
    {
        await SetFlowAsync(page, "designer-e2e", """[{ "name": "greeting", "type": "string" }]""");
        await DropAsync(page, "Log", 150, 120);
        await DropAsync(page, "SetOutput", 500, 120);
        await ConnectAsync(page, "log1", "done", "setOutput1");
        await Assertions.Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(1);

        await SelectNodeAsync(page, "log1");
        await page.Locator("[data-testid=input-message] textarea").FillAsync("starting");
        await SelectNodeAsync(page, "setOutput1");
        await page.Locator("[data-testid=input-name] textarea").FillAsync("greeting");
        await page.GetByTestId("mode-value-js").ClickAsync();
        await page.Locator("[data-testid=input-value] .cm-content").FillAsync("'hi ' + (40 + 2)");

        await Assertions.Expect(page.GetByTestId("validity")).ToHaveTextAsync("0 errors, 0 warnings");
        // Save keeps a draft; Publish makes the first version (drafts: README "Designer").
        await page.GetByTestId("publish").ClickAsync();
        await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("published designer-e2e version 1");

        await page.GetByTestId("run-toggle").ClickAsync();
        await page.GetByTestId("run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("run-status-text")).ToHaveTextAsync("finished");
        await Assertions.Expect(page.GetByTestId("run-outputs")).ToContainTextAsync("\"greeting\": \"hi 42\"");
        await Assertions.Expect(page.Locator("[data-testid=node-log1] [data-testid=run-status]")).ToHaveTextAsync("done");
        await Assertions.Expect(page.Locator("[data-testid=node-setOutput1] [data-testid=run-status]")).ToHaveTextAsync("done");

        // What the server stored is the flow JSON the designer drew.
        var saved = JsonNode.Parse(await fixture.Client.GetStringAsync("/api/flows/designer-e2e"))!;
        saved["connections"]!.ToJsonString().ShouldBe("""[{"from":"log1:done","to":"setOutput1"}]""");
        ((string?)saved["nodes"]![1]!["inputs"]!["value"]!["js"]).ShouldBe("'hi ' + (40 + 2)");
        ((double?)saved["nodes"]![0]!["ui"]!["x"]).ShouldNotBeNull();
    });

    [Fact]
    public Task A_validation_error_shows_on_the_node_it_is_about_and_selects_it_from_the_problems_panel() => WithPage(async page =>
    {
        await SetFlowAsync(page, "designer-invalid", "[]");
        await DropAsync(page, "Log", 150, 120);
        await DropAsync(page, "SetOutput", 500, 120);
        await SelectNodeAsync(page, "log1");
        await page.Locator("[data-testid=input-message] textarea").FillAsync("fine");

        // SetOutput without its required name: the error badge is on setOutput1, not on log1.
        await Assertions.Expect(page.Locator("[data-testid=node-setOutput1] [data-testid=error-badge]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=node-log1] [data-testid=error-badge]")).ToHaveCountAsync(0);

        await page.Locator(".react-flow__pane").ClickAsync(new LocatorClickOptions { Position = new Position { X = 20, Y = 300 } });
        await page.Locator("[data-testid=problems] li[data-node=setOutput1]").First.ClickAsync();
        await Assertions.Expect(page.GetByLabel("node id")).ToHaveValueAsync("setOutput1");
        // Selecting from the problems panel centers the node with a short animation: a click while the canvas moves
        // lands beside the node and clears the selection.
        await FlowPage.ViewportSettledAsync(page);

        // Giving it a declared output name clears the error.
        await SelectNodeAsync(page, "setOutput1");
        await page.Locator("[data-testid=input-name] textarea").FillAsync("undeclared");
        await Assertions.Expect(page.Locator("[data-testid=problems]")).ToContainTextAsync("not declared");
    });

    [Fact]
    public Task Layout_arranges_along_connections_and_undo_brings_back_a_deleted_node() => WithPage(async page =>
    {
        await SetFlowAsync(page, "designer-layout", "[]");
        // Drawn backwards: the connection runs from the right node to the left one.
        await DropAsync(page, "Log", 150, 120);
        await DropAsync(page, "SetOutput", 500, 120);
        await ConnectAsync(page, "setOutput1", "done", "log1");
        await Assertions.Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(1);
        (await XAsync(page, "log1")).ShouldBeLessThan(await XAsync(page, "setOutput1"));

        await page.GetByTestId("layout").ClickAsync();
        await EventuallyAsync(async () => await XAsync(page, "log1") > await XAsync(page, "setOutput1") + 50, "log1 right of setOutput1 after Layout");
        // Layout then fits the view with a short animation: a click while the canvas moves lands beside the node.
        await FlowPage.ViewportSettledAsync(page);

        // Delete a node (its connection goes with it); Ctrl+Z brings both back, Ctrl+Shift+Z deletes again.
        await SelectNodeAsync(page, "log1");
        await page.Keyboard.PressAsync("Delete");
        await Assertions.Expect(page.Locator(".react-flow__node[data-id='log1']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("Control+z");
        await Assertions.Expect(page.Locator(".react-flow__node[data-id='log1']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(1);
        await page.Keyboard.PressAsync("Control+Shift+z");
        await Assertions.Expect(page.Locator(".react-flow__node[data-id='log1']")).ToHaveCountAsync(0);
        await page.GetByTestId("undo").ClickAsync();
        await Assertions.Expect(page.Locator(".react-flow__node[data-id='log1']")).ToHaveCountAsync(1);

        // Copy and paste: a fresh id, selected.
        await SelectNodeAsync(page, "setOutput1");
        await page.Keyboard.PressAsync("Control+c");
        await page.Keyboard.PressAsync("Control+v");
        await Assertions.Expect(page.Locator(".react-flow__node[data-id='setOutput2']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByLabel("node id")).ToHaveValueAsync("setOutput2");
    });

    private static async Task<double> XAsync(IPage page, string id) =>
        (await page.Locator($".react-flow__node[data-id='{id}']").BoundingBoxAsync())!.X;

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(10); !await condition(); await Task.Delay(100))
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not true within 10 s: {what}");
    }

    private Task WithPage(Func<IPage, Task> test, [CallerMemberName] string name = "") => FlowPage.WithPageAsync(fixture, test, name: name);

    private static async Task SetFlowAsync(IPage page, string id, string outputs)
    {
        await page.GetByLabel("flow id").FillAsync(id);
        await page.Locator("[data-testid=declarations-outputs] h4 button").ClickAsync();
        await page.GetByLabel("outputs JSON").FillAsync(outputs);
    }

    private static Task DropAsync(IPage page, string type, float x, float y) =>
        page.GetByTestId($"palette-{type}").DragToAsync(page.Locator(".react-flow__pane"),
            new LocatorDragToOptions { TargetPosition = new TargetPosition { X = x, Y = y } });

    private static async Task ConnectAsync(IPage page, string from, string outcome, string to)
    {
        var source = await page.Locator($".react-flow__node[data-id='{from}'] .react-flow__handle.source[data-handleid='{outcome}']").BoundingBoxAsync();
        var target = await page.Locator($".react-flow__node[data-id='{to}'] .react-flow__handle.target").BoundingBoxAsync();
        await page.Mouse.MoveAsync(source!.X + source.Width / 2, source.Y + source.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(target!.X + target.Width / 2, target.Y + target.Height / 2, new MouseMoveOptions { Steps = 10 });
        await page.Mouse.UpAsync();
    }

    private static Task SelectNodeAsync(IPage page, string id) => FlowPage.SelectNodeAsync(page, id);
}
