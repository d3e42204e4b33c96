namespace FlowConnectors.Server.Tests;

public sealed class ScheduleTriggerTests
{
    [Fact]
    public async Task A_daily_at_flow_starts_at_23_00_Berlin_local_time_and_again_the_next_day()
    {
        var flows = TestServer.Temp("flows");
        File.WriteAllText(Path.Combine(flows, "nightly.flow.json"), """
        { "format": 1, "id": "nightly", "outputs": [ { "name": "at", "type": "string" } ],
          "nodes": [ { "id": "tick", "type": "Schedule.DailyAt", "inputs": { "time": "23:00", "timeZone": "Europe/Berlin" } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "at", "value": { "js": "nodes.tick.firedAt" } } } ],
          "connections": [ { "from": "tick:done", "to": "out" } ] }
        """);
        // 2 November 2026 is winter time in Berlin (UTC+1): 23:00 local is 22:00 UTC.
        await using var server = await TestServer.StartAsync(flowsFolder: flows);
        await Task.Delay(300);
        (await server.GetJsonAsync("/api/instances?flowId=nightly")).AsArray().Count.ShouldBe(0);

        server.Clock.Advance(TimeSpan.FromHours(13) + TimeSpan.FromSeconds(1)); // 09:00 → 22:00:01 UTC
        var first = await TestServer.EventuallyAsync(() => server.GetJsonAsync("/api/instances?flowId=nightly&status=finished"), i => i.AsArray().Count == 1, "the first nightly run");
        var instance = await server.GetJsonAsync($"/api/instances/{(string)first[0]!["instanceId"]!}");
        ((string)instance["outputs"]!["at"]!).ShouldStartWith("2026-11-02T22:00:00");

        server.Clock.Advance(TimeSpan.FromDays(1));
        await TestServer.EventuallyAsync(() => server.GetJsonAsync("/api/instances?flowId=nightly&status=finished"), i => i.AsArray().Count == 2, "the second nightly run");
    }
}
