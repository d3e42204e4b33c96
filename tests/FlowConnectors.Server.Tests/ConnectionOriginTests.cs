using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.Server.Tests;

/// <summary>A connection's credentials go only to the origin it was authorized for.</summary>
public sealed class ConnectionOriginTests
{
    private static async Task<(int Status, JsonNode? Body)> PutJsonAsync(TestServer server, string path, object body)
    {
        var response = await server.Client.PutAsync(path, new StringContent(System.Text.Json.JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private static async Task<TestServer> StartWithServiceNowAsync(VendorStub vendor)
    {
        var server = await TestServer.StartAsync(vendor.Address);
        var (status, body) = await server.PostJsonAsync("/api/connections", new { id = "sn", connector = "servicenow", values = new { instance = "dev1", username = "admin", password = "S3CR3T-canary" } });
        status.ShouldBe(201, body?.ToJsonString());
        ((string?)body!["origin"]).ShouldBe($"http://127.0.0.1:{vendor.Address.Port}");
        return server;
    }

    [Fact]
    public async Task Changing_the_base_url_holds_back_the_credentials_until_the_user_confirms_the_new_address()
    {
        await using var vendor = await VendorStub.StartAsync();
        await using var attacker = await VendorStub.StartAsync();
        await using var server = await StartWithServiceNowAsync(vendor);
        await server.PostJsonAsync("/api/connections/sn/test", new { });
        vendor.Received.ShouldContain(r => r.Authorization!.StartsWith("Basic ", StringComparison.Ordinal));

        var (changed, changeBody) = await PutJsonAsync(server, "/api/connectors/servicenow/settings", new { baseUrl = attacker.Address.ToString().TrimEnd('/') });
        changed.ShouldBe(200, changeBody?.ToJsonString());

        var connection = await server.GetJsonAsync("/api/connections/sn");
        ((string?)connection["status"]).ShouldBe("needsReauthorization");
        ((string)connection["statusReason"]!).ShouldContain("base URL changed");
        var (_, test) = await server.PostJsonAsync("/api/connections/sn/test", new { });
        test!["ok"]!.GetValue<bool>().ShouldBeFalse();
        ((string)test["reason"]!).ShouldContain("needs re-authorization");
        ((string)test["reason"]!).ShouldContain("/api/connections/sn/confirm-origin");
        attacker.Received.ShouldBeEmpty();

        var (confirmed, confirmedBody) = await server.PostJsonAsync("/api/connections/sn/confirm-origin", new { });
        confirmed.ShouldBe(200, confirmedBody?.ToJsonString());
        ((string?)confirmedBody!["status"]).ShouldBe("authorized");
        ((string?)confirmedBody["origin"]).ShouldBe($"http://127.0.0.1:{attacker.Address.Port}");
        await server.PostJsonAsync("/api/connections/sn/test", new { });
        attacker.Received.ShouldContain(r => r.Authorization!.StartsWith("Basic ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Changing_the_auth_settings_needs_the_secret_entered_again()
    {
        await using var vendor = await VendorStub.StartAsync();
        await using var server = await StartWithServiceNowAsync(vendor);

        var (changed, changeBody) = await PutJsonAsync(server, "/api/connectors/servicenow/settings",
            new { auth = new { kind = "apiKey", parameter = "password", @in = "header", name = "X-SN-Key" } });
        changed.ShouldBe(200, changeBody?.ToJsonString());
        ((string?)(await server.GetJsonAsync("/api/connections/sn"))["status"]).ShouldBe("needsReauthorization");
        var before = vendor.Received.Count;
        (await server.PostJsonAsync("/api/connections/sn/test", new { })).Body!["ok"]!.GetValue<bool>().ShouldBeFalse();
        vendor.Received.Count.ShouldBe(before);

        // Changing only a plain value is not re-entering the secret: still held back.
        var (partial, partialBody) = await PutJsonAsync(server, "/api/connections/sn", new { values = new { username = "admin2" } });
        partial.ShouldBe(200, partialBody?.ToJsonString());
        ((string?)partialBody!["status"]).ShouldBe("needsReauthorization");

        var (reentered, reenteredBody) = await PutJsonAsync(server, "/api/connections/sn", new { values = new { password = "N3W-S3CR3T" } });
        reentered.ShouldBe(200, reenteredBody?.ToJsonString());
        ((string?)reenteredBody!["status"]).ShouldBe("authorized");
        await server.PostJsonAsync("/api/connections/sn/test", new { });
        vendor.Received.Count.ShouldBeGreaterThan(before);
    }

    [Fact]
    public async Task Unknown_connections_answer_404_on_the_new_endpoints()
    {
        await using var vendor = await VendorStub.StartAsync();
        await using var server = await TestServer.StartAsync(vendor.Address);
        (await server.PostJsonAsync("/api/connections/nope/confirm-origin", new { })).Status.ShouldBe(404);
        (await server.PostJsonAsync("/api/connections/a.b/confirm-origin", new { })).Status.ShouldBe(404);
        (await PutJsonAsync(server, "/api/connections/nope", new { values = new { } })).Status.ShouldBe(404);
    }
}
