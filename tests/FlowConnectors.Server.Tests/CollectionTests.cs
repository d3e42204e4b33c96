using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Server.Tests;

public sealed class CollectionTests
{
    [Fact]
    public async Task Every_shipped_template_imports_from_its_stub_vendor_at_23_00_Berlin_time_driven_by_the_fake_clock()
    {
        await using var vendors = await VendorsStub.StartAsync();
        await using var server = await TestServer.StartAsync();
        var berlin = new { time = "23:00", timeZone = "Europe/Berlin" };
        await AddAsync(server, new { template = "slack", name = "Slack users", settings = new { token = VendorsStub.SlackToken }, schedule = berlin, baseUrl = vendors.Url("slack") });
        await AddAsync(server, new { template = "github", name = "GitHub members", settings = new { token = "ghp_good", org = "octo" }, schedule = berlin, baseUrl = vendors.Url("github/orgs/octo") });
        await AddAsync(server, new
        {
            template = "servicenow", name = "ServiceNow users", settings = new { clientId = "snow-id", clientSecret = "snow-secret", instance = "dev1" },
            schedule = berlin, baseUrl = vendors.Url("snow"), tokenUrl = vendors.Url("snow/oauth_token.do"),
        });
        await AddAsync(server, new
        {
            template = "hr-directory", name = "HR directory", settings = new { clientId = "hr-id", clientSecret = "hr-secret" },
            schedule = berlin, baseUrl = vendors.Url("hr"), tokenUrl = vendors.Url("hr/token"),
        });

        // 2 November 2026 is winter time in Berlin (UTC+1): 23:00 local is 22:00 UTC.
        var sources = (await server.GetJsonAsync("/api/collection/sources")).AsArray();
        sources.Select(s => (string)s!["schedule"]!["nextRunAt"]!).ShouldAllBe(at => at.StartsWith("2026-11-02T22:00:00"));
        await Task.Delay(200);
        (await server.GetJsonAsync("/api/collection/sources/slack-users/runs")).AsArray().ShouldBeEmpty();

        server.Clock.Advance(TimeSpan.FromHours(13) + TimeSpan.FromSeconds(1));

        var expected = new Dictionary<string, int> { ["slack-users"] = 449, ["github-members"] = 249, ["servicenow-users"] = 207, ["hr-directory"] = 149 };
        foreach (var (key, users) in expected)
        {
            var runs = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/collection/sources/{key}/runs"),
                r => r.AsArray().Count == 1 && (string)r[0]!["status"]! != "running", $"the scheduled import of {key}");
            var run = runs[0]!;
            ((string)run["status"]!).ShouldBe("succeeded", (string?)run["error"]);
            ((string)run["trigger"]!).ShouldBe("schedule");
            ((int)run["inserted"]!).ShouldBe(users, key);
            ((int)(await server.GetJsonAsync($"/api/collection/sources/{key}/summary"))["totalUsers"]!).ShouldBe(users);
        }
        // The next occurrence is the next evening.
        ((string)(await server.GetJsonAsync("/api/collection/sources/hr-directory"))["schedule"]!["nextRunAt"]!).ShouldStartWith("2026-11-03T22:00:00");
    }

    [Fact]
    public async Task Saving_tests_the_connection_first_and_a_failed_test_keeps_neither_connector_nor_connection()
    {
        await using var vendors = await VendorsStub.StartAsync();
        await using var server = await TestServer.StartAsync();

        var (status, body) = await server.PostJsonAsync("/api/collection/sources",
            new { template = "slack", name = "Slack users", settings = new { token = "xoxb-wrong" }, baseUrl = vendors.Url("slack") });

        status.ShouldBe(422);
        ((string)body!["detail"]!).ShouldBe("the connection test failed: Slack error: invalid_auth");
        ((string)body["errors"]![0]!["path"]!).ShouldBe("$.settings");
        (await server.GetJsonAsync("/api/collection/sources")).AsArray().ShouldBeEmpty();
        (await server.GetJsonAsync("/api/connectors")).ToJsonString().ShouldNotContain("slack-users");
        (await server.GetJsonAsync("/api/connections")).ToJsonString().ShouldNotContain("slack-users");
        body.ToJsonString().ShouldNotContain("xoxb-wrong");
    }

    [Fact]
    public async Task A_manual_import_shows_progress_history_a_sorted_filtered_paged_users_table_and_indicators()
    {
        await using var vendors = await VendorsStub.StartAsync();
        await using var server = await TestServer.StartAsync();
        var source = await AddAsync(server, new
        {
            template = "slack", name = "Slack users", settings = new { token = VendorsStub.SlackToken },
            schedule = new { enabled = false }, baseUrl = vendors.Url("slack"),
        });
        source["schedule"]!["nextRunAt"].ShouldBeNull();
        ((string)source["schedule"]!["time"]!).ShouldBe("23:00");
        source.ToJsonString().ShouldNotContain(VendorsStub.SlackToken);

        var (status, started) = await server.PostJsonAsync("/api/collection/sources/slack-users/runs", new { });
        status.ShouldBe(202);
        var run = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/collection/runs/{(string)started!["id"]!}"),
            r => (string)r["status"]! != "running", "the manual import");
        ((string)run["status"]!).ShouldBe("succeeded", (string?)run["error"]);
        ((int)run["pages"]!, (int)run["records"]!, (int)run["inserted"]!, (int)run["filtered"]!).ShouldBe((3, 451, 449, 2));

        server.Clock.Advance(TimeSpan.FromMinutes(5));
        var (again, second) = await server.PostJsonAsync("/api/collection/sources/slack-users/runs", new { });
        again.ShouldBe(202);
        await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/collection/runs/{(string)second!["id"]!}"), r => (string)r["status"]! == "succeeded", "the second import");
        var history = (await server.GetJsonAsync("/api/collection/sources/slack-users/runs")).AsArray();
        history.Select(r => ((int)r!["inserted"]!, (int)r["updated"]!)).ShouldBe([(0, 449), (449, 0)]);

        var page = await server.GetJsonAsync("/api/collection/sources/slack-users/users?sort=email&dir=desc&department=Engineering&pageSize=5&page=2");
        ((int)page["total"]!).ShouldBe(224);
        // Text order: "p8@" sorts after "p88@" ('@' comes after the digits).
        page["items"]!.AsArray().Select(u => (string)u!["email"]!).ShouldBe(["p8@example.com", "p88@example.com", "p86@example.com", "p84@example.com", "p82@example.com"]);
        var search = await server.GetJsonAsync("/api/collection/sources/slack-users/users?search=person%20123");
        search["items"]!.AsArray().ShouldHaveSingleItem()!["id"]!.GetValue<string>().ShouldBe("U123");

        var summary = await server.GetJsonAsync("/api/collection/sources/slack-users/summary");
        // Activity: member i was last active i days before the test clock's now (2 November 2026).
        ((int)summary["totalUsers"]!, (int)summary["active30Days"]!, (int)summary["active90Days"]!, (int)summary["inactive"]!, (int)summary["newThisMonth"]!)
            .ShouldBe((449, 30, 90, 359, 449));
        summary["byDepartment"]!.AsArray().Select(d => ((string)d!["department"]!, (int)d["users"]!)).ShouldBe([("Sales", 225), ("Engineering", 224)]);
        summary["activityByMonth"]!.AsArray().Count.ShouldBe(12);
    }

    [Fact]
    public async Task Client_mistakes_get_clear_errors_naming_the_field_and_never_a_500()
    {
        await using var vendors = await VendorsStub.StartAsync();
        await using var server = await TestServer.StartAsync();

        async Task Expect(object body, int status, string path, string detail)
        {
            var (actual, problem) = await server.PostJsonAsync("/api/collection/sources", body);
            actual.ShouldBe(status, problem?.ToJsonString());
            ((string)problem!["detail"]!).ShouldContain(detail);
            if (status == 422) ((string)problem["errors"]![0]!["path"]!).ShouldBe(path);
        }

        await Expect(new { template = "nope", name = "X" }, 422, "$.template", "no template 'nope'; shipped templates: github, hr-directory, servicenow, slack");
        await Expect(new { template = "slack" }, 422, "$.name", "a name is required");
        await Expect(new { template = "slack", name = "S", schedule = new { time = "25:00" } }, 422, "$.schedule.time", "time must be a local time HH:mm");
        await Expect(new { template = "slack", name = "S", schedule = new { timeZone = "Mars/Olympus" } }, 422, "$.schedule.timeZone", "unknown time zone 'Mars/Olympus'");
        await Expect(new { templateJson = new { format = 1, name = "T" }, name = "S" }, 422, "$.templateJson", "missing field 'vendor'");
        await Expect(new { template = "slack", name = "S", settings = new { } , baseUrl = vendors.Url("slack") }, 422, "$.settings", "connection parameter 'token' is required");
        await Expect(new { template = "slack", name = "S", colour = "red" }, 422, "$.colour", "unknown field 'colour'");

        await AddAsync(server, new { template = "slack", name = "Slack users", settings = new { token = VendorsStub.SlackToken }, baseUrl = vendors.Url("slack") });
        await Expect(new { template = "slack", name = "Slack users", settings = new { token = VendorsStub.SlackToken }, baseUrl = vendors.Url("slack") }, 409, "$.key", "already exists");

        (await server.Client.GetAsync("/api/collection/sources/nope/users")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await server.Client.PostAsync("/api/collection/sources/nope/runs", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var badSort = await server.Client.GetAsync("/api/collection/sources/slack-users/users?sort=password");
        badSort.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await server.Client.GetAsync("/api/collection/sources/slack-users/users?pageSize=0")).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var schedule = await server.Client.PutAsync("/api/collection/sources/slack-users/schedule",
            new StringContent("""{"time":"07:30","timeZone":"America/New_York"}""", System.Text.Encoding.UTF8, "application/json"));
        schedule.StatusCode.ShouldBe(HttpStatusCode.OK);
        // 3 November 2026 07:30 in New York (EST, UTC-5) is 12:30 UTC.
        (await schedule.Content.ReadAsStringAsync()).ShouldContain("\"nextRunAt\":\"2026-11-02T12:30:00");
        (await server.Client.DeleteAsync("/api/collection/sources/slack-users")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await server.GetJsonAsync("/api/collection/sources")).AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_run_that_fails_midway_keeps_the_users_it_stored_and_says_where_it_stopped()
    {
        await using var vendors = await VendorsStub.StartAsync();
        await using var server = await TestServer.StartAsync();
        await AddAsync(server, new { template = "slack", name = "Slack users", settings = new { token = VendorsStub.SlackToken }, baseUrl = vendors.Url("slack") });
        vendors.FailSlackFrom = 400; // the third page answers 500, every retry too

        var (_, started) = await server.PostJsonAsync("/api/collection/sources/slack-users/runs", new { });
        // The retry back-off runs on the server's clock: move it on while waiting.
        var run = await TestServer.EventuallyAsync(() =>
            {
                server.Clock.Advance(TimeSpan.FromSeconds(1));
                return server.GetJsonAsync($"/api/collection/runs/{(string)started!["id"]!}");
            }, r => (string)r["status"]! != "running", "the failing import");

        ((string)run["status"]!).ShouldBe("failed");
        ((string)run["error"]!).ShouldStartWith("pages: page 3: HTTP 500 from 127.0.0.1");
        ((string)run["stoppedAt"]!).ShouldBe("page 3, after 2 pages and 400 users stored");
        ((int)(await server.GetJsonAsync("/api/collection/sources/slack-users/summary"))["totalUsers"]!).ShouldBe(400);
        vendors.SlackPageThreeAttempts.ShouldBe(4); // one try and the template's three retries
    }

    private static async Task<JsonNode> AddAsync(TestServer server, object body)
    {
        var (status, json) = await server.PostJsonAsync("/api/collection/sources", body);
        status.ShouldBe(201, json?.ToJsonString());
        return json!;
    }
}

/// <summary>Slack, GitHub, ServiceNow and an HR directory on one 127.0.0.1 stub, each under its own path prefix.</summary>
internal sealed class VendorsStub : IAsyncDisposable
{
    public const string SlackToken = "xoxb-good-token";
    private static readonly DateTimeOffset Now = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly WebApplication _app;
    private int _pageThree;

    private VendorsStub(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;
    public int? FailSlackFrom { get; set; }
    /// <summary>Members of the Slack workspace (the last two are Slackbot and a bot when there are at least 451).</summary>
    public int SlackTotal { get; set; } = 451;
    /// <summary>Pages of /endless/users.list answered so far (a vendor that never stops, each page a little slow).</summary>
    public int EndlessPages => _endless;
    private int _endless;
    public int SlackPageThreeAttempts => _pageThree;

    public string Url(string path) => new Uri(Address, path).ToString();

    public static async Task<VendorsStub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var stub = new VendorsStub(app);
        app.Run(stub.HandleAsync);
        await app.StartAsync();
        stub.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
        return stub;
    }

    private Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var query = context.Request.Query;
        int Int(string name, int fallback) => int.TryParse(query[name].FirstOrDefault(), out var n) ? n : fallback;
        var bearer = context.Request.Headers.Authorization.ToString();
        switch (path)
        {
            case "/slack/users.list":
            {
                if (bearer != "Bearer " + SlackToken) return Json(context, 200, new JsonObject { ["ok"] = false, ["error"] = "invalid_auth" });
                var start = query["cursor"].FirstOrDefault() is { Length: > 0 } c ? int.Parse(c[1..]) : 0;
                if (FailSlackFrom is { } from && start >= from)
                {
                    Interlocked.Increment(ref _pageThree);
                    return Json(context, 500, new JsonObject { ["ok"] = false, ["error"] = "internal_error" });
                }
                var total = SlackTotal;
                var limit = Int("limit", 100);
                var members = Enumerable.Range(start + 1, Math.Max(0, Math.Min(limit, total - start))).Select(i => (JsonNode?)(i switch
                {
                    450 when total == 451 => new JsonObject { ["id"] = "USLACKBOT", ["real_name"] = "Slackbot", ["profile"] = new JsonObject() },
                    451 when total == 451 => new JsonObject { ["id"] = "B1", ["real_name"] = "Deploy bot", ["is_bot"] = true, ["profile"] = new JsonObject() },
                    _ => new JsonObject
                    {
                        ["id"] = $"U{i:000}", ["real_name"] = $"Person {i}", ["deleted"] = false, ["is_bot"] = false,
                        ["updated"] = Now.AddDays(-i).AddHours(1).ToUnixTimeSeconds(),
                        ["profile"] = new JsonObject { ["email"] = $"p{i}@example.com", ["title"] = i % 2 == 0 ? "Engineering" : "Sales" },
                    },
                })).ToArray();
                var next = start + limit < total ? $"c{start + limit}" : "";
                return Json(context, 200, new JsonObject { ["ok"] = true, ["members"] = new JsonArray(members), ["response_metadata"] = new JsonObject { ["next_cursor"] = next } });
            }
            case "/github/orgs/octo/members":
            {
                if (bearer != "Bearer ghp_good") return Json(context, 401, new JsonObject { ["message"] = "Bad credentials" });
                var perPage = Int("per_page", 30);
                var page = Int("page", 1);
                const int total = 250;
                var items = Enumerable.Range((page - 1) * perPage + 1, Math.Max(0, Math.Min(perPage, total - (page - 1) * perPage)))
                    .Select(i => (JsonNode?)new JsonObject { ["id"] = i, ["login"] = $"dev{i}", ["type"] = i == 1 ? "Bot" : "User" }).ToArray();
                if (page * perPage < total)
                    context.Response.Headers["Link"] = $"<{Address}github/orgs/octo/members?filter=all&per_page={perPage}&page={page + 1}>; rel=\"next\"";
                return Json(context, 200, new JsonArray(items));
            }
            case "/endless/users.list":
            {
                var start = query["cursor"].FirstOrDefault() is { Length: > 0 } c ? int.Parse(c[1..]) : 0;
                Interlocked.Increment(ref _endless);
                var members = Enumerable.Range(start, 200).Select(i => (JsonNode?)new JsonObject { ["id"] = $"E{i}", ["real_name"] = $"Endless {i}", ["profile"] = new JsonObject() }).ToArray();
                return Task.Delay(20).ContinueWith(_ => Json(context, 200, new JsonObject
                {
                    ["ok"] = true, ["members"] = new JsonArray(members), ["response_metadata"] = new JsonObject { ["next_cursor"] = $"c{start + 200}" },
                })).Unwrap();
            }
            case "/html/users.list":
                context.Response.ContentType = "text/html; charset=utf-8";
                return context.Response.WriteAsync("<!DOCTYPE html><html><body>Sign in</body></html>");
            case "/snow/oauth_token.do":
                return Json(context, 200, new JsonObject { ["access_token"] = "snow-access", ["token_type"] = "Bearer", ["expires_in"] = 1800 });
            case "/snow/api/now/table/sys_user":
            {
                if (bearer != "Bearer snow-access") return Json(context, 401, new JsonObject { ["error"] = new JsonObject { ["message"] = "User Not Authenticated" } });
                var offset = Int("sysparm_offset", 0);
                var limit = Int("sysparm_limit", 10);
                var result = Enumerable.Range(offset, Math.Max(0, Math.Min(limit, 230 - offset))).Select(i => (JsonNode?)new JsonObject
                {
                    ["sys_id"] = $"s{i}", ["name"] = $"User {i}", ["email"] = $"u{i}@corp.example", ["department"] = "IT",
                    ["active"] = i % 10 == 9 ? "false" : "true", ["sys_created_on"] = "2025-01-01 00:00:00", ["last_login_time"] = "2026-10-30 08:00:00",
                }).ToArray();
                return Json(context, 200, new JsonObject { ["result"] = new JsonArray(result) });
            }
            case "/hr/token":
                return Json(context, 200, new JsonObject { ["access_token"] = "hr-access", ["token_type"] = "Bearer", ["expires_in"] = 3600 });
            case "/hr/employees":
            {
                if (bearer != "Bearer hr-access") return Json(context, 401, new JsonObject { ["error"] = "unauthorized" });
                var page = Int("page", 1);
                var size = Int("page_size", 10);
                var data = Enumerable.Range((page - 1) * size, Math.Max(0, Math.Min(size, 150 - (page - 1) * size))).Select(i => (JsonNode?)new JsonObject
                {
                    ["employee_id"] = $"E{i}", ["full_name"] = $"Employee {i}", ["work_email"] = $"e{i}@hr.example",
                    ["department"] = new JsonObject { ["name"] = i % 3 == 0 ? "Ops" : "Finance" },
                    ["employment_status"] = i == 0 ? "terminated" : "active", ["hire_date"] = "2024-05-01", ["last_sign_in"] = "2026-11-01T10:00:00Z",
                }).ToArray();
                return Json(context, 200, new JsonObject { ["data"] = new JsonArray(data) });
            }
            default:
                return Json(context, 404, new JsonObject { ["error"] = "no such path " + path });
        }
    }

    private static Task Json(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await Bounded.StopAsync(_app, "the collection vendor stub");
    }
}
