using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FlowConnectors.Collection;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// Issue 13 through the API: suspicious runs, cancelling, credentials in URLs, testing a template, schedules. The tests
/// that store nothing (refused sources, testing a template) share one server; the tests that add sources or move the
/// clock start their own.
/// </summary>
public sealed class CollectionGuardTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static async Task<JsonNode> AddAsync(TestServer server, object body)
    {
        var (status, json) = await server.PostJsonAsync("/api/collection/sources", body);
        status.ShouldBe(201, json?.ToJsonString());
        return json!;
    }

    private static async Task<JsonNode> RunToEndAsync(TestServer server, string key)
    {
        var (status, started) = await server.PostJsonAsync($"/api/collection/sources/{key}/runs", new { });
        status.ShouldBe(202, started?.ToJsonString());
        return await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/collection/runs/{(string)started!["id"]!}"),
            r => (string)r["status"]! != "running", $"the import of {key}");
    }

    private static JsonObject SlackTemplate() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, "flows", "templates", "slack.template.json")))!.AsObject();

    [Fact]
    public async Task A_run_with_far_fewer_users_than_the_last_good_one_is_suspicious_and_the_previous_data_stays_visible_until_it_is_confirmed()
    {
        await using var vendors = await VendorsStub.StartAsync();
        await using var server = await TestServer.StartAsync();
        await AddAsync(server, new { template = "slack", name = "Slack users", settings = new { token = VendorsStub.SlackToken }, baseUrl = vendors.Url("slack") });
        var good = await RunToEndAsync(server, "slack-users");
        ((string)good["status"]!, (int)good["users"]!).ShouldBe(("succeeded", 449), (string?)good["error"]);

        // The vendor now lists 101 members: under 50 % of 449.
        vendors.SlackTotal = 101;
        server.Clock.Advance(TimeSpan.FromMinutes(5));
        var shrunk = await RunToEndAsync(server, "slack-users");

        ((string)shrunk["status"]!).ShouldBe("suspicious");
        ((int)shrunk["users"]!).ShouldBe(101);
        ((string)shrunk["warning"]!).ShouldStartWith("collected 101 users, under 50 % of the 449 of the last good run (2026-11-02 09:00 UTC); the previous data stays the visible one");
        ((int)(await server.GetJsonAsync("/api/collection/sources/slack-users/summary"))["totalUsers"]!).ShouldBe(449);
        ((int)(await server.GetJsonAsync("/api/collection/sources/slack-users/users"))["total"]!).ShouldBe(449);

        var (confirmStatus, confirmed) = await server.PostJsonAsync($"/api/collection/runs/{(string)shrunk["id"]!}/confirm", new { });
        confirmStatus.ShouldBe(200, confirmed?.ToJsonString());
        ((string)confirmed!["status"]!).ShouldBe("succeeded");
        confirmed["confirmedAt"].ShouldNotBeNull();
        ((int)(await server.GetJsonAsync("/api/collection/sources/slack-users/summary"))["totalUsers"]!).ShouldBe(101);
        var (again, problem) = await server.PostJsonAsync($"/api/collection/runs/{(string)shrunk["id"]!}/confirm", new { });
        again.ShouldBe(409);
        ((string)problem!["detail"]!).ShouldContain("only a suspicious run is confirmed");

        // The confirmed run is the new baseline: the same 101 again is an ordinary good run.
        server.Clock.Advance(TimeSpan.FromMinutes(5));
        ((string)(await RunToEndAsync(server, "slack-users"))["status"]!).ShouldBe("succeeded");
    }

    [Fact]
    public async Task A_run_with_more_users_is_never_suspicious_and_a_guard_of_zero_turns_the_check_off()
    {
        await using var vendors = await VendorsStub.StartAsync();
        await using var server = await TestServer.StartAsync();
        await AddAsync(server, new { template = "slack", name = "Slack users", settings = new { token = VendorsStub.SlackToken }, baseUrl = vendors.Url("slack") });
        vendors.SlackTotal = 100;
        await RunToEndAsync(server, "slack-users");
        vendors.SlackTotal = 451;
        server.Clock.Advance(TimeSpan.FromMinutes(1));
        ((string)(await RunToEndAsync(server, "slack-users"))["status"]!).ShouldBe("succeeded");
        ((int)(await server.GetJsonAsync("/api/collection/sources/slack-users/summary"))["totalUsers"]!).ShouldBe(449);

        var put = await server.Client.PutAsync("/api/collection/sources/slack-users/guard",
            new StringContent("""{"suspiciousBelowPercent":0}""", System.Text.Encoding.UTF8, "application/json"));
        put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        vendors.SlackTotal = 10;
        server.Clock.Advance(TimeSpan.FromMinutes(1));
        ((string)(await RunToEndAsync(server, "slack-users"))["status"]!).ShouldBe("succeeded");
        ((int)(await server.GetJsonAsync("/api/collection/sources/slack-users/summary"))["totalUsers"]!).ShouldBe(10);
    }

    [Fact]
    public async Task A_running_import_is_cancelled_through_the_api_keeps_what_it_stored_and_frees_the_connector()
    {
        await using var vendors = await VendorsStub.StartAsync();
        await using var server = await TestServer.StartAsync();
        await AddAsync(server, new { template = "slack", name = "Endless", settings = new { token = "t" }, baseUrl = vendors.Url("endless") });
        var (_, started) = await server.PostJsonAsync("/api/collection/sources/endless/runs", new { });
        var id = (string)started!["id"]!;
        await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/collection/runs/{id}"), r => (int)r["pages"]! >= 3, "three pages stored");
        (await server.Client.DeleteAsync("/api/collection/sources/endless")).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        var (status, cancelled) = await server.PostJsonAsync($"/api/collection/runs/{id}/cancel", new { });

        status.ShouldBe(200, cancelled?.ToJsonString());
        ((string)cancelled!["status"]!).ShouldBe("cancelled");
        ((string)cancelled["error"]!).ShouldBe("the import was cancelled by a user");
        ((int)cancelled["inserted"]!).ShouldBeGreaterThanOrEqualTo(600);
        (await server.PostJsonAsync($"/api/collection/runs/{id}/cancel", new { })).Status.ShouldBe(409);
        (await server.Client.DeleteAsync("/api/collection/sources/endless")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Credentials_in_urls_are_refused_pointing_at_the_encrypted_settings_and_nothing_is_kept()
    {
        await using var vendors = await VendorsStub.StartAsync();
        var server = shared.Server;

        async Task Refused(object body, string path, string detail)
        {
            var (status, problem) = await server.PostJsonAsync("/api/collection/sources", body);
            status.ShouldBe(422, problem?.ToJsonString());
            ((string)problem!["errors"]![0]!["path"]!).ShouldBe(path);
            ((string)problem["detail"]!).ShouldContain(detail);
            problem.ToJsonString().ShouldNotContain("s3cret");
        }

        var inUrl = SlackTemplate();
        inUrl["usersUrl"] = "/users.list?token=s3cret";
        await Refused(new { templateJson = inUrl, name = "S", settings = new { token = "t" } }, "$.templateJson.usersUrl",
            "query parameter 'token' looks like a credential; do not include API credentials in the URL — the API key is the template's setting 'token', stored encrypted");
        var inQuery = SlackTemplate();
        inQuery["query"] = new JsonObject { ["api_key"] = "s3cret" };
        await Refused(new { templateJson = inQuery, name = "S", settings = new { token = "t" } }, "$.templateJson.query.api_key", "query parameter 'api_key' looks like a credential");
        var userInfo = SlackTemplate();
        userInfo["baseUrl"] = "http://admin:s3cret@slack.example/api";
        await Refused(new { templateJson = userInfo, name = "S", settings = new { token = "t" } }, "$.templateJson.baseUrl", "the URL carries a user name or password");
        await Refused(new { template = "slack", name = "S", settings = new { token = "t" }, baseUrl = vendors.Url("slack").Replace("http://", "http://admin:s3cret@") },
            "$.baseUrl", "do not include API credentials in the URL");
        (await server.GetJsonAsync("/api/collection/sources")).AsArray().ShouldBeEmpty();
        (await server.GetJsonAsync("/api/connectors")).ToJsonString().ShouldNotContain("\"s\"");
    }

    [Fact]
    public async Task Testing_a_template_runs_one_page_and_answers_the_sample_the_mapped_users_the_filtered_records_and_the_cursor()
    {
        await using var vendors = await VendorsStub.StartAsync();
        var server = shared.Server;
        var template = SlackTemplate();

        var (status, result) = await server.PostJsonAsync("/api/collection/templates/test",
            new { templateJson = template, settings = new { token = VendorsStub.SlackToken }, baseUrl = vendors.Url("slack") });

        status.ShouldBe(200, result?.ToJsonString());
        ((int)result!["status"]!, (string)result["contentType"]!).ShouldBe((200, "application/json"));
        result["sample"]!["members"]!.AsArray().Count.ShouldBe(20);
        result["users"]!.AsArray().Count.ShouldBe(20);
        ((string)result["users"]![0]!["email"]!).ShouldBe("p1@example.com");
        ((string)result["next"]!["cursor"]!).ShouldBe("c20");
        result["problems"]!.AsArray().ShouldBeEmpty();
        result["request"]!["query"]!.ToJsonString().ShouldBe("""{"limit":20}""");
        (await server.GetJsonAsync("/api/connectors")).ToJsonString().ShouldNotContain("template-test-");
        (await server.GetJsonAsync("/api/connections")).ToJsonString().ShouldNotContain("template-test-");

        // The last members include Slackbot and a bot, which the filters leave out.
        template["pagination"]!["cursorPath"] = "response_metadata.nextCursor";
        var (_, wrongCursor) = await server.PostJsonAsync("/api/collection/templates/test",
            new { templateJson = template, settings = new { token = VendorsStub.SlackToken }, baseUrl = vendors.Url("slack") });
        ((string)wrongCursor!["problems"]![0]!["message"]!).ShouldBe(
            "the cursor path 'response_metadata.nextCursor' is not in the response of a full page; 'response_metadata' has: next_cursor");

        var (_, html) = await server.PostJsonAsync("/api/collection/templates/test",
            new { template = "slack", settings = new { token = "t" }, baseUrl = vendors.Url("html") });
        ((string)html!["problems"]![0]!["message"]!).ShouldBe("Slack answered text/html, not JSON: '<!DOCTYPE html><html><body>Sign in</body></html>'");
    }

    /// <summary>
    /// The answer read as the typed record the OpenAPI document names: a member the record does not have fails the read,
    /// so the bytes are what the schema describes. Also the answer as parsed, to see which members were left out.
    /// </summary>
    private static async Task<(CollectionTemplateTestResult Result, JsonObject Raw)> TestTemplateAsync(TestServer server, object body)
    {
        var response = await server.Client.PostAsync("/api/collection/templates/test",
            new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(200, text);
        var strict = new JsonSerializerOptions(JsonSerializerOptions.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, RespectNullableAnnotations = true };
        return (JsonSerializer.Deserialize<CollectionTemplateTestResult>(text, strict).ShouldNotBeNull(), JsonNode.Parse(text)!.AsObject());
    }

    [Fact]
    public async Task Testing_a_template_answers_the_typed_result_with_its_rows()
    {
        await using var vendors = await VendorsStub.StartAsync();
        await using var server = await TestServer.StartAsync();

        var (result, _) = await TestTemplateAsync(server, new { templateJson = SlackTemplate(), settings = new { token = VendorsStub.SlackToken }, baseUrl = vendors.Url("slack") });

        (result.Status, result.ContentType, result.Records).ShouldBe((200, "application/json", 20));
        result.Problems.ShouldBeEmpty();
        result.Users.ShouldNotBeNull().Count.ShouldBe(20);
        var first = result.Users[0];
        (first.Id, first.Email, first.Name, first.Department, first.Application).ShouldBe(("U001", "p1@example.com", "Person 1", "Sales", "Slack"));
        first.LastActivity.ShouldNotBeNull();
        result.Sample!["members"]!.AsArray().Count.ShouldBe(20);
        result.Next.ShouldNotBeNull();
        (result.Next.Kind, result.Next.More, result.Next.Cursor, result.Next.Problem).ShouldBe(("cursorLimit", true, "c20", (string?)null));
        result.Request.ShouldNotBeNull().Query.ToJsonString().ShouldBe("""{"limit":20}""");
    }

    [Fact]
    public async Task Testing_a_template_whose_records_are_not_where_it_says_answers_the_problem_at_the_templates_JSON_path_and_no_rows()
    {
        await using var vendors = await VendorsStub.StartAsync();
        await using var server = await TestServer.StartAsync();
        var template = SlackTemplate();
        template["recordsPath"] = "users";

        var (result, raw) = await TestTemplateAsync(server, new { templateJson = template, settings = new { token = VendorsStub.SlackToken }, baseUrl = vendors.Url("slack") });

        result.Problems.ShouldBe([new CollectionTemplateTestProblem("$.recordsPath", "no 'users' in the response; the response has: ok, members, response_metadata")]);
        (result.Status, result.Records, result.Users, result.Next).ShouldBe((200, (int?)null, (IReadOnlyList<CollectionTemplateTestUser>?)null, (CollectionTemplateTestNext?)null));
        // What was not reached is left out, not written as null: the designer tells them apart by absence.
        raw.Select(m => m.Key).ShouldBe(["status", "contentType", "sample", "problems", "request"]);
    }

    [Fact]
    public async Task Testing_a_template_shows_the_records_its_filters_leave_out()
    {
        await using var vendors = await VendorsStub.StartAsync();
        var server = shared.Server;
        var template = SlackTemplate();
        template["filters"] = new JsonArray(new JsonObject { ["field"] = "profile.title", ["operator"] = "equals", ["value"] = "Engineering" });

        var (_, result) = await server.PostJsonAsync("/api/collection/templates/test",
            new { templateJson = template, settings = new { token = VendorsStub.SlackToken }, baseUrl = vendors.Url("slack") });

        result!["users"]!.AsArray().Select(u => (string)u!["id"]!).Select(id => int.Parse(id.Substring(1)) % 2).ShouldAllBe(rest => rest == 0);
        result["filteredOut"]!.AsArray().Count.ShouldBe(10);
        ((string)result["filteredOut"]![0]!["profile"]!["title"]!).ShouldBe("Sales");
    }

    [Fact]
    public async Task A_schedule_put_changes_only_the_fields_sent_needs_a_zone_and_shows_the_next_three_runs_with_their_utc_offsets()
    {
        await using var vendors = await VendorsStub.StartAsync();
        await using var server = await TestServer.StartAsync();
        var (status, problem) = await server.PostJsonAsync("/api/collection/sources",
            new { template = "slack", name = "S", settings = new { token = VendorsStub.SlackToken }, baseUrl = vendors.Url("slack"), schedule = new { time = "07:00" } });
        status.ShouldBe(422);
        ((string)problem!["errors"]![0]!["path"]!).ShouldBe("$.schedule.timeZone");
        ((string)problem["detail"]!).ShouldStartWith("timeZone is required: the IANA zone 07:00 is in");

        await AddAsync(server, new
        {
            template = "slack", name = "Slack users", settings = new { token = VendorsStub.SlackToken }, baseUrl = vendors.Url("slack"),
            schedule = new { enabled = false, time = "23:00", timeZone = "Europe/Berlin" },
        });
        // Berlin moves its clocks forward on 28 March 2027.
        server.Clock.Advance(new DateTimeOffset(2027, 3, 26, 9, 0, 0, TimeSpan.Zero) - server.Clock.GetUtcNow());

        var put = await server.Client.PutAsync("/api/collection/sources/slack-users/schedule",
            new StringContent("""{"enabled":true}""", System.Text.Encoding.UTF8, "application/json"));

        put.StatusCode.ShouldBe(HttpStatusCode.OK);
        var schedule = JsonNode.Parse(await put.Content.ReadAsStringAsync())!["schedule"]!;
        ((bool)schedule["enabled"]!, (string)schedule["time"]!, (string)schedule["timeZone"]!).ShouldBe((true, "23:00", "Europe/Berlin"));
        schedule["nextRuns"]!.AsArray().Select(r => ((string)r!["local"]!, (string)r["utcOffset"]!, (string)r["utc"]!)).ShouldBe([
            ("2027-03-26T23:00:00+01:00", "+01:00", "2027-03-26T22:00:00Z"),
            ("2027-03-27T23:00:00+01:00", "+01:00", "2027-03-27T22:00:00Z"),
            ("2027-03-28T23:00:00+02:00", "+02:00", "2027-03-28T21:00:00Z"),
        ]);
        var time = await server.Client.PutAsync("/api/collection/sources/slack-users/schedule",
            new StringContent("""{"time":"06:15"}""", System.Text.Encoding.UTF8, "application/json"));
        var after = JsonNode.Parse(await time.Content.ReadAsStringAsync())!["schedule"]!;
        ((bool)after["enabled"]!, (string)after["time"]!, (string)after["timeZone"]!).ShouldBe((true, "06:15", "Europe/Berlin"));
    }
}
