namespace FlowConnectors.Server.Tests;

public sealed class DurableDeliveryTests
{
    [Fact]
    public async Task An_event_that_arrives_before_its_bookmark_is_kept_and_delivered_once_the_flow_waits()
    {
        await using var server = await TestServer.StartAsync();
        // Nobody waits for this yet: it is stored, not dropped.
        (await server.PostJsonAsync("/api/events", new { @event = "approval", correlationId = "early-1", payload = new { by = "grace", approved = true } })).Status.ShouldBe(202);
        await Task.Delay(300);

        var (status, body) = await server.PostJsonAsync("/api/flows/wait-for-event/run", new { inputs = new { requestId = "early-1" }, mode = "async" });
        status.ShouldBe(202, body?.ToJsonString());
        var id = (string)body!["instanceId"]!;
        var finished = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{id}"), i => (string?)i["status"] == "finished", "delivery of the early event");
        ((string)finished["outputs"]!["approvedBy"]!).ShouldBe("grace");
    }

    [Fact]
    public async Task A_waiting_instance_keeps_the_flow_version_it_started_on_after_a_new_version_is_published()
    {
        await using var server = await TestServer.StartAsync();
        var (_, started) = await server.PostJsonAsync("/api/flows/wait-for-event/run", new { inputs = new { requestId = "v-1" }, mode = "async" });
        var id = (string)started!["instanceId"]!;
        await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{id}"), i => (string?)i["status"] == "suspended", "suspension");

        var flow = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(server.FlowsFolder, "examples", "wait-for-event.flow.json")))!.AsObject();
        flow["description"] = "version 2";
        var put = await server.Client.PutAsync("/api/flows/wait-for-event?publish=true", new StringContent(flow.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        put.IsSuccessStatusCode.ShouldBeTrue(await put.Content.ReadAsStringAsync());

        (await server.PostJsonAsync("/api/events", new { @event = "approval", correlationId = "v-1", payload = new { by = "ada", approved = false } })).Status.ShouldBe(202);
        var done = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{id}"), i => (string?)i["status"] == "finished", "resume on the old version");
        done["flowVersion"]!.GetValue<int>().ShouldBe(1);
        ((string)done["outputs"]!["approvedBy"]!).ShouldBe("ada");
    }
}
