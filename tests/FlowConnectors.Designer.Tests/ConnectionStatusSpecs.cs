using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Playwright;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// Issue 14 bug 6: a connection's status is its last test (tested on creation), a dynamic dropdown shows the
/// vendor's error instead of an empty list, and a secret is replaced in place without deleting the connection.
/// </summary>
public sealed class ConnectionStatusSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>, IAsyncLifetime
{
    private StubVendor _vendor = null!;

    public async Task InitializeAsync() => _vendor = await StubVendor.StartAsync();

    public async Task DisposeAsync() => await _vendor.DisposeAsync();

    [Fact]
    public Task A_wrong_token_shows_a_failed_test_not_authorized_and_replacing_the_secret_in_place_makes_it_work() => WithPage(async page =>
    {
        await SendAsync(HttpMethod.Post, "/api/connectors", $$"""
            { "key": "statusco", "name": "Status Co", "baseUrl": "{{_vendor.Url}}", "authPingPath": "/me",
              "auth": { "kind": "apiKey", "parameter": "token", "tokenType": "Bearer" } }
            """);
        await page.GetByText("Reload").ClickAsync();
        await page.GetByTestId("connector-statusco").ClickAsync();
        await page.GetByTestId("connector-tab-connections").ClickAsync();

        var form = page.GetByTestId("connection-form");
        await form.GetByLabel("Connection name", new() { Exact = true }).FillAsync("typo");
        await form.GetByLabel("API token", new() { Exact = true }).FillAsync("wrong-token");
        await page.GetByTestId("create-connection").ClickAsync();
        var connection = page.GetByTestId("connection-typo");
        // Tested on creation: the status is the test's result, never a green "authorized".
        await Assertions.Expect(connection.GetByTestId("connection-status")).ToHaveTextAsync("testFailed");
        await Assertions.Expect(connection.GetByTestId("connection-status-reason")).ToContainTextAsync("HTTP 401: Bad credentials");
        await Assertions.Expect(page.GetByTestId("connection-info")).ToContainTextAsync("its test failed");

        // The secret is replaced in place (write-only): same connection, tested again, now authorized.
        await connection.GetByTestId("replace-secret").ClickAsync();
        var replace = connection.GetByTestId("replace-secret-form");
        var secret = replace.GetByLabel("New API token", new() { Exact = true });
        (await secret.GetAttributeAsync("type")).ShouldBe("password");
        await secret.FillAsync(StubVendor.GoodToken);
        await replace.GetByTestId("save-secret").ClickAsync();
        await Assertions.Expect(connection.GetByTestId("connection-status")).ToHaveTextAsync("authorized");
        await Assertions.Expect(connection.GetByTestId("connection-status-reason")).ToHaveCountAsync(0);
        await Assertions.Expect(connection.GetByTestId("replace-secret-form")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("connection-info")).ToContainTextAsync("works");
        (await page.ContentAsync()).ShouldNotContain(StubVendor.GoodToken);
        (await fixture.Client.GetStringAsync("/api/connections")).ShouldNotContain(StubVendor.GoodToken);

        // A later test that fails turns the status back.
        await connection.GetByTestId("replace-secret").ClickAsync();
        await connection.GetByTestId("replace-secret-form").GetByLabel("New API token", new() { Exact = true }).FillAsync("revoked-token");
        await connection.GetByTestId("save-secret").ClickAsync();
        await Assertions.Expect(connection.GetByTestId("connection-status")).ToHaveTextAsync("testFailed");
    });

    [Fact]
    public Task A_dynamic_dropdown_whose_helper_swallows_a_401_shows_the_vendor_error_not_an_empty_list() => WithPage(async page =>
    {
        await SendAsync(HttpMethod.Post, "/api/connectors", $$"""
            { "key": "dropco", "name": "Drop Co", "baseUrl": "{{_vendor.Url}}", "authPingPath": "/me", "auth": { "kind": "apiKey" } }
            """);
        // A helper that turns any answer it cannot read into an empty list: a wrong token would look like "no items".
        await SendAsync(HttpMethod.Put, "/api/connectors/dropco/flows/listPeople", """
            { "outputs": [ { "name": "items", "type": "array<object>" } ],
              "nodes": [
                { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": { "relative_url": "/me" } } },
                { "id": "done", "type": "Return", "inputs": { "outputs": { "items": { "js": "nodes.call.outputs.body.login ? [{ key: nodes.call.outputs.body.login, value: 'Ada' }] : []" } } } } ],
              "connections": [ { "from": "call:done", "to": "done" } ], "card": { "kind": "helper" } }
            """);
        await SendAsync(HttpMethod.Put, "/api/connectors/dropco/flows/greet", """
            { "inputs": [ { "name": "person", "type": "string", "label": "Person", "required": true } ],
              "outputs": [ { "name": "who", "type": "string" } ],
              "nodes": [ { "id": "done", "type": "Return", "inputs": { "outputs": { "who": { "js": "input.person" } } } } ],
              "connections": [],
              "card": { "kind": "action", "label": "Greet", "fields": { "person": { "dropdown": { "flow": "listPeople", "dependsOn": [] } } } } }
            """);
        await SendAsync(HttpMethod.Post, "/api/connections", """{ "connector": "dropco", "name": "stale", "values": { "token": "expired-token" } }""");

        await page.GetByTestId("tab-flows").ClickAsync();
        await page.GetByLabel("flow id", new() { Exact = true }).FillAsync("uses-dropco");
        await page.GetByTestId("palette-card-dropco-greet").DblClickAsync();
        await page.Locator(".react-flow__node[data-id='greet1'] .fc-node-title").ClickAsync();
        var editor = page.GetByTestId("connector-action-editor");
        await editor.GetByTestId("card-connection").SelectOptionAsync(new SelectOptionValue { Label = "stale" });
        await Assertions.Expect(editor.GetByTestId("card-dropdown-error-person")).ToContainTextAsync("HTTP 401");
        await Assertions.Expect(editor.GetByTestId("card-dropdown-person")).ToHaveCountAsync(0);
    });

    private async Task SendAsync(HttpMethod method, string path, string json)
    {
        using var response = await fixture.Client.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
        response.IsSuccessStatusCode.ShouldBeTrue($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private Task WithPage(Func<IPage, Task> test, [CallerMemberName] string name = "") => FlowPage.WithPageAsync(fixture, async page =>
    {
        await page.GetByTestId("tab-connectors").ClickAsync();
        await Assertions.Expect(page.GetByTestId("connectors-workspace")).ToBeVisibleAsync();
        await test(page);
    }, name: name);
}
