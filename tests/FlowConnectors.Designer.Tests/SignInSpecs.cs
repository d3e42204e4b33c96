using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FlowConnectors.Designer.Tests;

/// <summary>The sign-in link the server prints opens the designer signed in: no API key asked anywhere.</summary>
public sealed class SignInSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    [Fact]
    public Task The_printed_sign_in_link_opens_the_designer_signed_in_and_the_first_owner_chooses_a_password() => FlowPage.WithPageAsync(fixture, async page =>
    {
        var users = (await fixture.Client.GetFromJsonAsync<JsonArray>("/api/users"))!;
        var owner = users.Single(u => u!["roles"]!.AsArray().Any(r => (string)r! == "owner"))!;
        var token = fixture.Services.GetRequiredService<FlowConnectors.Server.Hosting.Access.SignInTokens>()
            .Issue((string)owner["id"]!, TimeSpan.FromMinutes(15));

        await page.GotoAsync(new Uri(fixture.Address, $"signin?token={token}").ToString());
        await Assertions.Expect(page.GetByTestId("palette-SetOutput")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("API key", new() { Exact = true })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("user-name")).ToContainTextAsync("owner");

        // First start: the owner has no password yet and chooses one.
        var setup = page.GetByTestId("owner-setup");
        await setup.GetByLabel("User name").FillAsync("grace");
        await setup.GetByLabel("Password").FillAsync("a long enough password");
        await setup.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("user-name")).ToContainTextAsync("grace");
        await Assertions.Expect(setup).ToHaveCountAsync(0);

        // The Access page: the owner sees the users and makes an API key, shown once.
        await page.GotoAsync(new Uri(fixture.Address, "#/access").ToString());
        await Assertions.Expect(page.GetByTestId("user-grace")).ToBeVisibleAsync();
        var keyForm = page.GetByTestId("new-key-form");
        await keyForm.GetByLabel("Name").FillAsync("from the designer");
        await keyForm.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("new-key")).ToContainTextAsync("fc_");
        await Assertions.Expect(page.GetByTestId("access-keys")).ToContainTextAsync("from the designer");
        await Assertions.Expect(page.GetByTestId("access-audit")).ToContainTextAsync("POST /api/keys");

        // The session cookie is HttpOnly (scripts cannot read it) and a change without the antiforgery token is refused.
        (await page.EvaluateAsync<string>("() => document.cookie")).ShouldNotContain("fc_session");
        var status = await page.EvaluateAsync<int>("""
            async () => (await fetch('/api/keys', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"x"}' })).status
            """);
        status.ShouldBe(400);

        // The link works once.
        var second = await page.Context.Browser!.NewContextAsync();
        var secondPage = await second.NewPageAsync();
        await secondPage.GotoAsync(new Uri(fixture.Address, $"signin?token={token}").ToString());
        await Assertions.Expect(secondPage.GetByTestId("sign-in-error")).ToHaveTextAsync(
            "This sign-in link was used already or has expired: sign in with your user name and password, or restart the server for a new link.");
        await Assertions.Expect(secondPage.GetByTestId("sign-in-open")).ToBeVisibleAsync();
        await second.CloseAsync();
    }, signIn: _ => Task.CompletedTask);

    private static readonly string[] Workspaces = ["flows", "connectors", "catalog", "import", "data", "approvals", "incidents", "access"];

    [Fact]
    public Task Signed_out_every_workspace_points_to_the_one_sign_in_menu_which_takes_an_API_key_and_forgets_it() => FlowPage.WithPageAsync(fixture, async page =>
    {
        // Signed out: no workspace asks for a key itself; those that need a signed-in browser say so and open the menu.
        await Assertions.Expect(page.GetByTestId("sign-in-open")).ToBeVisibleAsync();
        foreach (var workspace in Workspaces)
        {
            await FlowPage.OpenWorkspaceAsync(page, workspace);
            await Assertions.Expect(FlowPage.ShownWorkspace(page).Locator("input[type=password]")).ToHaveCountAsync(0);
            (await page.Locator("input[type=password]").CountAsync()).ShouldBe(0, $"a password or key field outside the sign-in menu on #/{workspace}");
        }
        foreach (var workspace in Workspaces)
        {
            await FlowPage.OpenWorkspaceAsync(page, workspace);
            await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId("sign-in-prompt")).ToBeVisibleAsync();
        }

        // The prompt opens the menu: the printed link comes first, then a password, then a key. A wrong key is refused and not kept.
        await FlowPage.OpenWorkspaceAsync(page, "flows");
        await FlowPage.ShownWorkspace(page).GetByTestId("sign-in-prompt").GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var menu = page.GetByTestId("sign-in-menu");
        await Assertions.Expect(menu.GetByTestId("sign-in-link-hint")).ToContainTextAsync("sign-in link the server printed");
        await DocsScreenshotSpecs.SaveAsync(page, "designer-sign-in.png");
        await menu.GetByText("Use an API key").ClickAsync();
        await page.GetByLabel("API key", new() { Exact = true }).FillAsync("not-a-key-of-this-server");
        await page.GetByLabel("API key", new() { Exact = true }).PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("sign-in-error")).ToContainTextAsync("did not accept");
        (await page.EvaluateAsync<string?>("() => localStorage.getItem('flowconnectors.apiKey')")).ShouldBeNull();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(menu).ToHaveCountAsync(0);

        // The right key signs every workspace in at once, and survives a reload.
        await FlowPage.SignInWithApiKeyAsync(page);
        await Assertions.Expect(page.GetByTestId("palette-SetOutput")).ToBeVisibleAsync();
        await page.GetByTestId("tab-incidents").ClickAsync();
        await Assertions.Expect(page.GetByTestId("incidents-none")).ToBeVisibleAsync();
        await page.GetByTestId("tab-catalog").ClickAsync();
        await Assertions.Expect(page.GetByTestId("catalog-list")).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("user-name")).ToBeVisibleAsync();
        await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId("sign-in-prompt")).ToHaveCountAsync(0);

        // Forgetting the key signs the browser out everywhere.
        await page.GetByTestId("user-name").ClickAsync();
        await page.GetByTestId("sign-out").ClickAsync();
        await Assertions.Expect(page.GetByTestId("sign-in-open")).ToBeVisibleAsync();
        await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId("sign-in-prompt")).ToBeVisibleAsync();
        (await page.EvaluateAsync<string?>("() => localStorage.getItem('flowconnectors.apiKey')")).ShouldBeNull();
    }, signIn: _ => Task.CompletedTask);
}
