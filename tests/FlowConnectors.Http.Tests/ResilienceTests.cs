using Microsoft.AspNetCore.Http;
using static FlowConnectors.Http.Tests.TestHttp;

namespace FlowConnectors.Http.Tests;

public sealed class ResilienceTests
{
    [Fact]
    public async Task A_503_is_retried_until_the_api_answers()
    {
        await using var stub = await StubServer.StartAsync((context, request) =>
            request.Number < 3 ? Respond.Json(context, 503, """{ "error": "busy" }""") : Respond.Json(context, 200, """{ "ok": true }"""));
        var result = await SendAsync(Json($$"""{ "url": "{{stub.Url()}}" }"""));
        result.Outcome.ShouldBe("2xx", result.Run.Fault?.ToString());
        result.Output("body")!["ok"]!.GetValue<bool>().ShouldBeTrue();
        stub.Hits.ShouldBe(3);
    }

    [Fact]
    public async Task When_retries_run_out_the_last_response_decides_the_outcome()
    {
        await using var stub = await StubServer.JsonAsync(500, """{ "error": "broken" }""");
        var result = await SendAsync(Json($$"""{ "url": "{{stub.Url()}}" }"""), Services(Fast with { MaxRetries = 2 }));
        result.Outcome.ShouldBe("5xx");
        stub.Hits.ShouldBe(3);
    }

    [Fact]
    public async Task A_429_waits_as_long_as_retry_after_says()
    {
        await using var stub = await StubServer.StartAsync((context, request) =>
        {
            if (request.Number > 1) return Respond.Json(context, 200, "{}");
            context.Response.Headers.RetryAfter = "1";
            return Respond.Json(context, 429, """{ "error": "slow down" }""");
        });
        var result = await SendAsync(Json($$"""{ "url": "{{stub.Url()}}" }"""));
        result.Outcome.ShouldBe("2xx", result.Run.Fault?.ToString());
        var hits = stub.Requests;
        hits.Count.ShouldBe(2);
        // Base delay is 10 ms here, so a gap near a second can only come from the header.
        (hits[1].At - hits[0].At).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950));
    }

    [Fact]
    public async Task A_post_without_an_idempotency_key_is_not_retried()
    {
        await using var stub = await StubServer.JsonAsync(503, "{}");
        var result = await SendAsync(Json($$"""{ "method": "POST", "url": "{{stub.Url()}}", "body": { "a": 1 } }"""));
        result.Outcome.ShouldBe("5xx");
        stub.Hits.ShouldBe(1);
    }

    [Fact]
    public async Task A_post_with_an_idempotency_key_is_retried_with_the_same_body()
    {
        await using var stub = await StubServer.StartAsync((context, request) =>
            request.Number == 1 ? Respond.Json(context, 503, "{}") : Respond.Json(context, 201, """{ "id": 1 }"""));
        var result = await SendAsync(Json($$"""{ "method": "POST", "url": "{{stub.Url()}}", "idempotencyKey": "k-1", "body": { "a": 1 } }"""));
        result.Outcome.ShouldBe("2xx", result.Run.Fault?.ToString());
        stub.Requests.Select(r => (r.BodyText, r.Header("Idempotency-Key"))).ShouldBe([("""{"a":1}""", "k-1"), ("""{"a":1}""", "k-1")]);
    }

    [Fact]
    public async Task Unsafe_methods_are_retried_when_the_settings_allow_it()
    {
        await using var stub = await StubServer.StartAsync((context, request) =>
            request.Number == 1 ? Respond.Json(context, 502, "{}") : Respond.Json(context, 200, "{}"));
        var result = await SendAsync(Json($$"""{ "method": "PATCH", "url": "{{stub.Url()}}", "body": { "a": 1 } }"""),
            Services(Fast with { RetryUnsafeMethods = true }));
        result.Outcome.ShouldBe("2xx");
        stub.Hits.ShouldBe(2);
    }

    [Fact]
    public async Task A_4xx_other_than_408_and_429_is_not_retried()
    {
        await using var stub = await StubServer.JsonAsync(400, """{ "error": "bad" }""");
        (await SendAsync(Json($$"""{ "url": "{{stub.Url()}}" }"""))).Outcome.ShouldBe("4xx");
        stub.Hits.ShouldBe(1);
    }

    [Fact]
    public async Task The_circuit_opens_after_repeated_failures_and_then_refuses_without_calling_the_api()
    {
        await using var stub = await StubServer.JsonAsync(500, "{}");
        var services = Services(Fast with { MaxRetries = 0, MinimumThroughput = 2, FailureRatio = 0.5, SamplingDuration = TimeSpan.FromSeconds(10), BreakDuration = TimeSpan.FromSeconds(10) });
        var request = Json($$"""{ "url": "{{stub.Url()}}" }""");
        (await SendAsync(request, services)).Outcome.ShouldBe("5xx");
        (await SendAsync(request, services)).Outcome.ShouldBe("5xx");
        var refused = await SendAsync(request, services);
        refused.FaultMessage().ShouldBe($"requests to {stub.BaseUrl.Authority} are paused after repeated failures (circuit open); try again later");
        stub.Hits.ShouldBe(2);
    }

    [Fact]
    public async Task Each_attempt_is_cut_off_by_the_attempt_timeout_and_retried()
    {
        await using var stub = await StubServer.StartAsync(async (context, request) =>
        {
            if (request.Number == 1)
            {
                try { await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted); }
                catch (OperationCanceledException) { }
                return;
            }
            await Respond.Json(context, 200, "{}");
        });
        var result = await SendAsync(Json($$"""{ "url": "{{stub.Url()}}" }"""), Services(Fast with { AttemptTimeout = TimeSpan.FromMilliseconds(200) }));
        result.Outcome.ShouldBe("2xx", result.Run.Fault?.ToString());
        stub.Hits.ShouldBe(2);
    }

    [Fact]
    public void Settings_out_of_range_are_rejected_when_the_client_is_registered()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Should.Throw<ArgumentException>(() => services.AddFlowHttpClient("x", HttpResilienceSettings.Default with { MinimumThroughput = 1 }))
            .Message.ShouldStartWith("HTTP resilience setting MinimumThroughput must be at least 2");
    }

    [Fact]
    public void Default_settings_are_the_documented_ones()
    {
        var s = HttpResilienceSettings.Default;
        (s.MaxRetries, s.BaseDelay, s.UseJitter, s.HonourRetryAfter, s.AttemptTimeout, s.RetryUnsafeMethods)
            .ShouldBe((3, TimeSpan.FromMilliseconds(200), true, true, TimeSpan.FromSeconds(30), false));
        (s.CircuitBreakerEnabled, s.FailureRatio, s.MinimumThroughput, s.SamplingDuration, s.BreakDuration)
            .ShouldBe((true, 0.5, 10, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)));
    }
}
