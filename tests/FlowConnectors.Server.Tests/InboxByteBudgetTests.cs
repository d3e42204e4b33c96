using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// Callbacks a node holds in memory are bounded by their bodies' bytes (FlowConnectors:InboxBytesInHand): one that does not
/// fit beside those held is stored unclaimed, acknowledged all the same, and resumed once they are done; the bytes held are
/// a gauge.
/// </summary>
public sealed class InboxByteBudgetTests
{
    [Fact]
    public async Task A_large_callback_beyond_the_byte_budget_is_stored_unclaimed_and_resumed_once_the_held_one_is_done()
    {
        var callbacks = new ConcurrentDictionary<string, TaskCompletionSource<string>>();
        TaskCompletionSource<string> CallbackOf(string name) => callbacks.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        var slowReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var vendor = await LocalVendor.StartAsync(async context =>
        {
            var parts = context.Request.Path.Value!.Trim('/').Split('/');
            if (parts[0] == "ask")
            {
                using var reader = new StreamReader(context.Request.Body);
                CallbackOf(parts[1]).TrySetResult((string)JsonNode.Parse(await reader.ReadToEndAsync())!["callback"]!);
            }
            else if (parts[1] == "slow")
            {
                slowReached.TrySetResult();
                // Bounded: a test that fails before it releases the vendor must not leave the server's call waiting for ever.
                await release.Task.WaitAsync(Bounded.Signal);
            }
            context.Response.StatusCode = 204;
        });
        var vendorUrl = vendor.Url;
        var flows = TestServer.Temp("flows");
        // Tells the vendor its callback URL, waits for the callback, then calls the vendor with the callback's "speed".
        File.WriteAllText(Path.Combine(flows, "ask.flow.json"), $$"""
        { "format": 1, "id": "ask", "inputs": [ { "name": "name", "type": "string" } ], "outputs": [ { "name": "padding", "type": "integer" } ],
          "nodes": [ { "id": "cb", "type": "CreateCallback", "inputs": {} },
                     { "id": "tell", "type": "Http.SendRequest", "inputs": { "method": "POST", "url": { "js": "'{{vendorUrl}}/ask/' + input.name" }, "body": { "callback": { "js": "nodes.cb.url" } } } },
                     { "id": "wait", "type": "WaitForCallback", "inputs": { "token": { "js": "nodes.cb.token" } } },
                     { "id": "call", "type": "Http.SendRequest", "inputs": { "method": "GET", "url": { "js": "'{{vendorUrl}}/' + input.name + '/' + nodes.wait.payload.speed" } } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "padding", "value": { "js": "nodes.wait.payload.padding.length" } } } ],
          "connections": [ { "from": "cb:done", "to": "tell" }, { "from": "tell:2xx", "to": "wait" }, { "from": "wait:received", "to": "call" }, { "from": "call:2xx", "to": "out" } ] }
        """);
        const long budget = 10_000;
        await using var server = await TestServer.StartAsync(flowsFolder: flows, configure: o => o.InboxBytesInHand = budget);
        using var anonymous = new HttpClient { BaseAddress = server.Address };
        var inbox = server.Services.GetRequiredService<IInboxStore>();
        async Task<(string Instance, Uri Callback)> StartAsync(string name)
        {
            var (status, started) = await server.PostJsonAsync("/api/flows/ask/run", new { mode = "async", inputs = new { name } });
            status.ShouldBe(202, started?.ToJsonString());
            var callback = new Uri(await CallbackOf(name).Task.WaitAsync(Bounded.Signal));
            await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{(string)started!["instanceId"]!}"),
                i => (string?)i["status"] == "suspended", $"instance {name} to wait for its callback");
            return ((string)started!["instanceId"]!, callback);
        }
        // A 6,000-character padding: two such bodies do not fit in the 10,000-byte budget together.
        var bodies = new Dictionary<string, string>();
        async Task<long> CallBackAsync(Uri callback, string speed)
        {
            var body = $$"""{ "speed": "{{speed}}", "padding": "{{new string('x', 6_000)}}" }""";
            bodies[speed] = body;
            var response = await anonymous.PostAsync(callback.PathAndQuery, new StringContent(body, Encoding.UTF8, "application/json"));
            ((int)response.StatusCode).ShouldBe(202);
            return (long)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["delivery"]!;
        }

        var slow = await StartAsync("first");
        var fast = await StartAsync("second");
        try
        {
            var held = await CallBackAsync(slow.Callback, "slow");
            await slowReached.Task.WaitAsync(Bounded.Signal);
            (await inbox.GetAsync(held)).ShouldNotBeNull().ClaimedBy.ShouldNotBeNull();
            var heldBytes = Encoding.UTF8.GetByteCount(bodies["slow"]);
            var gauge = await TestServer.EventuallyAsync(async () =>
            {
                var response = await server.Client.GetAsync("/metrics");
                response.StatusCode.ShouldBe(HttpStatusCode.OK);
                return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
            }, f => f.ContainsKey("flowconnectors_inbox_held_bytes"), "the gauge of the bytes held");
            // This node's (other servers of the test process report theirs): the held callback's body, and at most what a
            // claim under way sets aside beside it, within the budget.
            var node = server.Services.GetRequiredService<NodeIdentity>().NodeId;
            gauge["flowconnectors_inbox_held_bytes"].Samples.Single(s => s.Labels["flowconnectors_node"] == node).Value.ShouldBeInRange(heldBytes, budget);

            // Acknowledged, stored, but not taken in hand beside the held one: it waits in the store, and its instance waits.
            var later = await CallBackAsync(fast.Callback, "fast");
            for (var pass = 0; pass < 5; pass++)
            {
                var stored = (await inbox.GetAsync(later)).ShouldNotBeNull();
                stored.ClaimedBy.ShouldBeNull("the second callback does not fit beside the first one's bytes");
                stored.Status.ShouldBe(InboxStatus.Pending);
                (await server.GetJsonAsync($"/api/instances/{fast.Instance}"))["status"]!.GetValue<string>().ShouldBe("suspended");
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
        }
        finally
        {
            release.TrySetResult();
        }
        foreach (var instance in new[] { slow.Instance, fast.Instance })
        {
            var ended = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{instance}"),
                i => (string?)i["status"] is "finished" or "faulted", "both instances to end once the vendor answers");
            ended["status"]!.GetValue<string>().ShouldBe("finished", ended.ToJsonString());
            ended["outputs"]!["padding"]!.GetValue<int>().ShouldBe(6_000);
        }
    }
}
