using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace FlowConnectors.Designer.Tests;

/// <summary>The Import workspace in a real browser: upload a Postman collection, preview its actions, save, re-import.</summary>
public sealed class PostmanImportSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    private static readonly string Collections = Path.Combine(FindRoot(), "tests", "FlowConnectors.Postman.Tests", "collections");

    [Fact]
    public Task An_uploaded_collection_is_previewed_saved_and_reimported_with_its_changes() => WithPage(async (page, temp) =>
    {
        var original = File.ReadAllText(Path.Combine(Collections, "users-bearer.postman_collection.json"));
        var first = Path.Combine(temp, "acme.postman_collection.json");
        File.WriteAllText(first, original);
        await page.GetByTestId("tab-import").ClickAsync();
        await page.GetByTestId("postman-file").SetInputFilesAsync(first);
        await page.GetByTestId("postman-name").FillAsync("Acme Browser");
        await page.GetByTestId("postman-preview").ClickAsync();

        await Assertions.Expect(page.GetByTestId("postman-key")).ToHaveTextAsync("Acme Browser (acme-browser)");
        await Assertions.Expect(page.GetByTestId("postman-auth")).ToHaveTextAsync("apiKey");
        await Assertions.Expect(page.GetByTestId("postman-action-getUser")).ToContainTextAsync("GET /users/{userId}");
        await Assertions.Expect(page.Locator("[data-testid=postman-actions] tr.group")).ToHaveTextAsync(["Users", "Groups"]);
        await Assertions.Expect(page.GetByTestId("postman-warnings")).ToContainTextAsync("item[0].item[2].event[0] test script not imported");
        await Assertions.Expect(page.GetByTestId("postman-changes")).ToContainTextAsync("new connector, version 1.0.0");
        (await fixture.Client.GetAsync("/api/connectors/acme-browser")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        await page.GetByTestId("postman-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("postman-message")).ToHaveTextAsync("Installed acme-browser 1.0.0 (5 actions).");
        (await fixture.Client.GetAsync("/api/connectors/acme-browser")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var edited = Path.Combine(temp, "acme-edited.postman_collection.json");
        File.WriteAllText(edited, original.Replace("\"name\": \"Delete user\"", "\"name\": \"Remove user\""));
        await page.GetByTestId("postman-file").SetInputFilesAsync(edited);
        await page.GetByTestId("postman-preview").ClickAsync();
        await Assertions.Expect(page.GetByTestId("postman-changes")).ToContainTextAsync("version 1.0.0 → 2.0.0"); // a removed action is a breaking change
        await Assertions.Expect(page.GetByTestId("postman-changes")).ToContainTextAsync("removeUser (Remove user)");
        await Assertions.Expect(page.GetByTestId("postman-changes")).ToContainTextAsync("deleteUser (Delete user)");
        await page.GetByTestId("postman-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("postman-message")).ToHaveTextAsync("Installed acme-browser 2.0.0 (5 actions).");
    });

    [Fact]
    public Task A_file_that_is_not_an_importable_collection_shows_the_reason_and_where() => WithPage(async (page, temp) =>
    {
        var v1 = Path.Combine(temp, "old.json");
        File.WriteAllText(v1, """{ "id": "1", "name": "Old", "order": [], "requests": [] }""");
        await page.GetByTestId("tab-import").ClickAsync();
        await page.GetByTestId("postman-file").SetInputFilesAsync(v1);
        await page.GetByTestId("postman-preview").ClickAsync();

        await Assertions.Expect(page.GetByTestId("postman-error")).ToHaveTextAsync("$: this is a Postman Collection v1, which is not supported: export it again from Postman as Collection v2.1");
        await Assertions.Expect(page.GetByTestId("postman-save")).ToBeDisabledAsync();
    });

    private Task WithPage(Func<IPage, string, Task> test, [CallerMemberName] string name = "") => FlowPage.WithPageAsync(fixture, async page =>
    {
        var temp = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "postman-specs-" + Guid.NewGuid().ToString("N"))).FullName;
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
