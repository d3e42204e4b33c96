using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Cli.Tests;

/// <summary><c>flowc collect</c> (the real CLI process, which decides how to show progress from its own console) against a real server and a stub vendor on 127.0.0.1.</summary>
public sealed class CollectCommandTests : IAsyncLifetime
{
    private const string ApiKey = "cli-test-api-key-0123456789";
    private readonly TempDir _dir = new();
    private WebApplication _server = null!;
    private WebApplication _vendor = null!;
    private string _serverUrl = "";
    private string _vendorUrl = "";
    private volatile int _failFromPage;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _vendor = builder.Build();
        _vendor.MapGet("/users", (HttpContext context) =>
        {
            var page = int.TryParse(context.Request.Query["cursor"].FirstOrDefault(), out var p) ? p : 1;
            if (_failFromPage > 0 && page >= _failFromPage) return Results.Json(new { error = "down" }, statusCode: 500);
            var users = Enumerable.Range((page - 1) * 10, 10).Select(i => new { id = $"u{i}", email = $"u{i}@example.com" });
            return Results.Json(new { users, next = page < 3 ? (page + 1).ToString() : "" });
        });
        await _vendor.StartAsync();
        _vendorUrl = Address(_vendor);

        var flows = Path.Combine(_dir.Path, "flows");
        Directory.CreateDirectory(flows);
        _server = await ServerApp.BuildAsync([], options =>
        {
            options.Urls = "http://127.0.0.1:0";
            options.DataFolder = Path.Combine(_dir.Path, "data");
            options.FlowsFolder = flows;
            options.ApiKey = ApiKey;
            // The stub vendor listens on 127.0.0.1, which the server's network policy refuses unless allowed.
            options.Network.AllowedHosts.Add("127.0.0.1");
        });
        await _server.StartAsync();
        _serverUrl = Address(_server);

        using var http = Client();
        var template = new JsonObject
        {
            ["format"] = 1, ["name"] = "Test users", ["vendor"] = "Test", ["baseUrl"] = _vendorUrl, ["auth"] = new JsonObject { ["kind"] = "apiKey" },
            ["usersUrl"] = "/users", ["pagination"] = new JsonObject { ["kind"] = "cursorLimit", ["cursorPath"] = "next", ["limit"] = 10 },
            ["recordsPath"] = "users", ["mapping"] = new JsonObject { ["id"] = "id", ["email"] = "email" },
            ["http"] = new JsonObject { ["maxRetries"] = 1, ["baseDelay"] = "00:00:00.020" },
        };
        var added = await http.PostAsJsonAsync("api/collection/sources",
            new JsonObject { ["templateJson"] = template, ["name"] = "Test users", ["settings"] = new JsonObject { ["token"] = "t" }, ["schedule"] = new JsonObject { ["enabled"] = false } });
        added.IsSuccessStatusCode.ShouldBeTrue(await added.Content.ReadAsStringAsync());
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');

    private HttpClient Client()
    {
        var http = new HttpClient { BaseAddress = new Uri(_serverUrl + "/") };
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return http;
    }

    [Fact]
    public async Task Collect_runs_an_import_now_through_the_server_and_reports_what_it_stored()
    {
        _dir.Write("data/api-key.txt", ApiKey + "\n");

        var result = await _dir.FlowcProcessAsync("collect", "test-users", "--server", _serverUrl);

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stdout.ShouldStartWith("test-users: succeeded — 3 pages, 30 records, 30 inserted, 0 updated, 0 filtered out in ");
        result.Stderr.ShouldContain("succeeded: page 3, 30 records, 30 new, 0 updated");
        using var http = Client();
        var runs = await http.GetFromJsonAsync<JsonArray>("api/collection/sources/test-users/runs");
        ((string)runs!.ShouldHaveSingleItem()!["status"]!).ShouldBe("succeeded");
    }

    [Fact]
    public async Task A_failed_import_exits_1_saying_why_and_where_it_stopped()
    {
        _failFromPage = 2;

        var result = await _dir.FlowcProcessAsync("collect", "test-users", "--server", _serverUrl, "--api-key", ApiKey);

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stdout.ShouldStartWith("test-users: failed — 1 pages, 10 records, 10 inserted");
        result.Stderr.ShouldContain("error: pages: page 2: HTTP 500 from 127.0.0.1");
        result.Stderr.ShouldContain("(stopped at page 2, after 1 pages and 10 users stored; what was stored before is kept)");
    }

    [Fact]
    public async Task An_unknown_connector_a_wrong_key_or_no_server_is_bad_usage_with_a_clear_message()
    {
        var unknown = await _dir.FlowcProcessAsync("collect", "nope", "--server", _serverUrl, "--api-key", ApiKey);
        unknown.ExitCode.ShouldBe(2, unknown.ToString());
        unknown.Stderr.ShouldContain("error: POST api/collection/sources/nope/runs: HTTP 404: no collection connector 'nope'");

        var wrongKey = await _dir.FlowcProcessAsync("collect", "test-users", "--server", _serverUrl, "--api-key", "wrong");
        wrongKey.ExitCode.ShouldBe(2);
        wrongKey.Stderr.ShouldContain("refused the API key (401)");

        var noKey = await _dir.FlowcProcessAsync("collect", "test-users", "--server", _serverUrl);
        noKey.ExitCode.ShouldBe(2);
        noKey.Stderr.ShouldContain("no API key: pass --api-key, set $FLOWC_API_KEY");

        var noServer = await _dir.FlowcProcessAsync("collect", "test-users", "--server", "http://127.0.0.1:1", "--api-key", ApiKey);
        noServer.ExitCode.ShouldBe(2);
        noServer.Stderr.ShouldContain("cannot reach the server at http://127.0.0.1:1/");
    }

    public async Task DisposeAsync()
    {
        await _server.StopAsync();
        await _server.DisposeAsync();
        await _vendor.StopAsync();
        await _vendor.DisposeAsync();
        _dir.Dispose();
    }
}
