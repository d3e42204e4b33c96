using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// The Import workspace's OpenAPI tab in a real browser: upload a description, preview, create the connector; paste an
/// edited description, see the catalog's semantic diff with the breaking change and the major version step, apply it.
/// </summary>
public sealed class OpenApiImportSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    private static readonly string Specs = Path.Combine(FindRoot(), "tests", "FlowConnectors.Postman.Tests", "openapi");

    [Fact]
    public Task An_uploaded_description_is_previewed_and_created_and_a_pasted_reimport_shows_its_semantic_diff_before_it_is_applied() => WithPage(async (page, temp) =>
    {
        var original = File.ReadAllText(Path.Combine(Specs, "github-rest.subset.yaml"));
        var file = Path.Combine(temp, "github.yaml");
        File.WriteAllText(file, original);
        await page.GetByTestId("tab-import").ClickAsync();
        await page.GetByTestId("import-tab-openapi").ClickAsync();
        await page.GetByTestId("openapi-file").SetInputFilesAsync(file);
        await page.GetByTestId("openapi-name").FillAsync("GitHub Browser");
        await page.GetByTestId("openapi-preview").ClickAsync();

        await Assertions.Expect(page.GetByTestId("openapi-key")).ToHaveTextAsync("GitHub Browser (github-browser)");
        await Assertions.Expect(page.GetByTestId("openapi-auth")).ToHaveTextAsync("apiKey");
        await Assertions.Expect(page.GetByTestId("openapi-version")).ToHaveTextAsync("1.0.0 (new connector)");
        await Assertions.Expect(page.GetByTestId("openapi-action-issuesListForRepo")).ToContainTextAsync("GET /repos/{owner}/{repo}/issues");
        await Assertions.Expect(page.GetByTestId("openapi-action-issuesListForRepo")).ToContainTextAsync("items, pages, truncated");
        (await fixture.Client.GetAsync("/api/connectors/github-browser")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        await page.GetByTestId("openapi-apply").ClickAsync();
        await Assertions.Expect(page.GetByTestId("openapi-message")).ToHaveTextAsync("Installed github-browser 1.0.0 (3 actions).");
        (await fixture.Client.GetAsync("/api/connectors/github-browser")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Re-import, pasted: the create operation is renamed, so its card goes (breaking) and another comes.
        await page.GetByTestId("openapi-text").FillAsync(original.Replace("operationId: issues/create", "operationId: issues/open"));
        await page.GetByTestId("openapi-preview").ClickAsync();
        await Assertions.Expect(page.GetByTestId("openapi-version")).ToHaveTextAsync("1.0.0 → 2.0.0 (major: breaking changes)");
        await Assertions.Expect(page.GetByTestId("openapi-diff")).ToContainTextAsync("issuesCreate");
        await Assertions.Expect(page.GetByTestId("openapi-diff")).ToContainTextAsync("issuesOpen");
        await Assertions.Expect(page.GetByTestId("openapi-breaking").First).ToBeVisibleAsync();
        (await fixture.Client.GetStringAsync("/api/connectors/github-browser")).ShouldContain("\"1.0.0\"");
        var shots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "openapi-reimport-diff.png"), FullPage = true });

        await page.GetByTestId("openapi-apply").ClickAsync();
        await Assertions.Expect(page.GetByTestId("openapi-message")).ToHaveTextAsync("Installed github-browser 2.0.0 (3 actions).");
    });

    [Fact]
    public Task A_description_that_cannot_be_imported_shows_the_reason_and_where() => WithPage(async (page, _) =>
    {
        await page.GetByTestId("tab-import").ClickAsync();
        await page.GetByTestId("import-tab-openapi").ClickAsync();
        await page.GetByTestId("openapi-text").FillAsync("openapi: 3.0.0\ninfo: { title: No servers, version: '1' }\npaths: { /a: { get: { responses: { '200': { description: ok } } } } }");
        await page.GetByTestId("openapi-preview").ClickAsync();

        await Assertions.Expect(page.GetByTestId("openapi-error")).ToContainTextAsync("$.servers");
        await Assertions.Expect(page.GetByTestId("openapi-apply")).ToBeDisabledAsync();
    });

    private Task WithPage(Func<IPage, string, Task> test, [CallerMemberName] string name = "") => FlowPage.WithPageAsync(fixture, async page =>
    {
        var temp = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "openapi-specs-" + Guid.NewGuid().ToString("N"))).FullName;
        try { await test(page, temp); }
        finally { try { Directory.Delete(temp, recursive: true); } catch (IOException) { } }
    }, name: name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FlowConnectors.sln"))) return dir.FullName;
        throw new InvalidOperationException("FlowConnectors.sln not found above " + AppContext.BaseDirectory);
    }
}
