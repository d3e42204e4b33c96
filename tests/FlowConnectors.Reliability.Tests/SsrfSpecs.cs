namespace FlowConnectors.Reliability.Tests;

/// <summary>
/// The network policy of a real server process: flows reach no internal address unless configured, whatever
/// spelling of the address they use and whatever a redirect says.
/// </summary>
public sealed class SsrfSpecs
{
    [Fact]
    public async Task A_server_without_allowed_hosts_refuses_every_spelling_of_an_internal_address()
    {
        await using var stub = await Stub.StartAsync();
        // An empty entry replaces the harness's default allowance of 127.0.0.1: nothing is allowed.
        await using var server = await ServerProcess.StartAsync(Specs.FlowsWith("call", Specs.CallFlow),
            new Dictionary<string, string> { ["FlowConnectors__Network__AllowedHosts__0"] = "" });
        var port = stub.Port;
        var targets = new[]
        {
            $"http://127.0.0.1:{port}/x",
            $"http://2130706433:{port}/x",
            $"http://0x7f000001:{port}/x",
            $"http://[::1]:{port}/x",
            $"http://[::ffff:127.0.0.1]:{port}/x",
            $"http://localhost:{port}/x",
            $"http://0.0.0.0:{port}/x",
            "http://169.254.169.254/latest/meta-data/",
            // The server's own API.
            $"http://127.0.0.1:{server.Port}/api/flows",
        };
        foreach (var url in targets)
        {
            var run = await Specs.RunAsync(server, "call", new { url, headers = new Dictionary<string, string> { ["X-Api-Key"] = ServerProcess.ApiKey } });
            ((string?)run["status"]).ShouldBe("faulted", url);
            var message = (string)run["fault"]!["message"]!;
            message.ShouldContain("the network policy refuses", customMessage: url);
            message.ShouldContain("FlowConnectors:Network:AllowedHosts", customMessage: url);
        }
        stub.Received.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_redirect_from_an_allowed_host_into_an_internal_address_is_refused()
    {
        await using var inside = await Stub.StartAsync();
        await using var outside = await Stub.StartAsync(context =>
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = inside.Url("admin");
            return Task.CompletedTask;
        });
        // Only the name "localhost" is allowed: a redirect to the literal 127.0.0.1 is judged on its own.
        await using var server = await ServerProcess.StartAsync(Specs.FlowsWith("call", Specs.CallFlow),
            new Dictionary<string, string> { ["FlowConnectors__Network__AllowedHosts__0"] = "localhost" });

        var run = await Specs.RunAsync(server, "call", new { url = $"http://localhost:{outside.Port}/go" });
        ((string?)run["status"]).ShouldBe("faulted");
        ((string)run["fault"]!["message"]!).ShouldContain("refuses 127.0.0.1");
        outside.Received.Count.ShouldBe(1);
        inside.Received.ShouldBeEmpty();

        // The allowed host itself is reached.
        var direct = await Specs.RunAsync(server, "call", new { url = $"http://localhost:{inside.Port}/ok" });
        ((string?)direct["status"]).ShouldBe("finished", direct.ToJsonString());
        inside.Received.Count.ShouldBe(1);
    }
}
