using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace FlowConnectors.Designer.Tests;

/// <summary>Helpers of the flow designer's browser specs: a signed-in page (screenshot on failure), flows stored through the API, opening one.</summary>
internal static class FlowPage
{
    /// <summary>
    /// Runs <paramref name="test"/> in a fresh browser context on the designer, signed in with the fixture's API key
    /// (by default through the sign-in menu, waiting for the palette; <paramref name="signIn"/> replaces that step),
    /// starting at <paramref name="hash"/> (e.g. <c>#/catalog</c>). A failing test leaves a screenshot under screenshots/.
    /// </summary>
    public static async Task WithPageAsync(DesignerFixture fixture, Func<IPage, Task> test, bool clipboard = false, int width = 1400, int height = 900,
        string hash = "", Func<IPage, Task>? signIn = null, [CallerMemberName] string name = "")
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, AcceptDownloads = true });
        if (clipboard) await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new BrowserContextGrantPermissionsOptions { Origin = fixture.Address.GetLeftPart(UriPartial.Authority) });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        Assertions.SetDefaultExpectTimeout(30_000);
        try
        {
            await page.GotoAsync(fixture.Address + hash);
            await (signIn ?? SignInForFlowsAsync)(page);
            await test(page);
        }
        catch
        {
            var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{name}.png"), FullPage = true });
            throw;
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    private static async Task SignInForFlowsAsync(IPage page)
    {
        await SignInWithApiKeyAsync(page);
        await Assertions.Expect(page.GetByTestId("palette-SetOutput")).ToBeVisibleAsync();
    }

    /// <summary>
    /// Clicks a workspace's tab and waits until it is the one shown. The tab's click returns before the page handles the
    /// hash change, and a locator under <see cref="ShownWorkspace"/> resolved in between finds the workspace being
    /// left: a click then waits on its element, hidden a moment later, until the timeout (seen once in SignInSpecs).
    /// </summary>
    public static async Task OpenWorkspaceAsync(IPage page, string workspace)
    {
        var tab = page.GetByTestId($"tab-{workspace}");
        await tab.ClickAsync();
        await Assertions.Expect(tab).ToHaveAttributeAsync("aria-current", "page");
    }

    /// <summary>The workspace shown (the others stay in the page, hidden); open one with <see cref="OpenWorkspaceAsync"/> first.</summary>
    public static ILocator ShownWorkspace(IPage page) => page.Locator(".workspace:not([hidden])");

    /// <summary>Signs the page in with the fixture's API key in the sign-in menu (top right), the one place the designer asks.</summary>
    public static async Task SignInWithApiKeyAsync(IPage page, string key = DesignerFixture.ApiKey)
    {
        await page.GetByTestId("sign-in-open").ClickAsync();
        await page.GetByTestId("sign-in-menu").GetByText("Use an API key").ClickAsync();
        await page.GetByLabel("API key", new() { Exact = true }).FillAsync(key);
        await page.GetByLabel("API key", new() { Exact = true }).PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("user-name")).ToBeVisibleAsync();
    }

    /// <summary>Saves (and publishes) a new version of a flow through the API; returns the version.</summary>
    public static async Task<int> SaveFlowAsync(DesignerFixture fixture, string json)
    {
        var id = (string)JsonNode.Parse(json)!["id"]!;
        using var response = await fixture.Client.PutAsync($"/api/flows/{id}?publish=true", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(body);
        return (int)JsonNode.Parse(body)!["version"]!;
    }

    public static async Task<JsonArray> VersionsAsync(DesignerFixture fixture, string id) =>
        (await fixture.Client.GetFromJsonAsync<JsonArray>($"/api/flows/{id}/versions"))!;

    /// <summary>Opens a stored flow with the toolbar's Open… list (searched for its id, then clicked).</summary>
    public static async Task OpenFlowAsync(IPage page, string id)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Open…" }).ClickAsync();
        await page.GetByLabel("search flows").FillAsync(id);
        await page.GetByTestId($"flow-item-{id}").ClickAsync();
        await Assertions.Expect(page.GetByLabel("flow id")).ToHaveValueAsync(id);
        // An opened flow is fitted into view just after it renders: clicks wait until the canvas stands still.
        await ViewportSettledAsync(page);
    }

    public static async Task SelectNodeAsync(IPage page, string id)
    {
        await page.Locator($".react-flow__node[data-id='{id}'] .fc-node-title").ClickAsync();
        await Assertions.Expect(page.GetByLabel("node id")).ToHaveValueAsync(id);
    }

    public static ILocator Node(IPage page, string id) => page.Locator($".react-flow__node[data-id='{id}']");

    /// <summary>Drags an activity from the palette onto the canvas at (x, y) of the pane.</summary>
    public static Task DropAsync(IPage page, string type, float x, float y) =>
        page.GetByTestId($"palette-{type}").DragToAsync(page.Locator(".react-flow__pane"),
            new LocatorDragToOptions { TargetPosition = new TargetPosition { X = x, Y = y } });

    /// <summary>Draws a connection from a node's outcome handle to another node's input handle.</summary>
    public static async Task ConnectAsync(IPage page, string from, string outcome, string to)
    {
        var source = await page.Locator($".react-flow__node[data-id='{from}'] .react-flow__handle.source[data-handleid='{outcome}']").BoundingBoxAsync();
        var target = await page.Locator($".react-flow__node[data-id='{to}'] .react-flow__handle.target").BoundingBoxAsync();
        await page.Mouse.MoveAsync(source!.X + source.Width / 2, source.Y + source.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(target!.X + target.Width / 2, target.Y + target.Height / 2, new MouseMoveOptions { Steps = 10 });
        await page.Mouse.UpAsync();
    }

    /// <summary>Waits until the canvas's pan and zoom stop changing (fit view and layout animate them).</summary>
    public static async Task ViewportSettledAsync(IPage page)
    {
        var viewport = page.Locator(".react-flow__viewport");
        var last = await viewport.GetAttributeAsync("style");
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline;)
        {
            await Task.Delay(300);
            var now = await viewport.GetAttributeAsync("style");
            if (now == last) return;
            last = now;
        }
        throw new TimeoutException("the canvas kept moving for 10 s");
    }

    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(15); !await condition(); await Task.Delay(100))
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not true within 15 s: {what}");
    }

    /// <summary>The repository's root (the folder holding FlowConnectors.sln).</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FlowConnectors.sln"))) dir = dir.Parent;
        return dir.ShouldNotBeNull("FlowConnectors.sln above the test assembly").FullName;
    }

    public static string TempFile(string name, string text)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"fc-designer-files-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }
}
