using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static FlowConnectors.Designer.Tests.FlowPage;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// Issue 14's "look and first contact": small screens, dark mode, icons and category colours, folding panels,
/// the node picker, the keyboard, the flow list, the code editors, the layered layout, and a first flow built
/// with the picker (clicks counted, figures printed).
/// </summary>
public sealed class LookAndKeyboardSpecs(DesignerFixture fixture, ITestOutputHelper output) : IClassFixture<DesignerFixture>
{
    private static readonly string[] Samples = ["switch", "join-any", "fork-join-all", "fail-and-fault-handler"];

    [Theory]
    [InlineData(1280, 720, false)]
    [InlineData(1024, 768, true)]
    public Task The_designer_fits_a_small_screen_on_one_toolbar_row_and_its_panels_fold_away(int width, int height, bool dark) => WithPageAsync(fixture, async page =>
    {
        if (dark) await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", dark ? "dark" : "light");
        await StoreSampleAsync("hello");
        await OpenFlowAsync(page, "hello");

        // One toolbar row, and every control of it on the screen.
        var toolbar = (await page.Locator(".toolbar").BoundingBoxAsync())!;
        var save = (await page.GetByTestId("save").BoundingBoxAsync())!;
        toolbar.Height.ShouldBeLessThan(save.Height * 2, $"the toolbar wraps at {width} px");
        foreach (var control in await page.Locator(".toolbar button, .toolbar input.api-key, .toolbar label.import").AllAsync())
        {
            var box = (await control.BoundingBoxAsync())!;
            (box.X + box.Width).ShouldBeLessThanOrEqualTo(width, $"{await control.GetAttributeAsync("aria-label") ?? await control.TextContentAsync()} is cut off at {width} px");
        }
        await DocsScreenshotSpecs.SaveAsync(page, $"designer-{width}x{height}{(dark ? "-dark" : "")}.png");

        // Folding the palette, the inspector, the bottom panel and the minimap gives the canvas their room.
        var canvas = (await page.Locator(".canvas").BoundingBoxAsync())!;
        await page.GetByTestId("toggle-palette").ClickAsync();
        await page.GetByTestId("toggle-inspector").ClickAsync();
        await page.GetByTestId("toggle-bottom").ClickAsync();
        await page.GetByTestId("toggle-minimap").ClickAsync();
        await Assertions.Expect(page.Locator(".palette")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".inspector")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("footer.bottom")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".react-flow__minimap")).ToHaveCountAsync(0);
        var full = (await page.Locator(".canvas").BoundingBoxAsync())!;
        full.Width.ShouldBeGreaterThan(canvas.Width + 400);
        full.Height.ShouldBeGreaterThan(canvas.Height + 100);
        // The choice is kept: a reload shows the same screen.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator(".react-flow__pane")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".palette")).ToHaveCountAsync(0);
        await page.GetByTestId("toggle-palette").ClickAsync();
        await Assertions.Expect(page.GetByTestId("palette-SetOutput")).ToBeVisibleAsync();
    }, width: width, height: height);

    [Fact]
    public Task Activities_carry_their_categorys_icon_and_colour_in_the_palette_and_on_the_canvas() => WithPageAsync(fixture, async page =>
    {
        async Task<string> Colour(ILocator scope) => (await scope.Locator(".activity-icon").First.GetAttributeAsync("data-color"))!;
        var http = await Colour(page.GetByTestId("palette-Http.SendRequest"));
        var script = await Colour(page.GetByTestId("palette-RunJavaScript"));
        var template = await Colour(page.GetByTestId("palette-Template"));
        http.ShouldNotBe(script);
        template.ShouldBe(script, "one category, one colour");
        await Assertions.Expect(page.GetByTestId("palette-Http.SendRequest").Locator(".activity-icon svg")).ToHaveCountAsync(1);

        await DropAsync(page, "Http.SendRequest", 150, 120);
        (await Colour(Node(page, "sendHttpRequest1"))).ShouldBe(http);
        (await Node(page, "sendHttpRequest1").Locator(".fc-node").GetAttributeAsync("style"))!.ShouldContain(http);
        // The favicon is the designer's own.
        (await page.Locator("link[rel=icon]").GetAttributeAsync("href"))!.ShouldEndWith(".svg");
    });

    [Fact]
    public Task Tab_and_Add_first_step_open_a_searchable_picker_that_adds_and_connects_the_step() => WithPageAsync(fixture, async page =>
    {
        await page.GetByLabel("flow id").FillAsync("picked");
        // An empty flow offers its first step.
        await page.GetByTestId("add-first-step").ClickAsync();
        await page.GetByLabel("search steps").FillAsync("log");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(Node(page, "log1")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("empty-state")).ToHaveCountAsync(0);
        // The picked step opens at once; Escape closes it, Tab on the canvas picks the next one after the selected node.
        await Assertions.Expect(page.GetByTestId("node-details")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.GetByTestId("node-details")).ToHaveCountAsync(0);
        await page.Locator("body").PressAsync("Tab");
        await Assertions.Expect(page.GetByTestId("node-picker")).ToBeVisibleAsync();
        await page.GetByLabel("search steps").FillAsync("set out");
        await page.GetByTestId("pick-SetOutput").ClickAsync();
        await Assertions.Expect(Node(page, "setOutput1")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid='rf__edge-log1:done->setOutput1']")).ToHaveCountAsync(1);
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.GetByTestId("node-details")).ToHaveCountAsync(0);

        // One undo step removes the node and its connection together.
        await page.Locator(".react-flow__pane").ClickAsync(new LocatorClickOptions { Position = new Position { X = 20, Y = 20 } });
        await page.Keyboard.PressAsync("Control+z");
        await Assertions.Expect(Node(page, "setOutput1")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(0);
    });

    [Fact]
    public Task Ctrl_S_saves_Ctrl_A_selects_every_node_and_Escape_closes_each_popover() => WithPageAsync(fixture, async page =>
    {
        await StoreSampleAsync("hello");
        await OpenFlowAsync(page, "hello");
        await page.GetByLabel("flow name").FillAsync("Hello, kept by the keyboard");
        await Assertions.Expect(page.GetByTestId("unsaved")).ToBeVisibleAsync();
        // Ctrl+S saves even while typing in a field.
        await page.GetByLabel("flow name").PressAsync("Control+s");
        await Assertions.Expect(page.GetByTestId("unsaved")).ToHaveCountAsync(0);
        var draft = JsonNode.Parse(await fixture.Client.GetStringAsync("/api/flows/hello/draft"))!;
        ((string?)draft["flow"]!["name"]).ShouldBe("Hello, kept by the keyboard");

        await page.Locator(".react-flow__pane").ClickAsync(new LocatorClickOptions { Position = new Position { X = 20, Y = 20 } });
        await page.Keyboard.PressAsync("Control+a");
        var nodes = await page.Locator(".react-flow__node").CountAsync();
        nodes.ShouldBeGreaterThan(1);
        await Assertions.Expect(page.Locator(".react-flow__node.selected")).ToHaveCountAsync(nodes);

        // Escape closes the flow list, the run form, the node picker and node details.
        await page.GetByRole(AriaRole.Button, new() { Name = "Open…" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("flow-list")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.GetByTestId("flow-list")).ToHaveCountAsync(0);
        await page.GetByTestId("run-toggle").ClickAsync();
        await Assertions.Expect(page.GetByTestId("run-form")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.GetByTestId("run-form")).ToHaveCountAsync(0);
        await page.Locator(".react-flow__pane").ClickAsync(new LocatorClickOptions { Position = new Position { X = 20, Y = 20 } });
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.GetByTestId("node-picker")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.GetByTestId("node-picker")).ToHaveCountAsync(0);
    });

    [Fact]
    public Task The_flow_list_is_searched_by_id_name_and_tag() => WithPageAsync(fixture, async page =>
    {
        await SaveFlowAsync(fixture, """{ "format": 1, "id": "list-orders", "name": "Sync orders", "nodes": [ { "id": "a", "type": "NoOp" } ], "connections": [] }""");
        await SaveFlowAsync(fixture, """{ "format": 1, "id": "list-people", "name": "People import", "nodes": [ { "id": "a", "type": "NoOp" } ], "connections": [] }""");
        using (var response = await fixture.Client.PutAsync("/api/flows/list-scratch/draft", new StringContent(
            """{ "flow": { "format": 1, "id": "list-scratch", "nodes": [ { "id": "a", "type": "NoOp" } ], "connections": [] }, "pins": {} }""",
            System.Text.Encoding.UTF8, "application/json")))
            response.IsSuccessStatusCode.ShouldBeTrue();

        await page.GetByRole(AriaRole.Button, new() { Name = "Open…" }).ClickAsync();
        var list = page.GetByTestId("flow-list");
        await Assertions.Expect(list.GetByTestId("flow-item-list-orders")).ToContainTextAsync("v1 live");
        await Assertions.Expect(list.GetByTestId("flow-item-list-scratch")).ToContainTextAsync("draft");
        await page.GetByLabel("search flows").FillAsync("people");
        await Assertions.Expect(list.Locator(".open-flow-item")).ToHaveCountAsync(1);
        await Assertions.Expect(list.GetByTestId("flow-item-list-people")).ToBeVisibleAsync();
        await page.GetByLabel("search flows").FillAsync("list-");
        await Assertions.Expect(list.Locator(".open-flow-item")).ToHaveCountAsync(3);
        await list.GetByTestId("flow-filter-draft").ClickAsync();
        await Assertions.Expect(list.Locator(".open-flow-item")).ToHaveCountAsync(1);
        await Assertions.Expect(list.GetByTestId("flow-item-list-scratch")).ToBeVisibleAsync();
        await DocsScreenshotSpecs.SaveAsync(page, "designer-flow-list.png");
        // The keyboard opens the highlighted one.
        await page.GetByLabel("search flows").PressAsync("Enter");
        await Assertions.Expect(page.GetByLabel("flow id")).ToHaveValueAsync("list-scratch");
        await Assertions.Expect(page.GetByTestId("flow-list")).ToHaveCountAsync(0);
    });

    [Fact]
    public Task Run_JavaScripts_code_opens_a_full_editor_with_completion_JSON_gets_a_JSON_editor_and_modes_switch_only_on_purpose() => WithPageAsync(fixture, async page =>
    {
        await page.GetByLabel("flow id").FillAsync("code-editors");
        await DropAsync(page, "RunJavaScript", 150, 120);
        await SelectNodeAsync(page, "runJavaScript1");
        await page.GetByTestId("open-editor-code").ClickAsync();
        var modal = page.GetByTestId("code-modal");
        await Assertions.Expect(modal).ToBeVisibleAsync();
        var editor = modal.Locator(".cm-content");
        await editor.ClickAsync();
        await page.Keyboard.TypeAsync("const list = ar");
        await page.Locator(".cm-tooltip-autocomplete li").Filter(new() { HasText = "args" }).ClickAsync();
        await page.Keyboard.TypeAsync(";\nreturn li");
        await Assertions.Expect(page.Locator(".cm-tooltip-autocomplete li").Filter(new() { HasText = "list" }).First).ToBeVisibleAsync();
        await DocsScreenshotSpecs.SaveAsync(page, "designer-code-editor.png");
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(modal).ToBeVisibleAsync();
        // Resizable: its box is the user's to drag; the editor fills it and numbers its lines.
        (await modal.EvaluateAsync<string>("m => getComputedStyle(m).resize")).ShouldBe("both");
        await Assertions.Expect(modal.Locator(".cm-lineNumbers")).ToHaveCountAsync(1);
        var box = (await modal.BoundingBoxAsync())!;
        box.Width.ShouldBeGreaterThan(600);
        await modal.GetByTestId("code-modal-done").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=input-code] .cm-content")).ToHaveTextAsync("const list = args;return li");

        // A JSON input: a JSON editor that says when the text is not JSON.
        await DropAsync(page, "Return", 450, 120);
        await SelectNodeAsync(page, "return1");
        var outputs = page.Locator("[data-testid=input-outputs] .cm-content");
        await outputs.FillAsync("{ \"a\": ");
        await Assertions.Expect(page.GetByTestId("json-problem")).ToBeVisibleAsync();
        await outputs.FillAsync("{ \"a\": 1 }");
        await Assertions.Expect(page.GetByTestId("json-problem")).ToHaveCountAsync(0);

        // Modes: a literal becomes the same value as an expression at once; an expression back to a literal asks first.
        await SelectNodeAsync(page, "runJavaScript1");
        await page.Locator("[data-testid=input-args] textarea").FillAsync("[1, 2]");
        await page.GetByTestId("mode-args-js").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=input-args] .cm-content")).ToHaveTextAsync("[1,2]");
        await page.Locator("[data-testid=input-args] .cm-content").FillAsync("nodes.return1.outputs");
        await page.GetByTestId("mode-args-literal").ClickAsync();
        await Assertions.Expect(page.GetByTestId("mode-confirm-args")).ToBeVisibleAsync();
        await page.GetByTestId("mode-confirm-args").GetByRole(AriaRole.Button, new() { Name = "Keep expression" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("mode-args-js")).ToHaveAttributeAsync("aria-selected", "true");
        var flow = await page.EvaluateAsync<string>("() => document.querySelector('[data-testid=input-args] .cm-content').textContent");
        flow.ShouldBe("nodes.return1.outputs");
        await page.GetByTestId("mode-args-literal").ClickAsync();
        await page.GetByTestId("mode-confirm-yes-args").ClickAsync();
        await Assertions.Expect(page.GetByTestId("mode-args-literal")).ToHaveAttributeAsync("aria-selected", "true");
    });

    [Fact]
    public Task Layout_puts_the_sample_flows_in_layers_with_every_outcome_label_clear_of_the_nodes() => WithPageAsync(fixture, async page =>
    {
        // Layout is an edit: opening the next sample over it is answered yes in the page (the question is not what is tested).
        await page.EvaluateAsync("() => { window.confirm = () => true; }");
        foreach (var sample in Samples)
        {
            await StoreSampleAsync(sample);
            // The samples carry no positions: opening lays them out in layers and fits them to the screen.
            await OpenFlowAsync(page, sample);
            await EventuallyAsync(async () =>
            {
                var laid = await Boxes(page, ".react-flow__node");
                return laid.All(a => laid.All(b => a == b || !Overlap(a, b)));
            }, $"{sample} laid out");
            await ViewportSettledAsync(page);
            var nodes = await Boxes(page, ".react-flow__node");
            // Fit view: the whole flow is on the canvas.
            var canvas = (await page.Locator(".react-flow").BoundingBoxAsync())!;
            foreach (var node in nodes)
                (node.X >= canvas.X - 1 && node.X + node.Width <= canvas.X + canvas.Width + 1).ShouldBeTrue($"{sample}: a node is off the canvas after fit");
            var labels = await Boxes(page, ".edge-label");
            foreach (var label in labels)
                foreach (var node in nodes)
                    Overlap(label, node).ShouldBeFalse($"{sample}: an outcome label lies on a node");
            foreach (var a in nodes)
                foreach (var b in nodes)
                    if (a != b) Overlap(a, b).ShouldBeFalse($"{sample}: two nodes overlap");
            await DocsScreenshotSpecs.SaveAsync(page, $"designer-layout-{sample}.png");
            // Layout again (the toolbar's button) keeps the same reading: layered, nothing overlapping.
            await page.GetByTestId("layout").ClickAsync();
            await ViewportSettledAsync(page);
            var again = await Boxes(page, ".react-flow__node");
            again.All(a => again.All(b => a == b || !Overlap(a, b))).ShouldBeTrue($"{sample}: nodes overlap after Layout");
        }
    }, width: 1280, height: 720);

    /// <summary>
    /// Send HTTP Request → Run JavaScript → Return with the picker, each step's data shown as it is built, tested
    /// step by step and published; the clicks are counted and printed (n8n: 10–12), with the test step's overhead.
    /// </summary>
    [Fact]
    public async Task A_first_flow_is_built_with_the_picker_and_its_data_is_visible_at_every_step()
    {
        await using var vendor = await StubVendorAsync();
        var clicks = 0;
        var drags = 0;
        async Task Click(ILocator locator) { clicks++; await locator.ClickAsync(); }
        var figures = new List<string>();

        await WithPageAsync(fixture, async page =>
        {
            await page.GetByLabel("flow id").FillAsync("first-contact");
            var details = page.GetByTestId("node-details");

            // 1. The request: Add first step, type, Enter; it opens with its settings and Test step.
            await Click(page.GetByTestId("add-first-step"));
            await page.GetByLabel("search steps").FillAsync("send");
            await page.Keyboard.PressAsync("Enter");
            await Click(details.Locator("[data-testid=input-url] textarea"));
            await page.Keyboard.TypeAsync(vendor + "items");
            await Click(details.GetByTestId("test-step"));
            await Assertions.Expect(details.GetByTestId("details-outcome")).ToHaveTextAsync("2xx");
            await Assertions.Expect(details.GetByTestId("output-data")).ToContainTextAsync("items");

            // 2. The script: Add next step from the details; the request's data is on its input side at once.
            await Click(details.GetByTestId("add-next-step"));
            await page.GetByLabel("search steps").FillAsync("javascript");
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(details.GetByTestId("input-data-sendHttpRequest1")).ToContainTextAsync("items");
            drags++;
            await details.GetByTestId("input-data-sendHttpRequest1").Locator("[data-path='nodes.sendHttpRequest1.body.items']").DragToAsync(details.GetByTestId("input-args"));
            await Click(details.Locator("[data-testid=input-code] .cm-content"));
            await page.Keyboard.TypeAsync("return args.map(item => item.name)");
            await Assertions.Expect(details.Locator("[data-testid=input-code] [data-testid=preview]")).ToContainTextAsync("[\"Ada\",\"Grace\"]");
            var (total, own) = await TimedTestStepAsync(page, "runJavaScript1", () => Click(details.GetByTestId("test-step")));
            figures.Add($"test step of Run JavaScript (saves the draft, runs the node on the server, shows its output): {total:F0} ms from the click to the output on screen, of which the node's own work {own:F0} ms: {total - own:F0} ms beyond it");
            await Assertions.Expect(details.GetByTestId("output-data")).ToContainTextAsync("Ada");

            // 3. Return: its outputs from the script's result, tested too.
            await Click(details.GetByTestId("add-next-step"));
            await page.GetByLabel("search steps").FillAsync("return");
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(details.GetByTestId("input-data-runJavaScript1")).ToContainTextAsync("Grace");
            await Click(details.Locator("[data-testid=input-outputs] .cm-content"));
            await page.Keyboard.TypeAsync("{ \"names\": { \"js\": \"nodes.runJavaScript1.result\"");
            // The flow does not declare 'names' yet: one click declares it.
            await Click(details.GetByTestId("declare-output-names"));
            await Assertions.Expect(page.GetByTestId("validity")).ToHaveTextAsync("0 errors, 0 warnings");
            await Click(details.GetByTestId("test-step"));
            await Assertions.Expect(details.GetByTestId("details-outcome")).ToHaveTextAsync("finish");
            await Assertions.Expect(details.GetByTestId("output-inputs")).ToContainTextAsync("outputs");
            await DocsScreenshotSpecs.SaveAsync(page, "designer-first-contact.png");
            await page.Keyboard.PressAsync("Escape");

            await Assertions.Expect(page.Locator("[data-testid='rf__edge-sendHttpRequest1:2xx->runJavaScript1']")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("[data-testid='rf__edge-runJavaScript1:done->return1']")).ToHaveCountAsync(1);
            await Click(page.GetByTestId("publish"));
            await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("published first-contact version 1");
            using var run = await fixture.Client.PostAsync("/api/flows/first-contact/run", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
            (await run.Content.ReadAsStringAsync()).ShouldContain("Grace");
        });
        var line = $"first contact with the picker (HTTP → JavaScript → Return, data shown and tested at each step, published): {clicks} clicks, {drags} drag (n8n: 10–12 clicks)";
        output.WriteLine(line);
        foreach (var f in figures) output.WriteLine(f);
        await File.AppendAllLinesAsync(Path.Combine(AppContext.BaseDirectory, "designer-performance.txt"), [line, .. figures]);
    }

    /// <summary>Clicks Test step; returns the milliseconds in the page from the click to the output painted, and the node's own duration from the server.</summary>
    private static async Task<(double Total, double Own)> TimedTestStepAsync(IPage page, string nodeId, Func<Task> click)
    {
        await page.EvaluateAsync("""
            nodeId => {
              window.__stepTimes = {};
              const button = document.querySelector('[data-testid=test-step]');
              button.addEventListener('click', () => { window.__stepTimes.start = performance.now(); }, { once: true, capture: true });
              const observer = new MutationObserver(() => {
                const toast = document.querySelector('[data-testid=message]');
                // The toast of this step (an earlier step's toast may still be on screen).
                if (window.__stepTimes.start && !window.__stepTimes.end && toast && toast.textContent.startsWith(`test step ${nodeId}:`)) {
                  requestAnimationFrame(() => { window.__stepTimes.end = performance.now(); window.__stepTimes.text = toast.textContent; });
                  observer.disconnect();
                }
              });
              observer.observe(document.body, { childList: true, subtree: true, characterData: true });
            }
            """, nodeId);
        await click();
        await FlowPage.EventuallyAsync(async () => await page.EvaluateAsync<bool>("() => !!window.__stepTimes.end"), "the test step's result on screen");
        var total = await page.EvaluateAsync<double>("() => window.__stepTimes.end - window.__stepTimes.start");
        var text = await page.EvaluateAsync<string>("() => window.__stepTimes.text");
        var match = System.Text.RegularExpressions.Regex.Match(text, @"in (\d+) ms");
        return (total, match.Success ? double.Parse(match.Groups[1].Value) : 0);
    }

    private async Task StoreSampleAsync(string name) =>
        await SaveFlowAsync(fixture, await File.ReadAllTextAsync(Path.Combine(RepoRoot(), "flows", "examples", $"{name}.flow.json")));

    private static async Task<List<LocatorBoundingBoxResult>> Boxes(IPage page, string selector)
    {
        var boxes = new List<LocatorBoundingBoxResult>();
        foreach (var element in await page.Locator(selector).AllAsync())
            if (await element.BoundingBoxAsync() is { } box) boxes.Add(box);
        return boxes;
    }

    private static bool Overlap(LocatorBoundingBoxResult a, LocatorBoundingBoxResult b) =>
        a.X < b.X + b.Width && b.X < a.X + a.Width && a.Y < b.Y + b.Height && b.Y < a.Y + a.Height;

    private sealed class Vendor(WebApplication app, string url) : IAsyncDisposable
    {
        public override string ToString() => url;
        public async ValueTask DisposeAsync() { await app.StopAsync(); await app.DisposeAsync(); }
    }

    /// <summary>A stub vendor on 127.0.0.1: /items answers two people.</summary>
    private static async Task<Vendor> StubVendorAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/items", () => Results.Json(new { items = new[] { new { name = "Ada", id = 1 }, new { name = "Grace", id = 2 } } }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Vendor(app, address.TrimEnd('/') + "/");
    }
}
