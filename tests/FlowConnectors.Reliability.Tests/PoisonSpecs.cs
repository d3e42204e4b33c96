using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace FlowConnectors.Reliability.Tests;

/// <summary>Stimuli and runs that would repeat forever: refused, faulted or poisoned, their side effects at most once.</summary>
public sealed class PoisonSpecs(ITestOutputHelper output)
{
    private static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    /// <summary>Wait for Event → POST → (optionally) a script output nested <paramref name="outputDepth"/> deep.</summary>
    private static (string, string) WaitThenPost(string effectUrl, int outputDepth = 0) => ("poison", $$"""
        {
          "format": 1,
          "id": "poison",
          "inputs": [ { "name": "key", "type": "string", "required": true } ],
          "nodes": [
            { "id": "wait", "type": "WaitForEvent", "inputs": { "eventName": "poison", "correlationId": { "js": "input.key" } } },
            { "id": "post", "type": "Http.SendRequest", "inputs": { "method": "POST", "url": "{{effectUrl}}", "idempotencyKey": { "js": "input.key" }, "body": { "js": "({ key: input.key })" } } },
            { "id": "deep", "type": "RunJavaScript", "inputs": { "code": "let o = 1; for (let i = 0; i < {{outputDepth}}; i++) { o = { a: o }; } return o;" } }
          ],
          "connections": [ { "from": "wait:done", "to": "post" }, { "from": "post:2xx", "to": "deep" } ]
        }
        """);

    private static async Task<string> StartAsync(ServerProcess server, string key)
    {
        using var started = await server.Client.PostAsync("api/flows/poison/run", Json($$"""{"inputs":{"key":"{{key}}"},"mode":"async"}"""));
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        var id = (string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["instanceId"]!;
        await CrashSpecs.Eventually(async () => (string?)(await server.GetJsonAsync($"api/instances/{id}"))["status"] == "suspended", "the instance waits", TimeSpan.FromSeconds(60));
        return id;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task An_event_nested_62_deep_is_refused_before_it_resumes_anything()
    {
        await using var stub = await EffectStub.StartAsync();
        await using var server = await ServerProcess.StartAsync(DurabilityFlows.Folder(WaitThenPost(stub.EffectUrl)), DurabilityFlows.Settings());
        var id = await StartAsync(server, "p1");

        using var sent = await server.Client.PostAsync("api/events", Json("""{"event":"poison","correlationId":"p1","payload":""" + Nested(62) + "}"));
        var answer = await sent.Content.ReadAsStringAsync();
        output.WriteLine($"{(int)sent.StatusCode} {answer}");
        ((int)sent.StatusCode).ShouldBeInRange(400, 499);
        answer.ShouldContain("$.payload");

        // A valid event still resumes it: the refused one was never stored.
        using var valid = await server.Client.PostAsync("api/events", Json("""{"event":"poison","correlationId":"p1","payload":{"ok":true}}"""));
        valid.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await CrashSpecs.Eventually(async () => (string?)(await server.GetJsonAsync($"api/instances/{id}"))["status"] == "finished", "the valid event resumes it", TimeSpan.FromSeconds(60));
        stub.DeliveriesOf("p1").ShouldBe(1);
    }

    [Fact]
    public async Task A_run_whose_state_cannot_be_saved_after_its_side_effect_is_faulted_and_not_repeated()
    {
        await using var stub = await EffectStub.StartAsync();
        await using var server = await ServerProcess.StartAsync(DurabilityFlows.Folder(WaitThenPost(stub.EffectUrl, outputDepth: 62)), DurabilityFlows.Settings());
        var id = await StartAsync(server, "p2");

        using var sent = await server.Client.PostAsync("api/events", Json("""{"event":"poison","correlationId":"p2","payload":{"ok":true}}"""));
        sent.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        JsonNode instance = null!;
        await CrashSpecs.Eventually(async () => (string?)(instance = await server.GetJsonAsync($"api/instances/{id}"))["status"] == "faulted", "the instance faults", TimeSpan.FromSeconds(60));
        output.WriteLine(instance["fault"]!.ToJsonString());

        // Many more passes of the inbox worker (every 50 ms), and a restart: the POST is not sent again.
        await server.StopAsync();
        await server.StartAgainAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        stub.DeliveriesOf("p2").ShouldBe(1);
        ((string?)(await server.GetJsonAsync($"api/instances/{id}"))["status"]).ShouldBe("faulted");
    }

    [Fact]
    public async Task An_instance_that_kills_the_process_is_poisoned_after_three_deaths_and_never_run_again()
    {
        await using var stub = await EffectStub.StartAsync();
        await using var server = await ServerProcess.StartAsync(DurabilityFlows.Folder(DurabilityFlows.Spin("killer", stub.EffectUrl)), DurabilityFlows.Settings());
        using var started = await server.Client.PostAsync("api/flows/killer/run", Json("""{"mode":"async"}"""));
        var id = (string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["instanceId"]!;

        // Each run marks its start at the stub; the process dies while the run computes (here: kill -9, as a
        // stack overflow or an out-of-memory kill would). A restarted node takes its instances back at once, as it
        // starts: the second and third runs start before the new process's API answers, and the process is killed
        // then, without waiting for the API (the spinning run would only slow the rest of the start down). The
        // process after the third death is the one whose API answers below.
        for (var death = 1; death <= 3; death++)
        {
            var runs = death;
            await CrashSpecs.Eventually(() => Task.FromResult(stub.Deliveries.Values.Sum() >= runs || server.HasExited), $"run {runs} starts",
                TimeSpan.FromMinutes(4), () => string.Join('\n', server.Output.TakeLast(40)));
            server.HasExited.ShouldBeFalse($"the server exited before run {runs} started:\n{string.Join('\n', server.Output.TakeLast(40))}");
            server.Kill();
            if (death < 3) server.LaunchAgain();
            else await server.StartAgainAsync();
        }

        JsonNode instance = null!;
        await CrashSpecs.Eventually(async () => (string?)(instance = await server.GetJsonAsync($"api/instances/{id}"))["status"] == "faulted", "the instance is poisoned", TimeSpan.FromSeconds(60));
        var fault = instance["fault"]!;
        output.WriteLine(fault.ToJsonString());
        ((string)fault["message"]!).ShouldContain("poisoned: the process died 3 times while running node");
        stub.Deliveries.Values.Sum().ShouldBe(3);
    }
}
