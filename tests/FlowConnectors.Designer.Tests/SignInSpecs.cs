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
        var again = await (await second.NewPageAsync()).GotoAsync(new Uri(fixture.Address, $"signin?token={token}").ToString());
        again!.Status.ShouldBe(400);
        await second.CloseAsync();
    }, signIn: _ => Task.CompletedTask);
}
