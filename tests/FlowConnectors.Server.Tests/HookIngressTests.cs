using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Server.Tests;

/// <summary>HTTP endpoint triggers: runs that end within the request and runs that outlast it.</summary>
public sealed class HookIngressTests
{
    [Fact]
    public async Task A_hook_run_that_ends_within_the_request_answers_its_outputs_and_is_persisted_finished_with_its_journal()
    {
        var flows = TestServer.Temp("flows");
        File.WriteAllText(Path.Combine(flows, "echo.flow.json"), """
        { "format": 1, "id": "echo", "outputs": [ { "name": "total", "type": "number" } ],
          "nodes": [ { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "shop/orders", "methods": ["POST"] } },
                     { "id": "calc", "type": "RunJavaScript", "inputs": { "code": "return nodes.hook.body.qty * 2;" } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "total", "value": { "js": "nodes.calc.result" } } } ],
          "connections": [ { "from": "hook:done", "to": "calc" }, { "from": "calc:done", "to": "out" } ] }
        """);
        await using var server = await TestServer.StartAsync(flowsFolder: flows);

        var answers = await Task.WhenAll(Enumerable.Range(1, 8).Select(qty => server.PostJsonAsync("/hooks/shop/orders", new { qty })));

        answers.Select(a => a.Status).ShouldAllBe(s => s == 200);
        answers.Select(a => (int)a.Body!["total"]!).Order().ShouldBe([2, 4, 6, 8, 10, 12, 14, 16]);
        var stored = (await server.GetJsonAsync("/api/instances?flowId=echo")).AsArray();
        stored.Count.ShouldBe(8);
        stored.ShouldAllBe(i => (string?)i!["status"] == "finished");
        foreach (var instance in stored)
            (await server.GetJsonAsync($"/api/instances/{(string)instance!["instanceId"]!}/journal")).AsArray().Count.ShouldBe(3);
    }

    [Fact]
    public async Task A_hook_run_that_outlasts_the_sync_timeout_answers_202_with_the_instance_persisted_and_finishes_later()
    {
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var vendor = builder.Build();
        vendor.Run(async context =>
        {
            called.TrySetResult();
            // Bounded: a test that fails before it releases the vendor must not leave the server's call waiting for ever.
            await release.Task.WaitAsync(Bounded.Signal);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"echo":"late"}""");
        });
        await vendor.StartAsync();
        var vendorUrl = vendor.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var flows = TestServer.Temp("flows");
        File.WriteAllText(Path.Combine(flows, "slow.flow.json"), $$"""
        { "format": 1, "id": "slow", "outputs": [ { "name": "echo", "type": "string" } ],
          "nodes": [ { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "slow/echo", "methods": ["POST"] } },
                     { "id": "call", "type": "Http.SendRequest", "inputs": { "url": "{{vendorUrl}}/echo" } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "echo", "value": { "js": "nodes.call.body.echo" } } } ],
          "connections": [ { "from": "hook:done", "to": "call" }, { "from": "call:2xx", "to": "out" } ] }
        """);
        await using var server = await TestServer.StartAsync(flowsFolder: flows);

        var post = server.PostJsonAsync("/hooks/slow/echo", new { order = 1 });
        await called.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The server waits 10 s on its (fake) clock for the run; let that time pass, a second at a time (its
        // timer may be armed only after the first steps) and never near the vendor call's 30 s timeout, which
        // runs on the same clock: a slow machine's late answer must not turn into a timed-out call.
        for (var advanced = 0; !post.IsCompleted && advanced < 20; advanced++)
        {
            server.Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(post, Task.Delay(50));
        }
        var (status, body) = await post.WaitAsync(TimeSpan.FromSeconds(30));

        status.ShouldBe(202);
        var id = (string)body!["instanceId"]!;
        ((string?)(await server.GetJsonAsync($"/api/instances/{id}"))["status"]).ShouldBe("running");
        // What was stored when the run outlasted the wait is its starting state (made again from the request at that point):
        // the request as trigger payload, the trigger node queued, no node run yet.
        var starting = (await server.Services.GetRequiredService<FlowConnectors.Runtime.IInstanceStore>().GetAsync(id)).ShouldNotBeNull().State;
        ((int?)starting.TriggerPayload!["body"]!["order"]).ShouldBe(1);
        starting.Queue.Select(w => w.NodeId).ShouldBe(["hook"]);
        starting.NodeOutputs.ShouldBeEmpty();
        release.SetResult();
        var done = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{id}"), i => (string?)i["status"] == "finished", "the slow run finishing");
        ((string?)done["outputs"]!["echo"]).ShouldBe("late");
        (await server.GetJsonAsync($"/api/instances/{id}/journal")).AsArray().Count.ShouldBe(3);
    }
}
