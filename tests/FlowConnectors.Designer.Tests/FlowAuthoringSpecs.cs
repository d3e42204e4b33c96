using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using Microsoft.Playwright;
using static FlowConnectors.Designer.Tests.FlowPage;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// Flow authoring and running in the browser: export and import, the code editor's completion, declarations forms,
/// version history, the run panel with a suspended instance, pasting flow JSON from the system clipboard, fit view.
/// </summary>
public sealed class FlowAuthoringSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    [Fact]
    public Task What_the_designer_exports_is_byte_identical_to_the_CLI_serialization_of_the_same_flow() => WithPageAsync(fixture, async page =>
    {
        // Hand-written: keys out of order, four-space indent — not canonical.
        var text = """
            {
                "nodes": [
                    { "type": "Log", "id": "say", "inputs": { "message": { "template": "hi {{ input.who }}" } }, "ui": { "y": 40, "x": 100 } },
                    { "id": "out", "type": "SetOutput", "ui": { "x": 400, "y": 40 }, "inputs": { "value": { "js": "input.who.toUpperCase()" }, "name": "who" } }
                ],
                "id": "export-me",
                "format": 1,
                "connections": [ { "to": "out", "from": "say:done" } ],
                "outputs": [ { "type": "string", "name": "who" } ],
                "inputs": [ { "name": "who", "type": "string", "required": true, "label": "Who" } ]
            }
            """;
        await page.GetByLabel("import flow").SetInputFilesAsync(TempFile("export-me.flow.json", text));
        await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("imported export-me.flow.json as export-me version 1");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export").ClickAsync());
        download.SuggestedFilename.ShouldBe("export-me.flow.json");
        var exported = await File.ReadAllBytesAsync((await download.PathAsync())!);

        // The CLI's serialization of the same hand-written file: `flowc format --stdout`, run as a process.
        var cli = Encoding.UTF8.GetBytes(await FlowcFormatAsync(TempFile("export-me-cli.flow.json", text)));
        Encoding.UTF8.GetString(exported).ShouldBe(Encoding.UTF8.GetString(cli));
        exported.SequenceEqual(cli).ShouldBeTrue();
        Encoding.UTF8.GetString(exported).ShouldNotBe(text);
    });

    private static async Task<string> FlowcFormatAsync(string file)
    {
        var flowc = Path.Combine(AppContext.BaseDirectory, "flowc.dll");
        File.Exists(flowc).ShouldBeTrue($"flowc.dll is missing next to the tests: {flowc}");
        var start = new System.Diagnostics.ProcessStartInfo(Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = new UTF8Encoding(false),
        };
        foreach (var arg in new[] { flowc, "format", file, "--stdout" }) start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        process.ExitCode.ShouldBe(0, await stderr);
        return await stdout;
    }

    [Fact]
    public async Task The_format_endpoint_answers_the_canonical_text_or_names_what_is_wrong_where()
    {
        var text = """{ "id": "fmt", "format": 1, "nodes": [ { "type": "NoOp", "id": "a" } ], "connections": [] }""";
        using var ok = await fixture.Client.PostAsync("/api/flows/format", new StringContent(text, Encoding.UTF8, "application/json"));
        ok.IsSuccessStatusCode.ShouldBeTrue();
        (await ok.Content.ReadAsStringAsync()).ShouldBe(FlowJson.Save(FlowJson.Parse(text)));

        using var bad = await fixture.Client.PostAsync("/api/flows/format", new StringContent(
            """{ "id": "fmt", "format": 1, "nodes": [ { "type": "NoOp", "id": "a", "colour": "red" } ], "connections": [] }""", Encoding.UTF8, "application/json"));
        ((int)bad.StatusCode).ShouldBe(422);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("$.nodes[0].colour");

        using var notJson = await fixture.Client.PostAsync("/api/flows/format", new StringContent("{ nope", Encoding.UTF8, "application/json"));
        ((int)notJson.StatusCode).ShouldBe(422);
        using var wrongType = await fixture.Client.PostAsync("/api/flows/format", new StringContent(text, Encoding.UTF8, "text/plain"));
        ((int)wrongType.StatusCode).ShouldBe(415);
    }

    [Fact]
    public Task Importing_a_flow_whose_id_exists_offers_as_new_or_replace_and_replace_asks_first() => WithPageAsync(fixture, async page =>
    {
        await SaveFlowAsync(fixture, """{ "format": 1, "id": "imp", "name": "Original", "nodes": [ { "id": "a", "type": "NoOp" } ], "connections": [] }""");
        var file = TempFile("imp.flow.json", """{ "format": 1, "id": "imp", "name": "Imported", "nodes": [ { "id": "b", "type": "NoOp", "ui": { "x": 0, "y": 0 } } ], "connections": [] }""");

        await page.GetByLabel("import flow").SetInputFilesAsync(file);
        await Assertions.Expect(page.GetByTestId("import-dialog")).ToContainTextAsync("A flow with the id imp exists already.");
        await page.GetByTestId("import-as-new").ClickAsync();
        await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("imported imp.flow.json as imp-2 version 1");
        await Assertions.Expect(page.GetByLabel("flow id")).ToHaveValueAsync("imp-2");
        ((string?)JsonNode.Parse(await fixture.Client.GetStringAsync("/api/flows/imp-2"))!["name"]).ShouldBe("Imported");
        ((string?)JsonNode.Parse(await fixture.Client.GetStringAsync("/api/flows/imp"))!["name"]).ShouldBe("Original");

        string? asked = null;
        page.Dialog += async (_, dialog) => { asked = dialog.Message; await dialog.AcceptAsync(); };
        await page.GetByLabel("import flow").SetInputFilesAsync(file);
        await page.GetByTestId("import-replace").ClickAsync();
        await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("imported imp.flow.json as imp version 2");
        asked.ShouldNotBeNull().ShouldStartWith("Replace flow 'imp' with imp.flow.json?");
        (await VersionsAsync(fixture, "imp")).Count.ShouldBe(2);
        ((string?)JsonNode.Parse(await fixture.Client.GetStringAsync("/api/flows/imp"))!["name"]).ShouldBe("Imported");
        await Assertions.Expect(Node(page, "b")).ToHaveCountAsync(1);
    });

    [Fact]
    public Task Opening_another_flow_over_unsaved_changes_asks_first_and_keeps_them_when_declined() => WithPageAsync(fixture, async page =>
    {
        await SaveFlowAsync(fixture, """{ "format": 1, "id": "keep-me", "nodes": [ { "id": "a", "type": "NoOp", "ui": { "x": 0, "y": 0 } } ], "connections": [] }""");
        await SaveFlowAsync(fixture, """{ "format": 1, "id": "other", "nodes": [ { "id": "z", "type": "NoOp", "ui": { "x": 0, "y": 0 } } ], "connections": [] }""");
        var asked = new List<string>();
        var accept = false;
        page.Dialog += async (_, dialog) =>
        {
            asked.Add(dialog.Message);
            if (accept) await dialog.AcceptAsync(); else await dialog.DismissAsync();
        };

        await OpenFlowAsync(page, "keep-me");
        await page.GetByLabel("flow name").FillAsync("Edited, not saved");
        await page.GetByRole(AriaRole.Button, new() { Name = "Open…" }).ClickAsync();
        await page.GetByTestId("flow-item-other").ClickAsync();
        await EventuallyAsync(() => Task.FromResult(asked.Count == 1), "the question before discarding");
        asked[0].ShouldBe("Discard the unsaved changes to keep-me?");
        await Assertions.Expect(page.GetByLabel("flow id")).ToHaveValueAsync("keep-me");
        await Assertions.Expect(page.GetByLabel("flow name")).ToHaveValueAsync("Edited, not saved");

        accept = true;
        await page.GetByTestId("flow-item-other").ClickAsync();
        await Assertions.Expect(page.GetByLabel("flow id")).ToHaveValueAsync("other");
        asked.Count.ShouldBe(2);

        // Nothing unsaved now: opening asks nothing.
        await OpenFlowAsync(page, "keep-me");
        asked.Count.ShouldBe(2);
    });

    [Fact]
    public Task The_code_editor_completes_node_ids_their_outputs_and_inputs_declared_in_the_form() => WithPageAsync(fixture, async page =>
    {
        await SaveFlowAsync(fixture, """
            { "format": 1, "id": "complete-me", "inputs": [ { "name": "who", "type": "string" } ], "outputs": [ { "name": "status", "type": "any" } ],
              "nodes": [
                { "id": "fetch", "type": "Http.SendRequest", "inputs": { "url": "http://127.0.0.1:9/x" }, "ui": { "x": 0, "y": 0 } },
                { "id": "out", "type": "SetOutput", "inputs": { "name": "status" }, "ui": { "x": 300, "y": 0 } } ],
              "connections": [ { "from": "fetch:2xx", "to": "out" } ] }
            """);
        await OpenFlowAsync(page, "complete-me");

        // A second flow input, declared with the form.
        await page.GetByTestId("add-inputs").ClickAsync();
        await page.GetByLabel("inputs[1] name").FillAsync("count");
        await page.GetByLabel("inputs[1] type").FillAsync("integer");
        await page.GetByLabel("inputs[1] required").CheckAsync();

        await SelectNodeAsync(page, "out");
        await page.GetByTestId("mode-value-js").ClickAsync();
        var editor = page.Locator("[data-testid=input-value] .cm-content");
        await editor.ClickAsync();
        var options = page.Locator(".cm-tooltip-autocomplete li");

        await page.Keyboard.TypeAsync("nodes.");
        await Assertions.Expect(options.Filter(new() { HasText = "fetch" })).ToHaveCountAsync(1);
        await Assertions.Expect(options.Filter(new() { HasText = "out" })).ToHaveCountAsync(1);
        await page.Keyboard.TypeAsync("fe");
        // The option is clicked, not taken with Enter: CodeMirror ignores Enter for 75 ms after the list
        // updates (its interactionDelay), which a loaded machine's narrowing can fall inside of.
        await Assertions.Expect(options.Filter(new() { HasText = "out" })).ToHaveCountAsync(0);
        await options.Filter(new() { HasText = "fetch" }).ClickAsync();
        // The next key only after the accepted completion is in the text (a fast "." could land before it).
        await Assertions.Expect(editor).ToHaveTextAsync("nodes.fetch");
        await editor.PressAsync("End");
        await page.Keyboard.TypeAsync(".");
        await Assertions.Expect(options.Filter(new() { HasText = "statusCode" })).ToHaveCountAsync(1);
        await page.Keyboard.TypeAsync("statusC");
        await Assertions.Expect(options).ToHaveCountAsync(1);
        await options.Filter(new() { HasText = "statusCode" }).ClickAsync();
        await Assertions.Expect(editor).ToHaveTextAsync("nodes.fetch.statusCode");
        await editor.PressAsync("End");
        await page.Keyboard.TypeAsync(" ?? input.");
        await Assertions.Expect(options.Filter(new() { HasText = "count" })).ToHaveCountAsync(1);
        await Assertions.Expect(options.Filter(new() { HasText = "who" })).ToHaveCountAsync(1);
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(editor).ToHaveTextAsync("nodes.fetch.statusCode ?? input.");
        await page.Keyboard.TypeAsync("count ?? 'none'");
        await Assertions.Expect(editor).ToHaveTextAsync("nodes.fetch.statusCode ?? input.count ?? 'none'");
        // Highlighted as JavaScript: the string literal is a styled token of its own.
        await Assertions.Expect(editor.Locator("span", new() { HasTextString = "'none'" })).ToHaveCountAsync(1);

        await page.GetByTestId("publish").ClickAsync();
        await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("published complete-me version 2");
        var saved = JsonNode.Parse(await fixture.Client.GetStringAsync("/api/flows/complete-me"))!;
        ((string?)saved["nodes"]![1]!["inputs"]!["value"]!["js"]).ShouldBe("nodes.fetch.statusCode ?? input.count ?? 'none'");
        saved["inputs"]!.ToJsonString().ShouldBe("""[{"name":"who","type":"string"},{"name":"count","type":"integer","required":true}]""");
    });

    [Fact]
    public Task Version_history_views_an_older_version_restores_it_as_the_newest_and_publishes_a_chosen_one() => WithPageAsync(fixture, async page =>
    {
        await SaveFlowAsync(fixture, """{ "format": 1, "id": "hist", "name": "First", "nodes": [ { "id": "one", "type": "NoOp", "ui": { "x": 0, "y": 0 } } ], "connections": [] }""");
        await SaveFlowAsync(fixture, """{ "format": 1, "id": "hist", "name": "Second", "nodes": [ { "id": "one", "type": "NoOp", "ui": { "x": 0, "y": 0 } }, { "id": "two", "type": "NoOp", "ui": { "x": 300, "y": 0 } } ], "connections": [] }""");
        await OpenFlowAsync(page, "hist");
        await Assertions.Expect(page.Locator(".react-flow__node")).ToHaveCountAsync(2);

        await page.GetByTestId("tab-panel-versions").ClickAsync();
        await Assertions.Expect(page.GetByTestId("version-2")).ToContainTextAsync("2 (latest)");
        await Assertions.Expect(page.GetByTestId("version-2")).ToContainTextAsync("published");
        await page.GetByTestId("version-1").GetByRole(AriaRole.Button, new() { Name = "View" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("viewing-version")).ToContainTextAsync("viewing version 1");
        await Assertions.Expect(page.Locator(".react-flow__node")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByLabel("flow name")).ToHaveValueAsync("First");

        await page.GetByTestId("version-1").GetByRole(AriaRole.Button, new() { Name = "Restore" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("restored version 1 as version 3");
        await Assertions.Expect(page.GetByTestId("version-3")).ToContainTextAsync("3 (latest)");
        (await fixture.Client.GetStringAsync("/api/flows/hist?version=3")).ShouldBe(await fixture.Client.GetStringAsync("/api/flows/hist?version=1"));

        await page.GetByTestId("version-1").GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("version-1")).ToContainTextAsync("published");
        var versions = await VersionsAsync(fixture, "hist");
        versions.Single(v => (bool)v!["published"]!)!["version"]!.GetValue<int>().ShouldBe(1);
    });

    [Fact]
    public Task The_run_panel_shows_the_journal_with_secrets_redacted_what_a_suspended_instance_waits_for_and_past_instances() => WithPageAsync(fixture, async page =>
    {
        await SaveFlowAsync(fixture, """
            { "format": 1, "id": "approve-me",
              "inputs": [ { "name": "who", "type": "string", "label": "Who", "required": true }, { "name": "token", "type": "string", "secret": true } ],
              "outputs": [ { "name": "by", "type": "string" } ],
              "nodes": [
                { "id": "greet", "type": "Log", "inputs": { "message": { "template": "hello {{ input.who }} with {{ input.token }}" } }, "ui": { "x": 0, "y": 0 } },
                { "id": "wait", "type": "WaitForEvent", "inputs": { "eventName": "approval", "correlationId": { "js": "input.who" } }, "ui": { "x": 300, "y": 0 } },
                { "id": "done", "type": "SetOutput", "inputs": { "name": "by", "value": { "js": "nodes.wait.payload.by" } }, "ui": { "x": 600, "y": 0 } } ],
              "connections": [ { "from": "greet:done", "to": "wait" }, { "from": "wait:done", "to": "done" } ] }
            """);
        await OpenFlowAsync(page, "approve-me");
        await page.GetByTestId("run-toggle").ClickAsync();
        await page.GetByTestId("run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("run-form-error")).ToHaveTextAsync("Who is required");
        await page.GetByLabel("run input who").FillAsync("Ada");
        await page.GetByLabel("run input token").FillAsync("tok-SECRET-123");
        await page.GetByTestId("run").ClickAsync();

        await Assertions.Expect(page.GetByTestId("run-status-text")).ToHaveTextAsync("suspended");
        await Assertions.Expect(page.GetByTestId("run-waits")).ToHaveTextAsync("waits at wait (WaitForEvent) for event 'approval' with correlation id 'Ada'");
        await Assertions.Expect(Node(page, "greet").GetByTestId("run-status")).ToHaveTextAsync("done");
        await Assertions.Expect(Node(page, "greet").GetByTestId("run-duration")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"\d+(\.\d+)? (ms|s)$"));
        await Assertions.Expect(Node(page, "wait").GetByTestId("run-status")).ToHaveTextAsync("suspended");
        await Assertions.Expect(Node(page, "done").GetByTestId("run-status")).ToHaveCountAsync(0);

        await page.GetByLabel("details of greet").ClickAsync();
        await Assertions.Expect(page.GetByTestId("journal-details-greet")).ToContainTextAsync("\"message\": \"hello Ada with ***\"");
        (await page.ContentAsync()).ShouldNotContain("tok-SECRET-123");
        var instanceId = await page.GetByTestId("run-instance").InnerTextAsync();
        (await fixture.Client.GetStringAsync($"/api/instances/{instanceId}/journal")).ShouldNotContain("tok-SECRET-123");
        var instance = JsonNode.Parse(await fixture.Client.GetStringAsync($"/api/instances/{instanceId}"))!;
        instance["waitingFor"]!.ToJsonString().ShouldContain("\"activityType\":\"WaitForEvent\"");

        using (var delivered = await fixture.Client.PostAsync("/api/events", new StringContent(
                   """{ "event": "approval", "correlationId": "Ada", "payload": { "by": "grace" } }""", Encoding.UTF8, "application/json")))
            delivered.IsSuccessStatusCode.ShouldBeTrue();
        await EventuallyAsync(async () => (string?)JsonNode.Parse(await fixture.Client.GetStringAsync($"/api/instances/{instanceId}"))!["status"] == "finished",
            "the instance finished after the event");

        await page.GetByTestId("tab-panel-instances").ClickAsync();
        var row = page.GetByTestId($"instance-{instanceId}");
        await Assertions.Expect(row).ToContainTextAsync("finished");
        await row.GetByRole(AriaRole.Button, new() { Name = "Open" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("run-status-text")).ToHaveTextAsync("finished");
        await Assertions.Expect(page.GetByTestId("run-outputs")).ToContainTextAsync("\"by\": \"grace\"");
        await Assertions.Expect(Node(page, "wait").GetByTestId("run-status")).ToHaveTextAsync("done");
        await Assertions.Expect(Node(page, "done").GetByTestId("run-status")).ToHaveTextAsync("done");
        await Assertions.Expect(page.GetByTestId("journal-done")).ToBeVisibleAsync();
    });

    [Fact]
    public Task Ctrl_V_pastes_flow_JSON_from_the_system_clipboard_a_whole_flow_or_another_tabs_nodes() => WithPageAsync(fixture, async page =>
    {
        var flow = """{ "format": 1, "id": "pasted", "name": "Pasted", "nodes": [ { "id": "first", "type": "NoOp", "ui": { "x": 0, "y": 0 } }, { "id": "second", "type": "NoOp", "ui": { "x": 300, "y": 0 } } ], "connections": [ { "from": "first:done", "to": "second" } ] }""";
        await page.EvaluateAsync("text => navigator.clipboard.writeText(text)", flow);
        await page.Locator(".react-flow__pane").ClickAsync(new LocatorClickOptions { Position = new Position { X = 20, Y = 20 } });
        await page.Keyboard.PressAsync("Control+v");
        await Assertions.Expect(page.GetByLabel("flow id")).ToHaveValueAsync("pasted");
        await Assertions.Expect(page.Locator(".react-flow__node")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(1);

        // Nodes copied in another tab: a free id stays, a taken one gets a fresh id; their connection follows.
        var clip = """{ "nodes": [ { "id": "first", "type": "Log", "inputs": { "message": "x" }, "ui": { "x": 0, "y": 200 } }, { "id": "third", "type": "NoOp", "ui": { "x": 300, "y": 200 } } ], "connections": [ { "from": "first:done", "to": "third" } ] }""";
        await page.EvaluateAsync("text => navigator.clipboard.writeText(text)", clip);
        await page.Locator(".react-flow__pane").ClickAsync(new LocatorClickOptions { Position = new Position { X = 20, Y = 20 } });
        await page.Keyboard.PressAsync("Control+v");
        await Assertions.Expect(page.Locator(".react-flow__node")).ToHaveCountAsync(4);
        await Assertions.Expect(Node(page, "third")).ToHaveCountAsync(1);
        await Assertions.Expect(Node(page, "first1")).ToContainTextAsync("Log");
        await Assertions.Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByLabel("flow id")).ToHaveValueAsync("pasted");
    }, clipboard: true);

    [Fact]
    public Task Fit_view_fits_a_laid_out_row_of_25_nodes() => WithPageAsync(fixture, async page =>
    {
        var nodes = new JsonArray(Enumerable.Range(0, 25).Select(i => (JsonNode)new JsonObject
        {
            ["id"] = $"n{i}", ["type"] = "NoOp", ["ui"] = new JsonObject { ["x"] = i * 260, ["y"] = 0 },
        }).ToArray());
        var connections = new JsonArray(Enumerable.Range(0, 24).Select(i => (JsonNode)new JsonObject { ["from"] = $"n{i}:done", ["to"] = $"n{i + 1}" }).ToArray());
        await SaveFlowAsync(fixture, new JsonObject { ["format"] = 1, ["id"] = "long-row", ["nodes"] = nodes, ["connections"] = connections }.ToJsonString());
        await OpenFlowAsync(page, "long-row");
        var canvas = (await page.Locator(".react-flow").BoundingBoxAsync())!;
        await EventuallyAsync(async () =>
        {
            if (await page.Locator(".react-flow__node").CountAsync() != 25) return false;
            foreach (var id in new[] { "n0", "n12", "n24" })
            {
                var box = await Node(page, id).BoundingBoxAsync();
                if (box is null || box.X < canvas.X || box.X + box.Width > canvas.X + canvas.Width || box.Y < canvas.Y || box.Y + box.Height > canvas.Y + canvas.Height) return false;
            }
            return true;
        }, "all 25 nodes inside the canvas");
    });
}
