using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace FlowConnectors.Server.Tests.Access;

/// <summary>
/// A published flow whose node chooses its connection by an expression (issue 20, README "Connections have an owner and
/// shares"): publishing could not check that connection, so the run does — the flow's publisher must be allowed to use
/// the connection it resolves to; otherwise the node faults naming the connection and the rule, and nothing reaches the
/// vendor. One real server whose connectors point at a stub vendor on 127.0.0.1 that records every request.
/// </summary>
public sealed class ConnectionChosenAtRunTests(ConnectionChosenAtRunTests.Fixture fixture) : IClassFixture<ConnectionChosenAtRunTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        internal VendorStub Vendor { get; private set; } = null!;
        internal TestServer Server { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Vendor = await VendorStub.StartAsync();
            Server = await TestServer.StartAsync(Vendor.Address);
        }

        /// <summary>Creates a user (as the owner), signs them in with their password, and has them make their own key.</summary>
        public async Task<(string UserId, HttpClient Client)> UserAsync(string userName, string[] roles)
        {
            var created = await Server.Client.PostAsJsonAsync("/api/users", new { userName, password = AccessFixture.Password, roles });
            created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            var id = (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["id"]!;
            using var browser = new HttpClient(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
            {
                BaseAddress = Server.Address,
            };
            var csrf = await AccessFixture.SignInAsync(browser, userName, AccessFixture.Password);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = JsonContent.Create(new { name = "run-time-connections" }) };
            request.Headers.Add("X-CSRF-Token", csrf);
            var made = await browser.SendAsync(request);
            made.StatusCode.ShouldBe(HttpStatusCode.Created, await made.Content.ReadAsStringAsync());
            var client = new HttpClient { BaseAddress = Server.Address };
            client.DefaultRequestHeaders.Add("X-Api-Key", (string)(await made.Content.ReadFromJsonAsync<JsonNode>())!["key"]!);
            return (id, client);
        }

        public async Task DisposeAsync()
        {
            await Server.DisposeAsync();
            await Vendor.DisposeAsync();
        }
    }

    private static async Task<string> CreateConnectionAsync(HttpClient client, string name)
    {
        var created = await client.PostAsJsonAsync("/api/connections", new { connector = "slack", name, values = new { token = "xoxb-" + name } });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["id"]!;
    }

    private int PostsToVendor => fixture.Vendor.Received.Count(r => r.Path.EndsWith("/chat.postMessage", StringComparison.Ordinal));

    [Fact]
    public async Task A_published_flow_runs_only_with_a_connection_chosen_at_run_time_that_its_publisher_may_use()
    {
        var (editorId, editor) = await fixture.UserAsync("runtime-publisher", ["editor"]);
        var (_, other) = await fixture.UserAsync("runtime-other", ["operator"]);
        using var _1 = editor;
        using var _2 = other;
        // The owner's connection, shared with the editor for use; the other user's, shared with no one.
        var usable = await CreateConnectionAsync(fixture.Server.Client, "owners-slack");
        (await fixture.Server.Client.PostAsJsonAsync($"/api/connections/{usable}/shares", new { user = editorId, right = "use" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var foreign = await CreateConnectionAsync(other, "others-slack");

        var flow = new JsonObject
        {
            ["format"] = 1, ["id"] = "connection-by-expression", ["name"] = "Posts with the connection its input names",
            ["inputs"] = new JsonArray(new JsonObject { ["name"] = "which", ["type"] = "string", ["required"] = true }),
            ["nodes"] = new JsonArray(new JsonObject
            {
                ["id"] = "post", ["type"] = "Connector.Action",
                ["inputs"] = new JsonObject
                {
                    ["connector"] = "slack", ["action"] = "postMessage", ["connection"] = new JsonObject { ["js"] = "input.which" },
                    ["inputs"] = new JsonObject { ["channel"] = "C123", ["text"] = "hello" },
                },
            }),
            ["connections"] = new JsonArray(),
        };
        // Nothing literal to check: the editor may publish it.
        var published = await editor.PostAsJsonAsync("/api/flows?publish=true", flow);
        published.StatusCode.ShouldBe(HttpStatusCode.Created, await published.Content.ReadAsStringAsync());

        // Resolved to a connection the publisher may use: the card runs and the vendor is called.
        var before = PostsToVendor;
        var allowed = await fixture.Server.Client.PostAsJsonAsync("/api/flows/connection-by-expression/run", new { inputs = new { which = usable } });
        var allowedText = await allowed.Content.ReadAsStringAsync();
        allowedText.ShouldNotContain("chosen at run time");
        PostsToVendor.ShouldBe(before + 1, allowedText);

        // Resolved to one the publisher may not use — run by the installation's owner, who could: the publisher's rights
        // apply. The node faults naming the connection, the publisher and the rule; the vendor hears nothing.
        var refused = await fixture.Server.Client.PostAsJsonAsync("/api/flows/connection-by-expression/run", new { inputs = new { which = foreign } });
        var refusedText = await refused.Content.ReadAsStringAsync();
        refusedText.ShouldContain($"connection '{foreign}' was chosen at run time and flow 'connection-by-expression''s publisher ('runtime-publisher') may not use it");
        refusedText.ShouldContain("a published flow runs only with connections its publisher may use");
        refusedText.ShouldContain("faulted");
        refusedText.ShouldNotContain("xoxb-");
        PostsToVendor.ShouldBe(before + 1, refusedText);

        // Shared with the publisher for use: the same run goes through.
        (await other.PostAsJsonAsync($"/api/connections/{foreign}/shares", new { user = editorId, right = "use" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var now = await fixture.Server.Client.PostAsJsonAsync("/api/flows/connection-by-expression/run", new { inputs = new { which = foreign } });
        (await now.Content.ReadAsStringAsync()).ShouldNotContain("chosen at run time");
        PostsToVendor.ShouldBe(before + 2);
    }
}
