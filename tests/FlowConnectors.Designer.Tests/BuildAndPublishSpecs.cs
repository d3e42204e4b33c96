using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static FlowConnectors.Designer.Tests.FlowPage;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// The traps a new user fell into (issue 14): ids that expressions cannot use, implicit start nodes, error outcomes
/// that finished quietly, outputs that were dropped, every run publishing, and status lines that said too little.
/// </summary>
public sealed class BuildAndPublishSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    [Fact]
    public Task Dropped_nodes_get_identifier_ids_and_renaming_a_node_rewrites_the_code_that_refers_to_it() => WithPage(async page =>
    {
        await page.GetByLabel("flow id").FillAsync("ids-and-renames");
        await DropAsync(page, "Http.SendRequest", 150, 120);
        await DropAsync(page, "RunJavaScript", 500, 120);
        await Assertions.Expect(Node(page, "sendHttpRequest1")).ToHaveCountAsync(1);
        await Assertions.Expect(Node(page, "runJavaScript1")).ToHaveCountAsync(1);
        await ConnectAsync(page, "sendHttpRequest1", "2xx", "runJavaScript1");

        await SelectNodeAsync(page, "runJavaScript1");
        await page.Locator("[data-testid=input-code] .cm-content").FillAsync("return nodes.sendHttpRequest1.body.items;");
        await SelectNodeAsync(page, "sendHttpRequest1");
        await page.Locator("[data-testid=input-url] textarea").FillAsync("https://api.example.com/items");
        await Assertions.Expect(page.GetByTestId("problems")).Not.ToContainTextAsync("required input 'url' is missing");
        await page.GetByLabel("node id").FillAsync("fetch");
        await page.GetByLabel("node id").PressAsync("Enter");
        await Assertions.Expect(Node(page, "fetch")).ToHaveCountAsync(1);

        await SelectNodeAsync(page, "runJavaScript1");
        await Assertions.Expect(page.Locator("[data-testid=input-code] .cm-content")).ToHaveTextAsync("return nodes.fetch.body.items;");
        await Assertions.Expect(page.GetByTestId("validity")).ToHaveTextAsync("0 errors, 0 warnings");

        // A reference to a node that does not exist is an error before anything runs.
        await page.Locator("[data-testid=input-code] .cm-content").FillAsync("return nodes.http.SendRequest1.body;");
        await Assertions.Expect(page.Locator("[data-testid=problems] li[data-node=runJavaScript1]")).ToContainTextAsync("'nodes.http' refers to no node of this flow");
        await Assertions.Expect(page.GetByTestId("validity")).ToHaveTextAsync("1 errors, 0 warnings");
    });

    [Fact]
    public Task A_trigger_has_no_input_handle_and_a_node_nothing_leads_to_is_shown_not_connected() => WithPage(async page =>
    {
        await page.GetByLabel("flow id").FillAsync("starts");
        await DropAsync(page, "Http.Endpoint", 120, 120);
        await DropAsync(page, "Log", 450, 120);
        await DropAsync(page, "Log", 450, 320);
        var trigger = Node(page, "httpEndpoint1");
        await Assertions.Expect(trigger.GetByTestId("trigger-mark")).ToBeVisibleAsync();
        await Assertions.Expect(trigger.Locator(".react-flow__handle.target")).ToHaveCountAsync(0);
        await Assertions.Expect(trigger.Locator(".fc-node.trigger")).ToHaveCountAsync(1);

        await ConnectAsync(page, "httpEndpoint1", "done", "log1");
        await Assertions.Expect(Node(page, "log2").GetByTestId("not-connected")).ToBeVisibleAsync();
        await Assertions.Expect(Node(page, "log1").GetByTestId("not-connected")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=problems] li.warning[data-node=log2]")).ToContainTextAsync("'log2' is not connected");

        await ConnectAsync(page, "log1", "done", "log2");
        await Assertions.Expect(Node(page, "log2").GetByTestId("not-connected")).ToHaveCountAsync(0);
    });

    [Fact]
    public Task An_unconnected_error_outcome_faults_the_test_run_with_the_status_in_a_red_toast() => WithPage(async page =>
    {
        // The designer's own API without a key answers 401: a real 4xx from a real server, on 127.0.0.1.
        var url = new Uri(fixture.Address, "api/flows").ToString();
        await SaveDraftAsync("""
            { "format": 1, "id": "error-outcome",
              "nodes": [ { "id": "fetch", "type": "Http.SendRequest", "inputs": { "url": "URL" }, "ui": { "x": 0, "y": 0 } } ], "connections": [] }
            """.Replace("URL", url));
        await OpenFlowAsync(page, "error-outcome");
        await page.GetByTestId("run-toggle").ClickAsync();
        await page.GetByTestId("run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("run-status-text")).ToHaveTextAsync("faulted");
        await Assertions.Expect(page.GetByTestId("run-fault")).ToContainTextAsync("HTTP 401");
        await Assertions.Expect(page.GetByTestId("run-fault")).ToContainTextAsync("outcome '4xx' is not connected");
        await Assertions.Expect(page.Locator(".toast")).ToHaveAttributeAsync("data-level", "error");
        await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("test run faulted: HTTP 401");
        await Assertions.Expect(Node(page, "fetch").GetByTestId("run-status")).ToHaveTextAsync("faulted");
    });

    [Fact]
    public Task A_new_output_is_any_and_a_declared_output_nothing_sets_is_a_warning() => WithPage(async page =>
    {
        await page.GetByLabel("flow id").FillAsync("outputs-any");
        await DropAsync(page, "Log", 150, 120);
        await SelectNodeAsync(page, "log1");
        await page.Locator("[data-testid=input-message] textarea").FillAsync("hi");
        await page.Locator(".react-flow__pane").ClickAsync(new LocatorClickOptions { Position = new Position { X = 20, Y = 300 } });
        await page.GetByTestId("add-outputs").ClickAsync();
        await Assertions.Expect(page.GetByLabel("outputs[0] type")).ToHaveValueAsync("any");
        await Assertions.Expect(page.GetByTestId("problems")).ToContainTextAsync("output 'output1' is declared but no Set Output or Return node sets it");
        await Assertions.Expect(page.GetByTestId("validity")).ToHaveTextAsync("0 errors, 1 warnings");
    });

    [Fact]
    public Task A_validation_answer_for_an_older_version_of_the_flow_never_replaces_the_newer_ones() => WithPage(async page =>
    {
        // The answer for the flow as it was right after the drop (Log without a message) is held back until the answer
        // for the flow after two more edits is on screen, as when a loaded server answers out of order.
        var staleSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var staleDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/api/flows/validate", async route =>
        {
            var body = route.Request.PostData ?? "";
            if (body.Contains("\"log1\"", StringComparison.Ordinal) && !body.Contains("\"hi\"", StringComparison.Ordinal) && staleSent.TrySetResult())
            {
                var answer = await route.FetchAsync();
                await release.Task.WaitAsync(TimeSpan.FromMinutes(2));
                await route.FulfillAsync(new RouteFulfillOptions { Response = answer });
                staleDelivered.TrySetResult();
            }
            else await route.ContinueAsync();
        });
        await page.GetByLabel("flow id").FillAsync("stale-validation");
        await DropAsync(page, "Log", 150, 120);
        await staleSent.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await SelectNodeAsync(page, "log1");
        await page.Locator("[data-testid=input-message] textarea").FillAsync("hi");
        await page.Locator(".react-flow__pane").ClickAsync(new LocatorClickOptions { Position = new Position { X = 20, Y = 300 } });
        await page.GetByTestId("add-outputs").ClickAsync();
        await Assertions.Expect(page.GetByTestId("problems")).ToContainTextAsync("output 'output1' is declared but no Set Output or Return node sets it");

        release.SetResult();
        await staleDelivered.Task.WaitAsync(TimeSpan.FromMinutes(1));
        // The held answer has reached the page; a page that took it would show it within a few of its tasks.
        await page.WaitForTimeoutAsync(1000);
        await Assertions.Expect(page.GetByTestId("problems")).Not.ToContainTextAsync("required input 'message' is missing");
        await Assertions.Expect(page.GetByTestId("validity")).ToHaveTextAsync("0 errors, 1 warnings");
    });

    [Fact]
    public Task Save_keeps_a_draft_test_runs_never_publish_and_Publish_makes_the_version_live() => WithPage(async page =>
    {
        // What the page asked of the server and heard back, what it logged and asked: named when Publish fails. Once, in a
        // loaded run, Publish was clicked while the second test run still saved (the run's checks read the first run's
        // status) and the run's later "test run finished" replaced Publish's message; the runs are now counted first.
        var traffic = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Response += (_, response) => { if (response.Url.Contains("/api/flows/drafted", StringComparison.Ordinal)) traffic.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {response.Request.Method} {response.Url} {response.Status}"); };
        page.Console += (_, message) => traffic.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} console {message.Type}: {message.Text}");
        page.Dialog += async (_, dialog) => { traffic.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} dialog: {dialog.Message}"); await dialog.DismissAsync(); };
        async Task StepAsync(string what, Func<Task> step)
        {
            try { await step(); }
            catch (PlaywrightException e) { throw new ShouldAssertException($"{what}: {e.Message}\nthe page's traffic:\n{string.Join('\n', traffic)}", e); }
        }
        await page.GetByLabel("flow id").FillAsync("drafted");
        await page.Locator("[data-testid=declarations-outputs] h4 button").ClickAsync();
        await page.GetByLabel("outputs JSON").FillAsync("""[{ "name": "greeting", "type": "any" }]""");
        await DropAsync(page, "SetOutput", 300, 120);
        await SelectNodeAsync(page, "setOutput1");
        await page.Locator("[data-testid=input-name] textarea").FillAsync("greeting");
        await page.Locator("[data-testid=input-value] textarea").FillAsync("\"first\"");
        await Assertions.Expect(page.GetByTestId("unsaved")).ToBeVisibleAsync();

        await page.Keyboard.PressAsync("Control+s");
        await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("saved the draft of drafted");
        await Assertions.Expect(page.GetByTestId("unsaved")).ToHaveCountAsync(0);
        (await StatusOfAsync("/api/flows/drafted/versions")).ShouldBe(HttpStatusCode.NotFound, "a saved draft is not a version");

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await page.GetByTestId("run-toggle").ClickAsync();
            await page.GetByTestId("run").ClickAsync();
            // The panel still shows the last run's status while the next one saves and starts: this run is counted by the server.
            await EventuallyAsync(async () => (await fixture.Client.GetFromJsonAsync<JsonArray>("/api/instances?flowId=drafted&status=finished"))!.Count == attempt,
                $"test run {attempt} finished");
            await Assertions.Expect(page.GetByTestId("run-status-text")).ToHaveTextAsync("finished");
            await Assertions.Expect(page.GetByTestId("run-outputs")).ToContainTextAsync("\"greeting\": \"first\"");
        }
        (await StatusOfAsync("/api/flows/drafted/versions")).ShouldBe(HttpStatusCode.NotFound, "test runs publish nothing");
        await Assertions.Expect(Node(page, "setOutput1").GetByTestId("run-status")).ToHaveTextAsync("done");
        await Assertions.Expect(page.Locator(".toast")).ToHaveAttributeAsync("data-level", "success");

        await StepAsync("Publish", async () =>
        {
            traffic.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} clicking Publish");
            await page.GetByTestId("publish").ClickAsync();
            await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("published drafted version 1");
        });
        (await VersionsAsync(fixture, "drafted")).Count.ShouldBe(1);

        // An edit clears the canvas's run badges and makes the canvas unsaved; a test run of the edit changes nothing live.
        await page.Locator("[data-testid=input-value] textarea").FillAsync("\"second\"");
        await Assertions.Expect(Node(page, "setOutput1").GetByTestId("run-status")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("unsaved")).ToBeVisibleAsync();
        await page.GetByTestId("run-toggle").ClickAsync();
        await page.GetByTestId("run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("run-outputs")).ToContainTextAsync("\"greeting\": \"second\"");
        (await VersionsAsync(fixture, "drafted")).Count.ShouldBe(1);
        var live = JsonNode.Parse(await fixture.Client.GetStringAsync("/api/flows/drafted"))!;
        ((string?)live["nodes"]![0]!["inputs"]!["value"]).ShouldBe("first");
        var run = JsonNode.Parse(await (await fixture.Client.PostAsync("/api/flows/drafted/run", JsonContent("{}"))).Content.ReadAsStringAsync())!;
        ((string?)run["outputs"]!["greeting"]).ShouldBe("first", "the API runs the published version, not the draft");

        // Reopening the flow opens the draft, with its unpublished edit (the browser stays signed in with its key).
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("palette-SetOutput")).ToBeVisibleAsync();
        await OpenFlowAsync(page, "drafted");
        await SelectNodeAsync(page, "setOutput1");
        await Assertions.Expect(page.Locator("[data-testid=input-value] textarea")).ToHaveValueAsync("\"second\"");
    });

    [Fact]
    public Task A_flow_with_a_trigger_has_an_Active_switch_that_turns_its_published_triggers_off_and_on() => WithPage(async page =>
    {
        await SaveDraftAsync("""
            { "format": 1, "id": "hooked", "outputs": [ { "name": "ok", "type": "any" } ],
              "nodes": [
                { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "designer/hooked" }, "ui": { "x": 0, "y": 0 } },
                { "id": "answer", "type": "SetOutput", "inputs": { "name": "ok", "value": true }, "ui": { "x": 300, "y": 0 } } ],
              "connections": [ { "from": "hook:done", "to": "answer" } ] }
            """);
        await OpenFlowAsync(page, "hooked");
        await Assertions.Expect(page.GetByTestId("active-switch")).ToContainTextAsync("not published");
        // A test run of a draft never registers its trigger.
        await page.GetByTestId("run-toggle").ClickAsync();
        await page.GetByTestId("run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("run-status-text")).ToHaveTextAsync("finished");
        (await HookStatusAsync()).ShouldBe(HttpStatusCode.NotFound);

        await page.GetByTestId("publish").ClickAsync();
        await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("published hooked version 1");
        await Assertions.Expect(page.GetByLabel("Active", new() { Exact = true })).ToBeCheckedAsync();
        (await HookStatusAsync()).ShouldBe(HttpStatusCode.OK);

        // The switch follows the server: it flips once the server has switched the flow.
        await page.GetByLabel("Active", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("hooked is inactive");
        (await HookStatusAsync()).ShouldBe(HttpStatusCode.NotFound);
        await Assertions.Expect(page.GetByLabel("Active", new() { Exact = true })).Not.ToBeCheckedAsync();
        await page.GetByLabel("Active", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("hooked is active");
        (await HookStatusAsync()).ShouldBe(HttpStatusCode.OK);
    });

    [Fact]
    public Task A_banner_shows_while_the_server_is_unreachable_and_goes_when_it_answers_again() => WithPage(async page =>
    {
        await Assertions.Expect(page.GetByTestId("offline-banner")).ToHaveCountAsync(0);
        await page.RouteAsync("**/*", route => route.AbortAsync());
        await Assertions.Expect(page.GetByTestId("offline-banner")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("validity")).ToHaveTextAsync("not validated (server unreachable)");
        await page.UnrouteAllAsync();
        await Assertions.Expect(page.GetByTestId("offline-banner")).ToHaveCountAsync(0);
    });

    [Fact]
    public Task Dark_mode_follows_the_system_and_the_toggle_and_the_toolbar_fits_at_1280_by_720() => WithPageAsync(fixture, async page =>
    {
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
        var html = page.Locator("html");
        await Assertions.Expect(html).ToHaveAttributeAsync("data-theme", "dark");
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Light });
        await Assertions.Expect(html).ToHaveAttributeAsync("data-theme", "light");
        await page.GetByTestId("theme-toggle").ClickAsync();
        await Assertions.Expect(html).ToHaveAttributeAsync("data-theme", "dark");
        await Assertions.Expect(page.GetByTestId("theme-toggle")).ToHaveTextAsync("☾ dark");

        await SaveDraftAsync("""
            { "format": 1, "id": "dark", "outputs": [ { "name": "ok", "type": "any" } ],
              "nodes": [
                { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "designer/dark" }, "ui": { "x": 0, "y": 0 } },
                { "id": "answer", "type": "SetOutput", "inputs": { "name": "ok", "value": true }, "ui": { "x": 300, "y": 0 } } ],
              "connections": [ { "from": "hook:done", "to": "answer" } ] }
            """);
        await OpenFlowAsync(page, "dark");
        // Every toolbar control on one row at 1280×720.
        var toolbar = (await page.Locator(".toolbar").BoundingBoxAsync())!;
        var save = (await page.GetByTestId("save").BoundingBoxAsync())!;
        toolbar.Height.ShouldBeLessThan(save.Height * 2, "the toolbar wraps at 1280 px");
        await DocsScreenshotSpecs.SaveAsync(page, "designer-dark.png");
    }, width: 1280, height: 720);

    private async Task<HttpStatusCode> HookStatusAsync()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Address };
        using var response = await anonymous.PostAsync("/hooks/designer/hooked", JsonContent("{}"));
        return response.StatusCode;
    }

    [Fact]
    public async Task Publish_clicked_while_a_test_run_is_saving_waits_for_that_save_instead_of_conflicting_with_it()
    {
        await SaveFlowAsync(fixture, """
            { "format": 1, "id": "saved-twice", "outputs": [ { "name": "greeting", "type": "any" } ],
              "nodes": [ { "id": "out", "type": "SetOutput", "inputs": { "name": "greeting", "value": "v1" } } ], "connections": [] }
            """);
        await WithPage(async page =>
        {
            await OpenFlowAsync(page, "saved-twice");
            await SelectNodeAsync(page, "out");
            await page.Locator("[data-testid=input-value] textarea").FillAsync("\"v2\"");
            var dialogs = new List<string>();
            page.Dialog += async (_, dialog) => { dialogs.Add(dialog.Message); await dialog.DismissAsync(); };
            // The test run's save is held for a second at the page's door, so Publish's save starts while it is on its way.
            var held = 0;
            await page.RouteAsync("**/api/flows/saved-twice/draft", async route =>
            {
                if (route.Request.Method == "PUT" && Interlocked.Increment(ref held) == 1) await Task.Delay(1000);
                await route.ContinueAsync();
            });
            await page.GetByTestId("run-toggle").ClickAsync();
            await page.GetByTestId("run").ClickAsync();
            await EventuallyAsync(() => Task.FromResult(Volatile.Read(ref held) == 1), "the test run's save was sent");
            await page.GetByTestId("publish").ClickAsync();

            // Both saves went through, one after the other: version 2 is published and the test run ran, with no question
            // asked (each save from the same base, the later one was refused as if another tab had saved, and its run dropped).
            await EventuallyAsync(async () => (await VersionsAsync(fixture, "saved-twice")).Count == 2, "version 2 published");
            await EventuallyAsync(async () => (await fixture.Client.GetFromJsonAsync<JsonArray>("/api/instances?flowId=saved-twice&status=finished"))!.Count == 1,
                "the test run finished");
            dialogs.ShouldBeEmpty();
            Volatile.Read(ref held).ShouldBe(2);
            (await fixture.Client.GetStringAsync("/api/flows/saved-twice")).ShouldContain("\"v2\"");
        });
    }

    [Fact]
    public async Task A_save_over_another_tab_s_saved_draft_asks_before_replacing_it()
    {
        await SaveFlowAsync(fixture, """
            { "format": 1, "id": "shared-edit", "outputs": [ { "name": "greeting", "type": "any" } ],
              "nodes": [ { "id": "out", "type": "SetOutput", "inputs": { "name": "greeting", "value": "v1" } } ], "connections": [] }
            """);
        static async Task EditAsync(IPage page, string value)
        {
            await SelectNodeAsync(page, "out");
            await page.Locator("[data-testid=input-value] textarea").FillAsync(value);
            await Assertions.Expect(page.GetByTestId("unsaved")).ToBeVisibleAsync();
        }
        async Task<string?> DraftValueAsync() =>
            (string?)(await fixture.Client.GetFromJsonAsync<JsonNode>("/api/flows/shared-edit/draft"))!["flow"]!["nodes"]![0]!["inputs"]!["value"];

        await WithPage(async mine => await WithPage(async theirs =>
        {
            // Both tabs open version 1; theirs saves first.
            await OpenFlowAsync(mine, "shared-edit");
            await OpenFlowAsync(theirs, "shared-edit");
            await EditAsync(theirs, "\"theirs\"");
            await theirs.Keyboard.PressAsync("Control+s");
            await Assertions.Expect(theirs.GetByTestId("message")).ToContainTextAsync("saved the draft of shared-edit");

            // Mine would replace theirs: asked, and kept theirs when declined.
            await EditAsync(mine, "\"mine\"");
            var asked = new List<string>();
            var accept = false;
            mine.Dialog += async (_, dialog) =>
            {
                asked.Add(dialog.Message);
                if (accept) await dialog.AcceptAsync(); else await dialog.DismissAsync();
            };
            await mine.Keyboard.PressAsync("Control+s");
            await Assertions.Expect(mine.GetByTestId("message")).ToContainTextAsync("not saved: shared-edit was changed elsewhere");
            asked.Count.ShouldBe(1);
            asked[0].ShouldStartWith("flow 'shared-edit' was changed meanwhile: its draft was saved at ");
            asked[0].ShouldEndWith("Replace those changes with the flow on this canvas?");
            (await DraftValueAsync()).ShouldBe("theirs");
            await Assertions.Expect(mine.GetByTestId("unsaved")).ToBeVisibleAsync();

            // Accepted: mine replaces theirs, and my next save needs no question (it is based on what I saved).
            accept = true;
            await mine.Keyboard.PressAsync("Control+s");
            await Assertions.Expect(mine.GetByTestId("message")).ToContainTextAsync("saved the draft of shared-edit");
            (await DraftValueAsync()).ShouldBe("mine");
            await EditAsync(mine, "\"mine again\"");
            await mine.Keyboard.PressAsync("Control+s");
            await Assertions.Expect(mine.GetByTestId("unsaved")).ToHaveCountAsync(0);
            (await DraftValueAsync()).ShouldBe("mine again");
            asked.Count.ShouldBe(2);
        }, name: "A_save_over_another_tab_s_saved_draft_asks_before_replacing_it_theirs"));
    }

    private async Task<HttpStatusCode> StatusOfAsync(string path)
    {
        using var response = await fixture.Client.GetAsync(path);
        return response.StatusCode;
    }

    /// <summary>Stores a flow as a draft only (no version), as the designer's Save does.</summary>
    private async Task SaveDraftAsync(string flowJson)
    {
        var flow = JsonNode.Parse(flowJson)!;
        using var response = await fixture.Client.PutAsync($"/api/flows/{(string)flow["id"]!}/draft",
            JsonContent(new JsonObject { ["flow"] = flow, ["pins"] = new JsonObject() }.ToJsonString()));
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private Task WithPage(Func<IPage, Task> test, [CallerMemberName] string name = "") => WithPageAsync(fixture, test, name: name);
}
