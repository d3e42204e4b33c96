using System.Net;
using System.Net.Http.Json;
using System.Text;
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

/// <summary>
/// <c>flowc backup</c> of a real server's data folder while webhooks keep it writing, restored into a second server: every
/// run acknowledged before the backup began is there, and a connection's secret still opens with the copied key ring.
/// </summary>
public sealed class BackupCommandTests : IAsyncLifetime
{
    private const string ApiKey = "cli-backup-api-key-0123456789";
    private const string Secret = "canary-backup-4711";
    private const string Hooked = """
        { "format": 1, "id": "hooked", "outputs": [ { "name": "echo", "type": "object" } ],
          "nodes": [ { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "busy", "methods": [ "POST" ] } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "echo", "value": { "js": "nodes.hook.body" } } } ],
          "connections": [ { "from": "hook:done", "to": "out" } ] }
        """;
    private readonly TempDir _dir = new();
    private readonly List<WebApplication> _apps = [];
    private string _vendorUrl = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var vendor = builder.Build();
        // The connection's test: 200 only for the secret it was created with.
        vendor.MapGet("/me", (HttpContext context) => context.Request.Headers.Authorization == $"Bearer {Secret}" ? Results.Ok(new { id = "me" }) : Results.StatusCode(401));
        await vendor.StartAsync();
        _apps.Add(vendor);
        _vendorUrl = Address(vendor);
        _dir.Write("flows/hooked.flow.json", Hooked);
    }

    public async Task DisposeAsync()
    {
        foreach (var app in _apps) await app.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<HttpClient> StartServerAsync(string dataFolder)
    {
        var server = await ServerApp.BuildAsync([], options =>
        {
            options.Urls = "http://127.0.0.1:0";
            options.DataFolder = System.IO.Path.Combine(_dir.Path, dataFolder);
            options.FlowsFolder = System.IO.Path.Combine(_dir.Path, "flows");
            options.ApiKey = ApiKey;
            options.Network.AllowedHosts.Add("127.0.0.1");
        });
        await server.StartAsync();
        _apps.Add(server);
        var http = new HttpClient { BaseAddress = new Uri(Address(server) + "/") };
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return http;
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');

    [Fact]
    public async Task A_backup_taken_while_webhooks_write_restores_every_acknowledged_run_and_the_secrets()
    {
        using var live = await StartServerAsync("data");
        (await live.PostAsJsonAsync("api/connectors", new
        {
            key = "stubbed", name = "Stubbed", baseUrl = _vendorUrl, authPingPath = "/me", auth = new { kind = "apiKey", parameter = "token", tokenType = "Bearer" },
        })).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var created = await live.PostAsJsonAsync("api/connections", new { connector = "stubbed", name = "kept", values = new { token = Secret } });
        var connection = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        created.IsSuccessStatusCode.ShouldBeTrue(connection.ToJsonString());
        var connectionId = (string)connection["id"]!;

        // Webhooks keep the server writing through the backup.
        var acknowledged = 0;
        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                using var response = await live.PostAsync("hooks/busy", new StringContent($$"""{"n":{{i}}}""", Encoding.UTF8, "application/json"));
                if (response.StatusCode == HttpStatusCode.OK) Interlocked.Increment(ref acknowledged);
            }
        });
        while (Volatile.Read(ref acknowledged) < 20) await Task.Delay(20);
        var acknowledgedBefore = Volatile.Read(ref acknowledged);

        var backup = await _dir.FlowcAsync("backup", "data", "copy");

        var acknowledgedAfter = Volatile.Read(ref acknowledged);
        await stop.CancelAsync();
        await load;
        backup.ExitCode.ShouldBe(0, backup.ToString());
        backup.Stdout.ShouldContain("integrity ok");
        backup.Stdout.ShouldContain("keys/: ");
        acknowledgedAfter.ShouldBeGreaterThan(acknowledgedBefore, "the server went on writing during the backup");
        foreach (var file in new[] { "copy/flowconnectors.db", "copy/callback-secret" })
            if (!OperatingSystem.IsWindows()) File.GetUnixFileMode(System.IO.Path.Combine(_dir.Path, file)).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // Restored into a server of its own: the runs acknowledged before the backup began, and the secret, readable with the copied keys.
        using var restored = await StartServerAsync("copy");
        var runs = (await restored.GetFromJsonAsync<JsonArray>("api/instances?flowId=hooked&take=1000"))!;
        runs.Count.ShouldBeGreaterThanOrEqualTo(acknowledgedBefore);
        runs.Count.ShouldBeLessThanOrEqualTo(acknowledgedAfter + 1);
        using var test = await restored.PostAsync($"api/connections/{connectionId}/test", null);
        var tested = JsonNode.Parse(await test.Content.ReadAsStringAsync())!;
        ((bool)tested["ok"]!).ShouldBeTrue(tested.ToJsonString());

        // A second backup never lands on the first.
        var again = await _dir.FlowcAsync("backup", "data", "copy");
        again.ExitCode.ShouldBe(2, again.ToString());
        again.Stderr.ShouldContain("copy is not empty");
    }
}
