using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// The template builder in a real browser (issue 13): a cursor template made step by step from a live sample of a stub
/// vendor, one page tested, saved (the connection is tested), run, and its users seen.
/// </summary>
public sealed class TemplateBuilderSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>, IAsyncLifetime
{
    private const string Token = "builder-token";
    private WebApplication _vendor = null!;
    private string _vendorUrl = "";

    public async Task InitializeAsync()
    {
        // 45 people in cursor pages ("after", meta.next); every 15th from the 8th is a bot.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _vendor = builder.Build();
        _vendor.MapGet("/api/people", (HttpContext context) =>
        {
            if (context.Request.Headers.Authorization.ToString() != "Bearer " + Token)
                return Results.Json(new JsonObject { ["error"] = "unauthorized" }, statusCode: 401);
            var start = int.TryParse(context.Request.Query["after"].FirstOrDefault(), out var a) ? a : 0;
            var limit = int.TryParse(context.Request.Query["limit"].FirstOrDefault(), out var l) ? l : 10;
            var people = Enumerable.Range(start, Math.Max(0, Math.Min(limit, 45 - start))).Select(i => new JsonObject
            {
                ["uid"] = $"b{i:00}",
                ["mail"] = $"builder{i:00}@example.com",
                ["display"] = $"Builder {i:00}",
                ["kind"] = i % 15 == 7 ? "bot" : "person",
            });
            return Results.Json(new JsonObject
            {
                ["people"] = new JsonArray([.. people]),
                ["meta"] = new JsonObject { ["next"] = start + limit < 45 ? (start + limit).ToString() : null },
            });
        });
        await _vendor.StartAsync();
        _vendorUrl = _vendor.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
    }

    public async Task DisposeAsync()
    {
        await _vendor.StopAsync();
        await _vendor.DisposeAsync();
    }

    [Fact]
    public Task A_cursor_template_is_built_from_a_sample_response_tested_on_one_page_saved_run_and_its_users_seen() => WithPage(async page =>
    {
        await page.GetByTestId("tab-data").ClickAsync();
        await page.GetByTestId("build-template").ClickAsync();
        var builder = page.GetByRole(AriaRole.Region, new() { Name = "template builder" });
        async Task Next() => await builder.GetByRole(AriaRole.Button, new() { Name = "Next", Exact = true }).ClickAsync();

        // General
        await builder.GetByLabel("template name").FillAsync("People");
        await builder.GetByLabel("vendor").FillAsync("People API");
        await builder.GetByLabel("base URL").FillAsync(_vendorUrl);
        await Next();
        // Authentication: API key with token type Bearer (the default)
        await Assertions.Expect(builder.GetByLabel("token type")).ToHaveValueAsync("Bearer");
        await builder.GetByLabel("API key", new() { Exact = true }).FillAsync(Token);
        await Next();
        // Request
        await builder.GetByLabel("users URL").FillAsync("/api/people");
        await Next();
        // Pagination: cursor and limit; the cursor path comes from the sample
        await builder.GetByLabel("pagination").SelectOptionAsync("cursorLimit");
        await builder.GetByLabel("cursor field").FillAsync("after");
        await builder.GetByLabel("items per page").FillAsync("20");
        await Next();

        // Response mapping: a live sample, fields picked by clicking them.
        await builder.GetByTestId("test-template").ClickAsync();
        var sample = builder.GetByTestId("sample");
        await Assertions.Expect(sample).ToBeVisibleAsync();
        await builder.GetByLabel("pick target").SelectOptionAsync("records");
        await sample.Locator("[data-path='people']").ClickAsync();
        await Assertions.Expect(builder.GetByLabel("records path")).ToHaveValueAsync("people");
        foreach (var (target, path) in new[] { ("id", "people.0.uid"), ("email", "people.0.mail"), ("name", "people.1.display") })
        {
            await builder.GetByLabel("pick target").SelectOptionAsync(target);
            await sample.Locator($"[data-path='{path}']").ClickAsync();
        }
        await Assertions.Expect(builder.GetByLabel("map id")).ToHaveValueAsync("uid");
        await Assertions.Expect(builder.GetByLabel("map email")).ToHaveValueAsync("mail");
        await Assertions.Expect(builder.GetByLabel("map name")).ToHaveValueAsync("display");
        await builder.GetByLabel("pick target").SelectOptionAsync("cursor");
        await sample.Locator("[data-path='meta.next']").ClickAsync();

        // Filters: leave out the bots
        await Next();
        await builder.GetByRole(AriaRole.Button, new() { Name = "Add filter" }).ClickAsync();
        await builder.GetByLabel("filter 1 field").FillAsync("kind");
        await builder.GetByLabel("filter 1 operator").SelectOptionAsync("notEquals");
        await builder.GetByLabel("filter 1 value").FillAsync("bot");
        // Activity: the application
        await Next();
        await builder.GetByLabel("application").FillAsync("People");

        // Test one page: mapped users, the record filtered out, and the cursor it found.
        await builder.GetByTestId("test-template").ClickAsync();
        await Assertions.Expect(builder.GetByTestId("test-next")).ToHaveTextAsync("next page: after=20");
        await Assertions.Expect(builder.GetByTestId("test-counts")).ToHaveTextAsync("19 users mapped, 1 filtered out, 0 without an id");
        await Assertions.Expect(builder.GetByTestId("test-user").First).ToContainTextAsync("builder00@example.com");
        await Assertions.Expect(builder.GetByTestId("test-problem")).ToHaveCountAsync(0);

        // Save: the connection is tested, then the connector is there and imports every page.
        await Next();
        await builder.GetByLabel("connector name").FillAsync("People from builder");
        await Assertions.Expect(builder.GetByTestId("template-json")).Not.ToContainTextAsync(Token);
        await builder.GetByTestId("save-template").ClickAsync();
        await Assertions.Expect(page.GetByTestId("source-people-from-builder")).ToBeVisibleAsync();
        await page.GetByTestId("run-now").ClickAsync();
        await Assertions.Expect(page.GetByTestId("run-progress")).ToHaveTextAsync("succeeded: page 3, 45 records, 42 new, 0 updated");
        await Assertions.Expect(page.GetByTestId("users-total")).ToHaveTextAsync("42 users");
        await Assertions.Expect(page.GetByTestId("user-row").First).ToContainTextAsync("Builder 00");
    });

    [Fact]
    public Task The_builder_warns_about_credentials_in_the_url_and_saving_keeps_nothing_when_the_connection_test_fails() => WithPage(async page =>
    {
        await page.GetByTestId("tab-data").ClickAsync();
        await page.GetByTestId("build-template").ClickAsync();
        var builder = page.GetByRole(AriaRole.Region, new() { Name = "template builder" });
        await builder.GetByLabel("template name").FillAsync("Wrong key");
        await builder.GetByLabel("vendor").FillAsync("People API");
        await builder.GetByLabel("base URL").FillAsync(_vendorUrl);
        await builder.GetByRole(AriaRole.Button, new() { Name = "3. Request" }).ClickAsync();
        await builder.GetByLabel("users URL").FillAsync("/api/people?api_key=oops");
        await Assertions.Expect(builder.GetByTestId("credential-warning")).ToContainTextAsync("Do not include API credentials in the URL (api_key)");
        await builder.GetByLabel("users URL").FillAsync("/api/people");
        await builder.GetByRole(AriaRole.Button, new() { Name = "5. Response mapping" }).ClickAsync();
        await builder.GetByLabel("records path").FillAsync("people");
        await builder.GetByLabel("map id").FillAsync("uid");
        await builder.GetByRole(AriaRole.Button, new() { Name = "2. Authentication" }).ClickAsync();
        await builder.GetByLabel("API key", new() { Exact = true }).FillAsync("not-the-token");

        await builder.GetByRole(AriaRole.Button, new() { Name = "8. Save" }).ClickAsync();
        await builder.GetByTestId("save-template").ClickAsync();

        await Assertions.Expect(builder.GetByTestId("builder-error")).ToContainTextAsync("the connection test failed: People API answered HTTP 401");
        await Assertions.Expect(page.GetByTestId("source-wrong-key")).ToHaveCountAsync(0);
    });

    private Task WithPage(Func<IPage, Task> test, [CallerMemberName] string name = "") => FlowPage.WithPageAsync(fixture, test, name: name);
}
