using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Server.Tests;

/// <summary>Callback URLs: one answer for every invalid token, and junk never reaches the inbox.</summary>
public sealed class CallbackTokenTests
{
    [Fact]
    public async Task Junk_tokens_for_a_running_instance_are_refused_and_never_stored_while_its_real_callback_is_kept()
    {
        var called = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var vendor = await LocalVendor.StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            called.TrySetResult((string)JsonNode.Parse(await reader.ReadToEndAsync())!["callback"]!);
            // Bounded: a test that fails before it releases the vendor must not leave the server's call waiting for ever.
            await release.Task.WaitAsync(Bounded.Signal);
            context.Response.StatusCode = 204;
        });
        var vendorUrl = vendor.Url;
        var flows = TestServer.Temp("flows");
        File.WriteAllText(Path.Combine(flows, "ask.flow.json"), $$"""
        { "format": 1, "id": "ask", "outputs": [ { "name": "answer", "type": "string" } ],
          "nodes": [ { "id": "cb", "type": "CreateCallback", "inputs": {} },
                     { "id": "tell", "type": "Http.SendRequest", "inputs": { "method": "POST", "url": "{{vendorUrl}}/ask", "body": { "callback": { "js": "nodes.cb.url" } } } },
                     { "id": "wait", "type": "WaitForCallback", "inputs": { "token": { "js": "nodes.cb.token" } } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "answer", "value": { "js": "nodes.wait.payload.answer" } } } ],
          "connections": [ { "from": "cb:done", "to": "tell" }, { "from": "tell:2xx", "to": "wait" }, { "from": "wait:received", "to": "out" } ] }
        """);
        await using var server = await TestServer.StartAsync(flowsFolder: flows);
        var (status, started) = await server.PostJsonAsync("/api/flows/ask/run", new { mode = "async" });
        status.ShouldBe(202, started?.ToJsonString());
        var instanceId = (string)started!["instanceId"]!;
        var callback = new Uri(await called.Task.WaitAsync(TimeSpan.FromSeconds(60)));
        callback.AbsolutePath.ShouldStartWith($"/callbacks/{instanceId}.");

        using var anonymous = new HttpClient { BaseAddress = server.Address };
        var junk = Enumerable.Range(0, 50).Select(i => $"{instanceId}.junk{i:D2}{Guid.NewGuid():N}").ToList();
        foreach (var token in junk)
        {
            var refused = await anonymous.PostAsync($"/callbacks/{token}", new StringContent("""{ "answer": "junk" }""", Encoding.UTF8, "application/json"));
            ((int)refused.StatusCode).ShouldBe(404);
            ((string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["detail"]).ShouldBe("unknown or expired callback");
        }
        // The real URL arrives while the instance still runs: kept, and delivered once it waits.
        ((int)(await anonymous.PostAsync(callback.PathAndQuery, new StringContent("""{ "answer": "yes" }""", Encoding.UTF8, "application/json"))).StatusCode).ShouldBe(202);
        var pending = await server.Services.GetRequiredService<IInboxStore>().ListPendingAsync(1000);
        pending.Count(m => m.Kind == "callback").ShouldBeLessThanOrEqualTo(1);

        release.SetResult();
        var done = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{instanceId}"), i => (string?)i["status"] == "finished", "the instance finishing");
        ((string?)done["outputs"]!["answer"]).ShouldBe("yes");

        // Spent, ended, forged and unknown tokens all get the same answer.
        var answers = new List<(int, string?)>();
        foreach (var path in new[] { callback.PathAndQuery, $"/callbacks/{junk[0]}", "/callbacks/0123456789abcdef0123456789abcdef.x.y", "/callbacks/nothing" })
        {
            var response = await anonymous.PostAsync(path, new StringContent("{}", Encoding.UTF8, "application/json"));
            answers.Add(((int)response.StatusCode, (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]));
        }
        answers.Distinct().ShouldHaveSingleItem().ShouldBe((404, "unknown or expired callback"));
    }
}

/// <summary>The callback endpoint checks a Wait for Callback's accept rules from the bookmark found by its hash.</summary>
public sealed class CallbackAcceptTests
{
    [Fact]
    public async Task A_callback_that_breaks_the_wait_s_accept_rules_is_refused_and_not_stored_and_one_that_meets_them_resumes()
    {
        var flows = TestServer.Temp("flows");
        File.WriteAllText(Path.Combine(flows, "approve.flow.json"), """
        { "format": 1, "id": "approve", "outputs": [ { "name": "callbackUrl", "type": "string" }, { "name": "decision", "type": "string" } ],
          "nodes": [ { "id": "cb", "type": "CreateCallback", "inputs": {} },
                     { "id": "publish", "type": "SetOutput", "inputs": { "name": "callbackUrl", "value": { "js": "nodes.cb.url" } } },
                     { "id": "wait", "type": "WaitForCallback", "inputs": { "token": { "js": "nodes.cb.token" }, "timeout": "1.00:00:00",
                       "accept": { "status": [ "APPROVED", "REJECTED" ] } } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "decision", "value": { "js": "nodes.wait.payload.status" } } } ],
          "connections": [ { "from": "cb:done", "to": "publish" }, { "from": "publish:done", "to": "wait" }, { "from": "wait:received", "to": "out" } ] }
        """);
        await using var server = await TestServer.StartAsync(flowsFolder: flows);
        var (status, started) = await server.PostJsonAsync("/api/flows/approve/run", new { mode = "async" });
        status.ShouldBe(202, started?.ToJsonString());
        var instanceId = (string)started!["instanceId"]!;
        var waiting = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{instanceId}"), i => (string?)i["status"] == "suspended", "the instance waiting");
        var callback = new Uri((string)waiting["outputs"]!["callbackUrl"]!);

        using var anonymous = new HttpClient { BaseAddress = server.Address };
        var refused = await anonymous.PostAsync(callback.PathAndQuery, new StringContent("""{ "status": "MAYBE" }""", Encoding.UTF8, "application/json"));
        ((int)refused.StatusCode).ShouldBe(422);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("does not match what the flow waits for");
        (await server.Services.GetRequiredService<IInboxStore>().ListPendingAsync(1000)).ShouldNotContain(m => m.Kind == "callback");
        ((string?)(await server.GetJsonAsync($"/api/instances/{instanceId}"))["status"]).ShouldBe("suspended");

        var accepted = await anonymous.PostAsync(callback.PathAndQuery, new StringContent("""{ "status": "approved" }""", Encoding.UTF8, "application/json"));
        ((int)accepted.StatusCode).ShouldBe(202);
        var done = await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{instanceId}"), i => (string?)i["status"] == "finished", "the instance finishing");
        ((string?)done["outputs"]!["decision"]).ShouldBe("approved");
        // Spent: the same answer as for any unknown callback.
        ((int)(await anonymous.PostAsync(callback.PathAndQuery, new StringContent("""{ "status": "APPROVED" }""", Encoding.UTF8, "application/json"))).StatusCode).ShouldBe(404);
    }
}
