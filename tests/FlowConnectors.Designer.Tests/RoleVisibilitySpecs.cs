using System.Net;
using System.Net.Http.Json;
using FlowConnectors.Connectors.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// The designer hides what a role cannot do (session.ts can(), fed by /auth/session's permissions); the server still
/// refuses it. A viewer and an editor sign in with their passwords and walk the flows, connectors, connections,
/// catalog, data collection and access views.
/// </summary>
public sealed class RoleVisibilitySpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    private const string Password = "role visibility password";
    private const string ConnectionName = "team slack";

    /// <summary>A viewer and an editor, a connection the owner shares with both roles for use, a catalog submission.</summary>
    private async Task PrepareAsync()
    {
        foreach (var role in new[] { "viewer", "editor" })
        {
            var created = await fixture.Client.PostAsJsonAsync("/api/users", new { userName = $"ui-{role}", password = Password, roles = new[] { role } });
            if (created.StatusCode != HttpStatusCode.Created) (await created.Content.ReadAsStringAsync()).ShouldContain("taken");
        }
        var connector = await fixture.Client.PostAsync("/api/connectors", new StringContent("""
            { "key": "team-chat", "name": "Team chat", "baseUrl": "http://127.0.0.1:9", "authPingPath": "/me",
              "auth": { "kind": "apiKey", "parameter": "token", "tokenType": "Bearer" } }
            """, System.Text.Encoding.UTF8, "application/json"));
        if (connector.StatusCode != HttpStatusCode.Created) (await connector.Content.ReadAsStringAsync()).ShouldContain("already");
        // Stored directly (creating it through the API would test it against the vendor): the owner's, as one from before sharing.
        var store = fixture.Services.GetRequiredService<IConnectionStore>();
        if (await store.GetAsync("team-slack") is null)
            await store.SaveAsync(new Connection { Id = "team-slack", ConnectorKey = "team-chat", Name = ConnectionName, Secrets = { ["token"] = "xoxb-role-visibility" } });
        foreach (var role in new[] { "viewer", "editor" })
            (await fixture.Client.PostAsJsonAsync("/api/connections/team-slack/shares", new { role, right = "use" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        await fixture.Client.PostAsync("/api/catalog/export/team-chat/submit", null);
    }

    private static async Task SignInWithPasswordAsync(IPage page, string userName)
    {
        await page.GetByTestId("sign-in-open").ClickAsync();
        var form = page.GetByTestId("sign-in-form");
        await form.GetByLabel("User name").FillAsync(userName);
        await form.GetByLabel("Password").FillAsync(Password);
        await form.GetByTestId("sign-in").ClickAsync();
        await Assertions.Expect(page.GetByTestId("user-name")).ToContainTextAsync(userName);
    }

    private static async Task ShotAsync(IPage page, string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = true });
    }

    private static async Task OpenConnectionsAsync(IPage page)
    {
        await FlowPage.OpenWorkspaceAsync(page, "connectors");
        await FlowPage.ShownWorkspace(page).GetByText("Reload").ClickAsync();
        await FlowPage.ShownWorkspace(page).GetByTestId("connector-team-chat").ClickAsync();
        await FlowPage.ShownWorkspace(page).GetByTestId("connector-tab-connections").ClickAsync();
        await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId($"connection-{ConnectionName}")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_viewer_sees_flows_connections_and_the_catalog_without_any_action_their_role_cannot_take()
    {
        await PrepareAsync();
        await FlowPage.WithPageAsync(fixture, async page =>
        {
            await SignInWithPasswordAsync(page, "ui-viewer");
            await Assertions.Expect(page.GetByTestId("palette-SetOutput")).ToBeVisibleAsync();
            foreach (var action in new[] { "save", "publish", "run-toggle" })
                await Assertions.Expect(page.GetByTestId(action)).ToHaveCountAsync(0);
            await Assertions.Expect(page.GetByTestId("tab-import")).ToHaveCountAsync(0);
            await ShotAsync(page, "role-viewer-flows.png");

            await OpenConnectionsAsync(page);
            var connection = FlowPage.ShownWorkspace(page).GetByTestId($"connection-{ConnectionName}");
            await Assertions.Expect(connection.GetByTestId("connection-use-only")).ToBeVisibleAsync();
            foreach (var action in new[] { "test-connection", "deauthorize-connection", "delete-connection", "replace-secret", "connection-sharing" })
                await Assertions.Expect(connection.GetByTestId(action)).ToHaveCountAsync(0);
            foreach (var action in new[] { "connection-form", "new-connector", "new-action", "save-settings" })
                await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId(action)).ToHaveCountAsync(0);
            await ShotAsync(page, "role-viewer-connections.png");

            await FlowPage.OpenWorkspaceAsync(page, "catalog");
            await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId("catalog-team-chat")).ToBeVisibleAsync();
            foreach (var action in new[] { "approve", "reject", "install", "catalog-submit-installed" })
                await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId(action)).ToHaveCountAsync(0);
            await ShotAsync(page, "role-viewer-catalog.png");

            await FlowPage.OpenWorkspaceAsync(page, "data");
            // The workspace loads on first use: its list of sources first, so the missing button is not merely not loaded yet.
            await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByRole(AriaRole.Complementary, new() { Name = "collection connectors" })).ToBeVisibleAsync();
            await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId("add-source")).ToHaveCountAsync(0);
            await FlowPage.OpenWorkspaceAsync(page, "access");
            await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId("new-key-form")).ToBeVisibleAsync();
            await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId("access-users")).ToHaveCountAsync(0);

            // Hidden is a courtesy: the server refuses the same action from this browser session anyway.
            var status = await page.EvaluateAsync<int>("""
                async () => {
                  const session = await (await fetch('/auth/session')).json();
                  return (await fetch('/api/connections/team-slack/deauthorize', { method: 'POST', headers: { 'X-CSRF-Token': session.csrfToken } })).status;
                }
                """);
            status.ShouldBe(403);
        }, signIn: _ => Task.CompletedTask);
    }

    [Fact]
    public async Task An_editor_sees_save_publish_and_connector_editing_but_not_approving_or_managing_connections()
    {
        await PrepareAsync();
        await FlowPage.WithPageAsync(fixture, async page =>
        {
            await SignInWithPasswordAsync(page, "ui-editor");
            foreach (var action in new[] { "save", "publish", "run-toggle" })
                await Assertions.Expect(page.GetByTestId(action)).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId("tab-import")).ToBeVisibleAsync();
            await ShotAsync(page, "role-editor-flows.png");

            await OpenConnectionsAsync(page);
            var connection = FlowPage.ShownWorkspace(page).GetByTestId($"connection-{ConnectionName}");
            await Assertions.Expect(connection.GetByTestId("connection-use-only")).ToBeVisibleAsync();
            await Assertions.Expect(connection.GetByTestId("test-connection")).ToBeVisibleAsync();
            foreach (var action in new[] { "deauthorize-connection", "delete-connection", "replace-secret", "connection-sharing" })
                await Assertions.Expect(connection.GetByTestId(action)).ToHaveCountAsync(0);
            await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId("connection-form")).ToHaveCountAsync(0);
            await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId("new-connector")).ToBeVisibleAsync();
            await ShotAsync(page, "role-editor-connections.png");

            await FlowPage.OpenWorkspaceAsync(page, "catalog");
            await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId("catalog-team-chat")).ToBeVisibleAsync();
            await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId("catalog-submit-installed")).ToBeVisibleAsync();
            foreach (var action in new[] { "approve", "reject" })
                await Assertions.Expect(FlowPage.ShownWorkspace(page).GetByTestId(action)).ToHaveCountAsync(0);
            await ShotAsync(page, "role-editor-catalog.png");
        }, signIn: _ => Task.CompletedTask);
    }
}
