using System.Net.Http.Json;
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

/// <summary>The "Data collection" tab in a real browser: start an import, watch it finish, see indicators, charts, users and run history.</summary>
public sealed class CollectionViewSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>, IAsyncLifetime
{
    private WebApplication _vendor = null!;

    public async Task InitializeAsync()
    {
        // 60 users over three cursor pages of 20; user i was last active 3i+1 days ago; users 0-4 were created today.
        var now = DateTimeOffset.UtcNow;
        string[] departments = ["Sales", "Engineering", "Support"];
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _vendor = builder.Build();
        _vendor.MapGet("/api/people", (HttpContext context) =>
        {
            var start = int.TryParse(context.Request.Query["after"].FirstOrDefault(), out var a) ? a : 0;
            var people = Enumerable.Range(start, Math.Min(20, 60 - start)).Select(i => new JsonObject
            {
                ["uid"] = $"p{i:00}",
                ["mail"] = $"user{i:00}@example.com",
                ["display"] = $"Person {i:00}",
                ["team"] = departments[i % 3],
                ["state"] = "active",
                ["since"] = (i < 5 ? now : new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)).ToString("O"),
                ["seen"] = now.AddDays(-(3 * i + 1)).ToString("O"),
            });
            return Results.Json(new JsonObject { ["people"] = new JsonArray([.. people]), ["next"] = start + 20 < 60 ? (start + 20).ToString() : null });
        });
        await _vendor.StartAsync();
        var vendorUrl = _vendor.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        var template = new JsonObject
        {
            ["format"] = 1, ["name"] = "People", ["vendor"] = "People API", ["baseUrl"] = vendorUrl, ["auth"] = new JsonObject { ["kind"] = "apiKey" },
            ["usersUrl"] = "/api/people",
            ["pagination"] = new JsonObject { ["kind"] = "cursorLimit", ["cursorParameter"] = "after", ["cursorPath"] = "next", ["limit"] = 20 },
            ["recordsPath"] = "people",
            ["mapping"] = new JsonObject { ["id"] = "uid", ["email"] = "mail", ["name"] = "display", ["department"] = "team", ["status"] = "state", ["created"] = "since" },
            ["activity"] = new JsonObject { ["lastActivityField"] = "seen", ["application"] = "People" },
        };
        var added = await fixture.Client.PostAsJsonAsync("/api/collection/sources", new JsonObject
        {
            ["templateJson"] = template, ["name"] = "People directory", ["settings"] = new JsonObject { ["token"] = "people-token" },
            ["schedule"] = new JsonObject { ["enabled"] = false },
        });
        added.IsSuccessStatusCode.ShouldBeTrue(await added.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        await _vendor.StopAsync();
        await _vendor.DisposeAsync();
    }

    [Fact]
    public Task The_data_tab_starts_an_import_shows_its_progress_and_then_indicators_charts_users_and_run_history() => WithPage(async page =>
    {
        await page.GetByTestId("tab-data").ClickAsync();
        await Assertions.Expect(page.GetByTestId("source-people-directory")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Manual imports only")).ToBeVisibleAsync();

        await page.GetByTestId("run-now").ClickAsync();
        await Assertions.Expect(page.GetByTestId("run-progress")).ToHaveTextAsync("succeeded: page 3, 60 records, 60 new, 0 updated");

        await Assertions.Expect(page.GetByTestId("indicator-total")).ToContainTextAsync("60");
        await Assertions.Expect(page.GetByTestId("indicator-active30")).ToContainTextAsync("10");
        await Assertions.Expect(page.GetByTestId("indicator-active90")).ToContainTextAsync("30");
        await Assertions.Expect(page.GetByTestId("indicator-inactive")).ToContainTextAsync("30");
        await Assertions.Expect(page.GetByTestId("indicator-new")).ToContainTextAsync("5");
        await Assertions.Expect(page.GetByTestId("department-bar")).ToHaveCountAsync(3);
        await Assertions.Expect(page.GetByTestId("activity-column")).ToHaveCountAsync(12);

        await Assertions.Expect(page.GetByTestId("users-total")).ToHaveTextAsync("60 users");
        await Assertions.Expect(page.GetByTestId("user-row")).ToHaveCountAsync(25);
        await Assertions.Expect(page.GetByTestId("users-page")).ToHaveTextAsync("Page 1 of 3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("users-page")).ToHaveTextAsync("Page 2 of 3");
        await Assertions.Expect(page.GetByTestId("user-row").First).ToContainTextAsync("p25");

        await page.GetByRole(AriaRole.Button, new() { Name = "Email" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("user-row").First).ToContainTextAsync("user00@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Email ▲" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("user-row").First).ToContainTextAsync("user59@example.com");

        await page.GetByLabel("department filter").SelectOptionAsync("Support");
        await Assertions.Expect(page.GetByTestId("users-total")).ToHaveTextAsync("20 users");
        await page.GetByLabel("search users").FillAsync("user08");
        await Assertions.Expect(page.GetByTestId("user-row")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("user-row")).ToContainTextAsync("Person 08");

        await Assertions.Expect(page.GetByTestId("run-row")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("run-row")).ToContainTextAsync("manual");
        await Assertions.Expect(page.GetByTestId("run-row")).ToContainTextAsync("succeeded");
    });

    private Task WithPage(Func<IPage, Task> test, [CallerMemberName] string name = "") => FlowPage.WithPageAsync(fixture, test, name: name);
}
