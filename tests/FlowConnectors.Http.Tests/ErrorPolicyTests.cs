using FlowConnectors.Engine;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using static FlowConnectors.Http.Tests.TestHttp;

namespace FlowConnectors.Http.Tests;

/// <summary>
/// README "Error policies and error flows": a Send HTTP Request node's onError retries against a real local stub. The
/// client's own resilience retries are off here, so every failure reaches the node's policy.
/// </summary>
public sealed class ErrorPolicyTests
{
    private static readonly HttpResilienceSettings NoClientRetries = new() { MaxRetries = 0, CircuitBreakerEnabled = false };

    private static string Flow(string url, string onError) => $$"""
        { "format": 1, "id": "policy", "start": "fetch", "outputs": [ { "name": "body", "type": "any" } ],
          "nodes": [
            { "id": "fetch", "type": "Http.SendRequest", "inputs": { "url": "{{url}}" }, "onError": {{onError}} },
            { "id": "ok", "type": "SetOutput", "inputs": { "name": "body", "value": { "js": "nodes.fetch.body" } } }
          ],
          "connections": [ { "from": "fetch:2xx", "to": "ok" } ] }
        """;

    [Fact]
    public async Task A_node_retry_policy_meets_a_stub_that_fails_twice_and_then_answers()
    {
        await using var stub = await StubServer.StartAsync((context, request) =>
            request.Number <= 2 ? Respond.Json(context, 503, """{ "error": "busy" }""") : Respond.Json(context, 200, """{ "id": 7 }"""));
        var result = await RunFlowAsync(Flow(stub.Url("items"), """{ "retries": 3, "delayMs": 20, "backoff": "exponential" }"""), Services(NoClientRetries));
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
        result.Outputs["body"]!.ToJsonString().ShouldBe("""{"id":7}""");
        stub.Hits.ShouldBe(3);
        var attempts = result.Journal.Where(e => e.NodeId == "fetch").ToList();
        attempts.Select(e => e.Outcome).ShouldBe(["retry", "retry", "2xx"]);
        attempts[0].Error!.ShouldContain("attempt 1 of 4 failed: HTTP 503");
        attempts[0].Error!.ShouldContain("next attempt in 20 ms");
        attempts[1].Error!.ShouldContain("next attempt in 40 ms");
    }

    [Fact]
    public async Task A_429_with_Retry_After_waits_as_long_as_the_vendor_asked()
    {
        await using var stub = await StubServer.StartAsync((context, request) =>
        {
            if (request.Number > 1) return Respond.Json(context, 200, """{ "ok": true }""");
            context.Response.Headers["Retry-After"] = "1";
            return Respond.Json(context, 429, """{ "error": "slow down" }""");
        });
        var result = await RunFlowAsync(Flow(stub.Url(), """{ "retries": 2, "delayMs": 0 }"""), Services(NoClientRetries));
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
        stub.Hits.ShouldBe(2);
        var first = result.Journal.First(e => e.NodeId == "fetch");
        first.Outcome.ShouldBe("retry");
        first.Error!.ShouldContain("HTTP 429");
        first.Error!.ShouldContain("next attempt in 1 s (as the response's Retry-After asked)");
        // The second attempt started no earlier than the vendor asked.
        (stub.Requests[1].At - stub.Requests[0].At).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task A_400_is_not_retried_because_it_would_fail_the_same_way()
    {
        await using var stub = await StubServer.JsonAsync(400, """{ "error": "bad field" }""");
        var result = await RunFlowAsync(Flow(stub.Url(), """{ "retries": 3, "delayMs": 0 }"""), Services(NoClientRetries));
        result.Status.ShouldBe(FlowStatus.Faulted);
        stub.Hits.ShouldBe(1);
        result.Fault!.Message.ShouldContain("HTTP 400");
    }

    [Fact]
    public async Task After_its_retries_a_5xx_node_returns_the_policy_value_and_goes_on()
    {
        await using var stub = await StubServer.JsonAsync(500, "{}");
        var result = await RunFlowAsync(Flow(stub.Url(), """{ "retries": 1, "delayMs": 0, "then": "return", "value": { "statusCode": 200, "body": { "cached": true } } }"""),
            Services(NoClientRetries));
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
        result.Outputs["body"]!.ToJsonString().ShouldBe("""{"cached":true}""");
        stub.Hits.ShouldBe(2);
    }

    private static string Paging(string url, string onError) => $$"""
        { "format": 1, "id": "paging-policy", "start": "pages", "outputs": [ { "name": "items", "type": "any" } ],
          "nodes": [
            { "id": "pages", "type": "Http.Paginate", "onError": {{onError}}, "inputs": { "url": "{{url}}", "strategy": "cursor", "mode": "collect",
              "itemsPath": "data", "cursorPath": "next", "limit": 2 } },
            { "id": "ok", "type": "SetOutput", "inputs": { "name": "items", "value": { "js": "nodes.pages.items" } } }
          ],
          "connections": [ { "from": "pages:done", "to": "ok" } ] }
        """;

    [Fact]
    public async Task Paginate_honours_its_node_policy_and_the_Retry_After_of_a_429_page()
    {
        var throttled = 0;
        await using var stub = await StubServer.StartAsync((context, request) =>
        {
            if (request.Query("cursor") is not ["c2"]) return Respond.Json(context, 200, """{ "data": [1, 2], "next": "c2" }""");
            if (Interlocked.Increment(ref throttled) == 1)
            {
                context.Response.Headers["Retry-After"] = "0";
                return Respond.Json(context, 429, """{ "error": "slow down" }""");
            }
            return Respond.Json(context, 200, """{ "data": [3], "next": null }""");
        });

        var result = await RunFlowAsync(Paging(stub.Url("items"), """{ "retries": 2, "delayMs": 60000 }"""), Services(NoClientRetries));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
        result.Outputs["items"]!.ToJsonString().ShouldBe("[1,2,3]");
        var first = result.Journal.First(e => e.NodeId == "pages");
        first.Outcome.ShouldBe("retry");
        first.Error!.ShouldContain("page 2: HTTP 429");
        // The vendor's Retry-After (0 s), not the policy's minute.
        first.Error!.ShouldContain("(as the response's Retry-After asked)");
    }

    [Fact]
    public async Task Paginate_does_not_retry_a_page_that_would_be_answered_the_same()
    {
        await using var stub = await StubServer.JsonAsync(200, """{ "records": [1] }""");

        var result = await RunFlowAsync(Paging(stub.Url(), """{ "retries": 3, "delayMs": 0 }"""), Services(NoClientRetries));

        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.Message.ShouldContain("has no 'data'");
        stub.Hits.ShouldBe(1);
    }

    [Fact]
    public async Task Paginate_does_not_retry_a_4xx_page()
    {
        await using var stub = await StubServer.JsonAsync(403, """{ "error": "forbidden" }""");

        var result = await RunFlowAsync(Paging(stub.Url(), """{ "retries": 3, "delayMs": 0 }"""), Services(NoClientRetries));

        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.Message.ShouldContain("HTTP 403");
        stub.Hits.ShouldBe(1);
    }

    /// <summary>Pages mode: the 'page' branch appends each page's ids to a trace; page 2 fails once with a 503.</summary>
    private static string PagesLoop(string url, string onError) => $$"""
        { "format": 1, "id": "paging-loop-policy", "start": "pg", "variables": [ { "name": "trace", "type": "string", "default": "" } ],
          "outputs": [ { "name": "trace", "type": "string" }, { "name": "pages", "type": "number" } ],
          "nodes": [
            { "id": "pg", "type": "Http.Paginate", "onError": {{onError}}, "inputs": { "url": "{{url}}", "strategy": "cursor", "mode": "pages",
              "itemsPath": "data", "cursorPath": "next", "limit": 2 } },
            { "id": "body", "type": "SetVariable", "inputs": { "name": "trace", "value": { "js": "vars.trace + nodes.pg.pageNumber + ':' + nodes.pg.items.join(',') + ' '" } } },
            { "id": "t", "type": "SetOutput", "inputs": { "name": "trace", "value": { "js": "vars.trace.trim()" } } },
            { "id": "p", "type": "SetOutput", "inputs": { "name": "pages", "value": { "js": "nodes.pg.pages" } } }
          ],
          "connections": [ { "from": "pg:page", "to": "body" }, { "from": "pg:done", "to": "t" }, { "from": "t:done", "to": "p" } ] }
        """;

    private static async Task<StubServer> PageTwoFailsOnceAsync()
    {
        var failed = 0;
        return await StubServer.StartAsync((context, request) => request.Query("cursor") switch
        {
            [] => Respond.Json(context, 200, """{ "data": [1, 2], "next": "c2" }"""),
            ["c2"] when Interlocked.Increment(ref failed) == 1 => Respond.Json(context, 503, """{ "error": "busy" }"""),
            ["c2"] => Respond.Json(context, 200, """{ "data": [3, 4], "next": "c3" }"""),
            _ => Respond.Json(context, 200, """{ "data": [5], "next": null }"""),
        });
    }

    [Fact]
    public async Task Paginate_in_pages_mode_retries_the_failed_page_and_goes_on_from_there()
    {
        await using var stub = await PageTwoFailsOnceAsync();

        var result = await RunFlowAsync(PagesLoop(stub.Url("items"), """{ "retries": 2, "delayMs": 0 }"""), Services(NoClientRetries));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
        result.Outputs["trace"]!.GetValue<string>().ShouldBe("1:1,2 2:3,4 3:5");
        result.Outputs["pages"]!.GetValue<long>().ShouldBe(3);
        stub.Requests.Select(r => r.Query("cursor").FirstOrDefault() ?? "first").ShouldBe(["first", "c2", "c2", "c3"]);
        result.Journal.Where(e => e.NodeId == "pg").Select(e => e.Outcome).ShouldBe(["page", "retry", "page", "page", "done"]);
    }

    private sealed class FakeClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Paginate_in_pages_mode_retried_on_a_durable_timer_goes_on_from_the_failed_page_with_its_pages_kept()
    {
        await using var stub = await PageTwoFailsOnceAsync();
        var clock = new FakeClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var defaults = Options(Services(NoClientRetries));
        var engine = new FlowEngine(new FlowEngineOptions
        {
            Registry = defaults.Registry, Services = defaults.Services, Clock = clock, RetryInProcessLimit = TimeSpan.FromSeconds(5),
        });
        var flow = engine.Compile(FlowJson.Parse(PagesLoop(stub.Url("items"), """{ "retries": 2, "delayMs": 60000 }""")));

        var first = await engine.RunAsync(flow);
        first.Status.ShouldBe(FlowStatus.Suspended, first.Fault?.Message);
        first.Journal.Where(e => e.NodeId == "pg").Select(e => e.Outcome).ShouldBe(["page", "retry"]);
        var timer = first.Bookmarks.ShouldHaveSingleItem();
        timer.Name.ShouldBe("delay");

        // Stored, then resumed from the stored state when the timer is due (as another process would).
        clock.Now = clock.Now.AddMinutes(1);
        var state = FlowInstanceState.FromJson(first.State.ToJson());
        var second = await engine.ResumeAsync(flow, state, timer.Id, null);

        second.Status.ShouldBe(FlowStatus.Finished, second.Fault?.Message);
        second.Outputs["trace"]!.GetValue<string>().ShouldBe("1:1,2 2:3,4 3:5");
        second.Outputs["pages"]!.GetValue<long>().ShouldBe(3);
        stub.Requests.Select(r => r.Query("cursor").FirstOrDefault() ?? "first").ShouldBe(["first", "c2", "c2", "c3"]);
    }
}
