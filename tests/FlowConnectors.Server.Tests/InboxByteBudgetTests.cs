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
        await using var vendor = await AskingVendor.StartAsync();
        var flows = TestServer.Temp("flows");
        vendor.WriteAskFlow(flows, "padding", "integer", "nodes.wait.payload.padding.length");
        const long budget = 10_000;
        await using var server = await TestServer.StartAsync(flowsFolder: flows, configure: o => o.InboxBytesInHand = budget);
        using var anonymous = new HttpClient { BaseAddress = server.Address };
        var inbox = server.Services.GetRequiredService<IInboxStore>();
        Task<(string Instance, Uri Callback)> StartAsync(string name) => vendor.StartAskAsync(server, name);
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
            await vendor.SlowReached.WaitAsync(Bounded.Signal);
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
            vendor.Release();
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
