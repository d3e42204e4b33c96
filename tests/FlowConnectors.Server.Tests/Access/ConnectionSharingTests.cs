using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FlowConnectors.Server.Tests.Access;

/// <summary>
/// Connections have an owner and shares (issue 20): who sees one, who may use it in flows, automations and test runs,
/// who may manage it; secrets show to no one. Against the real in-process server, one user per role.
/// </summary>
public sealed class ConnectionSharingTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private const string Secret = "xoxb-shared-secret-value";

    private async Task<string> CreateConnectionAsync(HttpClient client, string name)
    {
        var created = await client.PostAsJsonAsync("/api/connections", new { connector = "slack", name, values = new { token = Secret } });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var body = await created.Content.ReadAsStringAsync();
        body.ShouldNotContain(Secret);
        return (string)JsonNode.Parse(body)!["id"]!;
    }

    private static async Task<JsonArray> ListAsync(HttpClient client)
    {
        var response = await client.GetAsync("/api/connections");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        text.ShouldNotContain(Secret);
        return JsonNode.Parse(text)!.AsArray();
    }

    private static JsonNode? Listed(JsonArray list, string id) => list.FirstOrDefault(c => (string?)c!["id"] == id);

    [Fact]
    public async Task A_new_connection_is_its_creators_and_others_see_use_or_manage_it_only_as_it_is_shared_with_them()
    {
        var (_, creatorKey) = await fixture.CreateUserWithKeyAsync("sharing-creator", ["operator"]);
        var (otherId, otherKey) = await fixture.CreateUserWithKeyAsync("sharing-other", ["operator"]);
        using var creator = fixture.KeyClient(creatorKey);
        using var other = fixture.KeyClient(otherKey);
        using var editor = fixture.KeyClient(fixture.Keys["editor"]);
        var id = await CreateConnectionAsync(creator, "creator's slack");

        ((string)Listed(await ListAsync(creator), id)!["access"]!).ShouldBe("manage");
        var access = await creator.GetFromJsonAsync<JsonObject>($"/api/connections/{id}/access");
        ((string)access!["owner"]!["name"]!).ShouldBe("sharing-creator");
        access["shares"]!.AsArray().ShouldBeEmpty();

        // Not shared: it does not exist for them.
        Listed(await ListAsync(other), id).ShouldBeNull();
        Listed(await ListAsync(editor), id).ShouldBeNull();
        (await other.GetAsync($"/api/connections/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.PostAsync($"/api/connections/{id}/deauthorize", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.PostAsJsonAsync($"/api/connections/{id}/shares", new { user = "sharing-other", right = "manage" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // Shared for use: listed by name and health, not its values; managing it is refused.
        var shared = await creator.PostAsJsonAsync($"/api/connections/{id}/shares", new { user = "sharing-other", right = "use" });
        shared.StatusCode.ShouldBe(HttpStatusCode.OK, await shared.Content.ReadAsStringAsync());
        var seen = Listed(await ListAsync(other), id)!;
        ((string)seen["access"]!).ShouldBe("use");
        ((string)seen["name"]!).ShouldBe("creator's slack");
        seen["values"].ShouldBeNull();
        seen["secretsSet"].ShouldBeNull();
        (await other.GetFromJsonAsync<JsonObject>($"/api/connections/{id}"))!["values"].ShouldBeNull();
        var refused = await other.PostAsync($"/api/connections/{id}/deauthorize", null);
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("use only");
        (await other.PutAsJsonAsync($"/api/connections/{id}", new { name = "taken over" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await other.GetAsync($"/api/connections/{id}/access")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // Shared to manage: they see its values (never the secret) and may deauthorize it.
        (await creator.PostAsJsonAsync($"/api/connections/{id}/shares", new { user = otherId, right = "manage" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var managed = await other.GetStringAsync($"/api/connections/{id}");
        managed.ShouldNotContain(Secret);
        ((string)JsonNode.Parse(managed)!["access"]!).ShouldBe("manage");
        JsonNode.Parse(managed)!["secretsSet"]!.AsArray().Select(s => (string)s!).ShouldBe(["token"]);

        // Unshared again: gone for them.
        var unshared = await creator.DeleteAsync($"/api/connections/{id}/shares/user/sharing-other");
        unshared.StatusCode.ShouldBe(HttpStatusCode.OK, await unshared.Content.ReadAsStringAsync());
        Listed(await ListAsync(other), id).ShouldBeNull();
        (await creator.DeleteAsync($"/api/connections/{id}/shares/user/sharing-other")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // A role share reaches everyone with the role; admins manage every connection anyway.
        (await creator.PostAsJsonAsync($"/api/connections/{id}/shares", new { role = "editor" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        ((string)Listed(await ListAsync(editor), id)!["access"]!).ShouldBe("use");
        using var admin = fixture.KeyClient(fixture.Keys["admin"]);
        ((string)Listed(await ListAsync(admin), id)!["access"]!).ShouldBe("manage");

        var bad = await creator.PostAsJsonAsync($"/api/connections/{id}/shares", new { role = "superuser", right = "own" });
        bad.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("$.right");
    }

    [Fact]
    public async Task Publishing_activating_and_test_runs_need_the_use_right_on_the_connections_they_take()
    {
        using var owner = fixture.KeyClient(TestServer.ApiKey);
        using var editor = fixture.KeyClient(fixture.Keys["editor"]);
        var id = await CreateConnectionAsync(owner, "owner's slack");
        var flow = new JsonObject
        {
            ["format"] = 1, ["id"] = "shared-connection-flow", ["name"] = "Posts with a named connection",
            ["nodes"] = new JsonArray(new JsonObject
            {
                ["id"] = "post", ["type"] = "Connector.Action",
                ["inputs"] = new JsonObject { ["connector"] = "slack", ["action"] = "postMessage", ["connection"] = id, ["inputs"] = new JsonObject { ["channel"] = "#ops", ["text"] = "hi" } },
            }),
            ["connections"] = new JsonArray(),
        };

        var publish = await editor.PostAsJsonAsync("/api/flows?publish=true", flow);
        var publishAnswer = await publish.Content.ReadAsStringAsync();
        publish.StatusCode.ShouldBe(HttpStatusCode.Forbidden, publishAnswer);
        publishAnswer.ShouldContain($"connection '{id}' is not shared with you for use");
        var refusal = JsonNode.Parse(publishAnswer)!["errors"]![0]!;
        ((string?)refusal["path"], (string?)refusal["nodeId"]).ShouldBe(("$.nodes[0].inputs.connection", "post"));
        var saved = await editor.PostAsJsonAsync("/api/flows", flow);
        saved.StatusCode.ShouldBe(HttpStatusCode.Created, await saved.Content.ReadAsStringAsync());
        var version = (int)(await saved.Content.ReadFromJsonAsync<JsonNode>())!["version"]!;
        (await editor.PostAsync($"/api/flows/shared-connection-flow/versions/{version}/publish", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var automation = await editor.PostAsJsonAsync("/api/automations", new { flowId = "shared-connection-flow", connectionId = id });
        automation.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await automation.Content.ReadAsStringAsync()).ShouldContain("$.connectionId");

        var card = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, "flows", "slack", "flows", "postMessage.flow.json")));
        var test = await editor.PostAsJsonAsync("/api/connectors/slack/flows/postMessage/test", new { flow = card, connectionId = id, inputs = new { channel = "#ops", text = "hi" } });
        var testAnswer = await test.Content.ReadAsStringAsync();
        testAnswer.ShouldContain($"connection '{id}' is not shared with you for use");
        testAnswer.ShouldNotContain(Secret);

        // Shared with the editor for use: the same publish goes through.
        (await owner.PostAsJsonAsync($"/api/connections/{id}/shares", new { user = fixture.UserIds["editor"], right = "use" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var published = await editor.PostAsync($"/api/flows/shared-connection-flow/versions/{version}/publish", null);
        published.StatusCode.ShouldBe(HttpStatusCode.OK, await published.Content.ReadAsStringAsync());
        (await editor.PostAsJsonAsync("/api/automations", new { flowId = "shared-connection-flow", connectionId = id })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var testAgain = await editor.PostAsJsonAsync("/api/connectors/slack/flows/postMessage/test", new { flow = card, connectionId = id, inputs = new { channel = "#ops", text = "hi" } });
        (await testAgain.Content.ReadAsStringAsync()).ShouldNotContain("not shared with you");
    }

    [Fact]
    public async Task A_connection_stored_before_ownership_is_the_owners_and_shared_with_the_roles_that_could_use_it()
    {
        var store = fixture.Server.Services.GetRequiredService<IConnectionStore>();
        await store.SaveAsync(new Connection
        {
            Id = "from-before-sharing", ConnectorKey = "slack", Name = "old slack",
            Secrets = { ["token"] = Secret }, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch,
        });

        using var owner = fixture.KeyClient(TestServer.ApiKey);
        var access = (await owner.GetFromJsonAsync<JsonObject>("/api/connections/from-before-sharing/access"))!;
        ((string)access["owner"]!["name"]!).ShouldNotBeNullOrEmpty();
        access["shares"]!.AsArray().Select(s => $"{s!["id"]}:{s["right"]}").ShouldBe(["catalog-reviewer:use", "editor:use", "operator:manage", "viewer:use"]);

        foreach (var (role, right) in new[] { ("editor", "use"), ("operator", "manage"), ("viewer", "use"), ("admin", "manage") })
        {
            using var client = fixture.KeyClient(fixture.Keys[role]);
            ((string)Listed(await ListAsync(client), "from-before-sharing")!["access"]!).ShouldBe(right, role);
        }
        using var operatorClient = fixture.KeyClient(fixture.Keys["operator"]);
        // An operator managed it before and still does: sharing it further keeps the old shares beside the new one.
        var shared = await operatorClient.PostAsJsonAsync("/api/connections/from-before-sharing/shares", new { user = "matrix-catalog-reviewer", right = "manage" });
        shared.StatusCode.ShouldBe(HttpStatusCode.OK, await shared.Content.ReadAsStringAsync());
        (await shared.Content.ReadFromJsonAsync<JsonObject>())!["shares"]!.AsArray().Count.ShouldBe(5);
    }
}
