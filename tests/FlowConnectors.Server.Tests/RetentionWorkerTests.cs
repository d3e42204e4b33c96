using System.Net;

namespace FlowConnectors.Server.Tests;

public sealed class RetentionWorkerTests
{
    [Fact]
    public async Task The_server_deletes_runs_past_their_keep_time_in_the_background_and_keeps_waiting_ones()
    {
        await using var server = await TestServer.StartAsync(configure: options =>
        {
            options.Retention.FinishedDays = 1;
            options.Retention.Interval = TimeSpan.FromMilliseconds(200);
        });
        var (status, finished) = await server.PostJsonAsync("/api/flows/hello/run", new { inputs = new { who = "Ada" } });
        status.ShouldBe(200, finished?.ToJsonString());
        var finishedId = (string)finished!["instanceId"]!;
        (status, var waiting) = await server.PostJsonAsync("/api/flows/wait-for-event/run", new { inputs = new { requestId = "kept" }, mode = "async" });
        status.ShouldBe(202);
        var waitingId = (string)waiting!["instanceId"]!;
        await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{waitingId}"), i => (string?)i["status"] == "suspended", "suspension");

        server.Clock.Advance(TimeSpan.FromDays(2));

        await TestServer.EventuallyAsync(async () => (await server.Client.GetAsync($"/api/instances/{finishedId}")).StatusCode,
            code => code == HttpStatusCode.NotFound, "the finished run's deletion");
        ((string?)(await server.GetJsonAsync($"/api/instances/{waitingId}"))["status"]).ShouldBe("suspended");
    }
}
