using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Server.Tests;

/// <summary>Resumes run side by side: one that waits on a slow vendor holds up no stored callback and no due timer.</summary>
public sealed class SideBySideResumeTests
{
    [Fact]
    public async Task A_resume_that_waits_on_a_slow_vendor_does_not_hold_up_a_callback_that_arrives_after_it()
    {
        await using var vendor = await AskingVendor.StartAsync();
        var flows = TestServer.Temp("flows");
        vendor.WriteAskFlow(flows, "speed", "string", "nodes.wait.payload.speed");
        await using var server = await TestServer.StartAsync(flowsFolder: flows);
        using var anonymous = new HttpClient { BaseAddress = server.Address };
        Task<(string Instance, Uri Callback)> StartAsync(string name) => vendor.StartAskAsync(server, name);
        async Task CallBackAsync(Uri callback, string speed) =>
            ((int)(await anonymous.PostAsync(callback.PathAndQuery, new StringContent($$"""{ "speed": "{{speed}}" }""", Encoding.UTF8, "application/json"))).StatusCode)
                .ShouldBe(202);

        var slow = await StartAsync("first");
        var fast = await StartAsync("second");
        try
        {
            await CallBackAsync(slow.Callback, "slow");
            await vendor.SlowReached.WaitAsync(Bounded.Signal);

            // The first resume is still at the vendor; the second callback is stored after it and finishes regardless.
            await CallBackAsync(fast.Callback, "fast");
            var second = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{fast.Instance}"),
                i => (string?)i["status"] is "finished" or "faulted", "the second instance to end while the first one's resume waits at the vendor");
            second["status"]!.GetValue<string>().ShouldBe("finished", second.ToJsonString());
            second["outputs"]!["speed"]!.GetValue<string>().ShouldBe("fast");
            (await server.GetJsonAsync($"/api/instances/{slow.Instance}"))["status"]!.GetValue<string>().ShouldBeOneOf("running", "suspended");
        }
        finally
        {
            vendor.Release();
        }
        var first = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{slow.Instance}"),
            i => (string?)i["status"] is "finished" or "faulted", "the first instance to end once the vendor answers");
        first["status"]!.GetValue<string>().ShouldBe("finished", first.ToJsonString());
        first["outputs"]!["speed"]!.GetValue<string>().ShouldBe("slow");
    }

    [Fact]
    public async Task A_timer_resume_that_waits_on_a_slow_vendor_does_not_hold_up_a_timer_that_comes_due_after_it()
    {
        var slowReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var vendor = await LocalVendor.StartAsync(async context =>
        {
            if (context.Request.Path.Value!.EndsWith("/slow", StringComparison.Ordinal))
            {
                slowReached.TrySetResult();
                // Bounded: a test that fails before it releases the vendor must not leave the server's call waiting for ever.
                await release.Task.WaitAsync(Bounded.Signal);
            }
            context.Response.StatusCode = 204;
        });
        var vendorUrl = vendor.Url;
        var flows = TestServer.Temp("flows");
        // Waits for its delay, then calls the vendor at /<speed>. The server's clock is a fake one; the test moves it less than
        // the call's 30-second attempt time-out while the slow call waits.
        File.WriteAllText(Path.Combine(flows, "nap.flow.json"), $$"""
        { "format": 1, "id": "nap", "inputs": [ { "name": "seconds", "type": "integer" }, { "name": "speed", "type": "string" } ],
          "outputs": [ { "name": "speed", "type": "string" } ],
          "nodes": [ { "id": "wait", "type": "Delay", "inputs": { "duration": { "js": "'PT' + input.seconds + 'S'" } } },
                     { "id": "call", "type": "Http.SendRequest", "inputs": { "method": "GET", "url": { "js": "'{{vendorUrl}}/' + input.speed" } } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "speed", "value": { "js": "input.speed" } } } ],
          "connections": [ { "from": "wait:done", "to": "call" }, { "from": "call:2xx", "to": "out" } ] }
        """);
        await using var server = await TestServer.StartAsync(flowsFolder: flows);
        async Task<string> StartAsync(int seconds, string speed)
        {
            var (status, started) = await server.PostJsonAsync("/api/flows/nap/run", new { mode = "async", inputs = new { seconds, speed } });
            status.ShouldBe(202, started?.ToJsonString());
            var id = (string)started!["instanceId"]!;
            await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{id}"), i => (string?)i["status"] == "suspended", $"instance {speed} to wait");
            return id;
        }

        var slow = await StartAsync(60, "slow");
        var fast = await StartAsync(80, "fast");
        try
        {
            server.Clock.Advance(TimeSpan.FromSeconds(61));
            await slowReached.Task.WaitAsync(Bounded.Signal);

            // The first timer's resume is still at the vendor; the second timer comes due and its instance finishes regardless.
            server.Clock.Advance(TimeSpan.FromSeconds(20));
            var second = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{fast}"),
                i => (string?)i["status"] is "finished" or "faulted", "the second instance to end while the first one's resume waits at the vendor");
            second["status"]!.GetValue<string>().ShouldBe("finished", second.ToJsonString());
            second["outputs"]!["speed"]!.GetValue<string>().ShouldBe("fast");
            (await server.GetJsonAsync($"/api/instances/{slow}"))["status"]!.GetValue<string>().ShouldBeOneOf("running", "suspended");
        }
        finally
        {
            release.TrySetResult();
        }
        var first = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{slow}"),
            i => (string?)i["status"] is "finished" or "faulted", "the first instance to end once the vendor answers");
        first["status"]!.GetValue<string>().ShouldBe("finished", first.ToJsonString());
    }
}
