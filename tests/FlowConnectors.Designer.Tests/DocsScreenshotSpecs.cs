using Microsoft.Playwright;
using static FlowConnectors.Designer.Tests.FlowPage;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// The README's designer screenshots, taken from the real server with the sample flows: a suspended run with its journal,
/// and the code editor's completion. Written next to the test assembly (docs-screenshots/); with FC_DOCS_SCREENSHOTS set
/// to a folder (the repository's docs/), also there.
/// </summary>
public sealed class DocsScreenshotSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    [Fact]
    public Task The_README_screenshots_show_a_suspended_run_and_the_code_editors_completion() => WithPageAsync(fixture, async page =>
    {
        foreach (var example in new[] { "wait-for-event", "hello" })
            await SaveFlowAsync(fixture, await File.ReadAllTextAsync(Path.Combine(RepoRoot(), "flows", "examples", $"{example}.flow.json")));

        await OpenFlowAsync(page, "wait-for-event");
        await page.GetByTestId("run-toggle").ClickAsync();
        await page.GetByLabel("run input requestId").FillAsync("r-42");
        await page.GetByTestId("run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("run-waits")).ToContainTextAsync("event 'approval' with correlation id 'r-42'");
        await page.GetByLabel("details of wait").ClickAsync();
        await Assertions.Expect(page.GetByTestId("journal-details-wait")).ToContainTextAsync("r-42");
        await SaveAsync(page, "designer-run.png");

        await OpenFlowAsync(page, "hello");
        await SelectNodeAsync(page, "shout");
        var editor = page.Locator("[data-testid=input-value] .cm-content");
        await editor.ClickAsync();
        await page.Keyboard.PressAsync("End");
        await page.Keyboard.TypeAsync(" + nodes.");
        await Assertions.Expect(page.Locator(".cm-tooltip-autocomplete li").Filter(new() { HasText = "greet" })).ToHaveCountAsync(1);
        await SaveAsync(page, "designer-completion.png");
    }, width: 1400, height: 800);

    internal static async Task SaveAsync(IPage page, string name)
    {
        var bytes = await page.ScreenshotAsync();
        bytes.Length.ShouldBeGreaterThan(10_000);
        var folders = new List<string> { Path.Combine(AppContext.BaseDirectory, "docs-screenshots") };
        if (Environment.GetEnvironmentVariable("FC_DOCS_SCREENSHOTS") is { Length: > 0 } docs) folders.Add(docs);
        foreach (var folder in folders)
        {
            Directory.CreateDirectory(folder);
            await File.WriteAllBytesAsync(Path.Combine(folder, name), bytes);
        }
    }
}
