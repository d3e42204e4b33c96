using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.Server.Tests;

/// <summary>The management API; the tests that only read or are refused share one server.</summary>
public sealed class ManagementApiTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const string Double = """
        { "format": 1, "id": "double", "inputs": [ { "name": "n", "type": "integer", "required": true } ],
          "outputs": [ { "name": "twice", "type": "integer" } ],
          "nodes": [ { "id": "out", "type": "SetOutput", "inputs": { "name": "twice", "value": { "js": "input.n * 2" } } } ], "connections": [] }
        """;

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Flows_are_saved_as_versions_published_and_run_synchronously()
    {
        await using var server = await TestServer.StartAsync();
        var created = await server.Client.PostAsync("/api/flows", Json(Double));
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var second = await server.Client.PutAsync("/api/flows/double?publish=true", Json(Double.Replace("input.n * 2", "input.n + input.n")));
        (await second.Content.ReadAsStringAsync()).ShouldContain("\"version\":2");
        var versions = (await server.GetJsonAsync("/api/flows/double/versions")).AsArray();
        versions.Count.ShouldBe(2);

        var (status, body) = await server.PostJsonAsync("/api/flows/double/run", new { inputs = new { n = 21 } });
        status.ShouldBe(200, body?.ToJsonString());
        body!["status"]!.GetValue<string>().ShouldBe("finished");
        body["outputs"]!["twice"]!.GetValue<long>().ShouldBe(42);
        var instanceId = body["instanceId"]!.GetValue<string>();

        var instance = await server.GetJsonAsync($"/api/instances/{instanceId}");
        instance["flowVersion"]!.GetValue<int>().ShouldBe(2);
        var journal = (await server.GetJsonAsync($"/api/instances/{instanceId}/journal")).AsArray();
        journal.Select(j => (string?)j!["nodeId"]).ShouldBe(["out"]);
        var finished = (await server.GetJsonAsync("/api/instances?status=finished&flowId=double")).AsArray();
        finished.ShouldContain(i => (string?)i!["instanceId"] == instanceId);
    }

    [Fact]
    public async Task An_asynchronous_run_answers_202_and_a_waiting_instance_can_be_cancelled()
    {
        await using var server = await TestServer.StartAsync();
        var (status, body) = await server.PostJsonAsync("/api/flows/wait-for-event/run", new { inputs = new { requestId = "r-9" }, mode = "async" });
        status.ShouldBe(202, body?.ToJsonString());
        var id = body!["instanceId"]!.GetValue<string>();
        var suspended = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{id}"), i => (string?)i["status"] == "suspended", "suspension");
        suspended["waitingFor"]![0]!["name"]!.GetValue<string>().ShouldBe("event");
        (await server.PostJsonAsync($"/api/instances/{id}/cancel", new { })).Status.ShouldBe(200);
        (await server.GetJsonAsync($"/api/instances/{id}"))["status"]!.GetValue<string>().ShouldBe("cancelled");
        (await server.PostJsonAsync($"/api/instances/{id}/cancel", new { })).Status.ShouldBe(409);
    }

    [Fact]
    public async Task Connection_secrets_are_write_only()
    {
        await using var server = await TestServer.StartAsync();
        var (status, created) = await server.PostJsonAsync("/api/connections", new { connector = "slack", name = "Slack", values = new { token = "xoxb-very-secret-token" } });
        status.ShouldBe(201, created?.ToJsonString());
        created!.ToJsonString().ShouldNotContain("xoxb-very-secret-token");
        var listed = await server.Client.GetStringAsync("/api/connections");
        listed.ShouldNotContain("xoxb-very-secret-token");
        listed.ShouldContain("\"token\"");
        foreach (var file in Directory.GetFiles(server.DataFolder, "*", SearchOption.AllDirectories))
            (await File.ReadAllBytesAsync(file)).AsSpan().IndexOf("xoxb-very-secret-token"u8).ShouldBe(-1, $"the secret is readable in {file}");
    }

    [Fact]
    public async Task A_connection_must_be_deauthorized_before_it_is_deleted()
    {
        await using var server = await TestServer.StartAsync();
        var (_, created) = await server.PostJsonAsync("/api/connections", new { id = "sn", connector = "servicenow", values = new { instance = "dev1", username = "u", password = "p4ssword" } });
        created.ShouldNotBeNull();
        (await server.Client.DeleteAsync("/api/connections/sn")).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await server.PostJsonAsync("/api/connections/sn/deauthorize", new { })).Status.ShouldBe(200);
        (await server.Client.DeleteAsync("/api/connections/sn")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Theory]
    [InlineData("POST", "/api/flows", "{ \"format\": 1, ", "application/json", 422)]
    [InlineData("POST", "/api/flows", "<flow/>", "application/xml", 415)]
    [InlineData("POST", "/api/flows/double/run", "{ broken", "application/json", 400)]
    [InlineData("POST", "/api/events", "{ \"payload\": 1 }", "application/json", 422)]
    [InlineData("GET", "/api/nothing-here", null, null, 404)]
    [InlineData("GET", "/api/instances?status=sleeping", null, null, 422)]
    [InlineData("POST", "/hooks/no/such/hook", "{}", "application/json", 404)]
    public async Task Bad_requests_get_the_right_4xx_with_a_problem_detail(string method, string path, string? body, string? type, int expected)
    {
        var server = shared.Server;
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, type!);
        var response = await server.Client.SendAsync(request);
        ((int)response.StatusCode).ShouldBe(expected, await response.Content.ReadAsStringAsync());
        if (expected != 404 || path.StartsWith("/hooks", StringComparison.Ordinal))
            response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task The_management_api_needs_the_key_but_serves_openapi_and_hooks_without_it()
    {
        var server = shared.Server;
        using var anonymous = new HttpClient { BaseAddress = server.Address };
        var denied = await anonymous.GetAsync("/api/flows");
        denied.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await denied.Content.ReadAsStringAsync()).ShouldContain("X-Api-Key");
        anonymous.DefaultRequestHeaders.Add("X-Api-Key", "wrong");
        (await anonymous.GetAsync("/api/flows")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await new HttpClient { BaseAddress = server.Address }.GetAsync("/openapi/v1.json")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_oversized_body_is_refused_with_413()
    {
        var server = shared.Server;
        var big = "{\"inputs\":{\"n\":1},\"pad\":\"" + new string('x', 100 * 1024) + "\"}";
        var response = await server.Client.PostAsync("/api/flows/double/run", Json(big));
        ((int)response.StatusCode).ShouldBe(413);
    }

    [Fact]
    public async Task The_palette_lists_every_activity_descriptor()
    {
        var server = shared.Server;
        var activities = (await server.GetJsonAsync("/api/activities")).AsArray();
        activities.Select(a => (string?)a!["type"]).ShouldContain("Http.SendRequest");
        activities.Select(a => (string?)a!["type"]).ShouldContain("WaitForCallback");
        activities.Count.ShouldBeGreaterThan(60);
    }
}
