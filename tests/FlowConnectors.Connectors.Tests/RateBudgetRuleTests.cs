using System.Net;
using FlowConnectors.Connectors.Budgets;
using FlowConnectors.Connectors.Manifest;

namespace FlowConnectors.Connectors.Tests;

/// <summary>The budget rule every store applies (sliding window, pauses, lanes) and what responses teach it.</summary>
public sealed class RateBudgetRuleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_window_never_holds_more_grants_than_the_limit_and_frees_a_slot_when_the_oldest_grant_leaves_it()
    {
        var limit = new RateLimit(3, TimeSpan.FromSeconds(1));
        var window = new BudgetWindow();
        for (var i = 0; i < 3; i++) window.Decide(limit, BudgetLane.Events, T0.AddMilliseconds(i * 10), take: true).Granted.ShouldBeTrue();
        var refused = window.Decide(limit, BudgetLane.Events, T0.AddMilliseconds(500), take: true);
        refused.Granted.ShouldBeFalse();
        refused.RetryAt.ShouldBe(T0.AddSeconds(1));
        window.Decide(limit, BudgetLane.Events, T0.AddSeconds(1), take: true).Granted.ShouldBeTrue();
    }

    [Fact]
    public void Interactive_calls_waiting_for_a_full_budget_go_before_events_and_events_before_bulk()
    {
        var limit = new RateLimit(1, TimeSpan.FromSeconds(1));
        var window = new BudgetWindow();
        window.Decide(limit, BudgetLane.Bulk, T0, take: true).Granted.ShouldBeTrue();
        // All three wait for the next slot.
        window.Decide(limit, BudgetLane.Bulk, T0.AddMilliseconds(100), take: true).Granted.ShouldBeFalse();
        window.Decide(limit, BudgetLane.Events, T0.AddMilliseconds(100), take: true).Granted.ShouldBeFalse();
        window.Decide(limit, BudgetLane.Interactive, T0.AddMilliseconds(100), take: true).Granted.ShouldBeFalse();

        var free = T0.AddSeconds(1);
        window.Decide(limit, BudgetLane.Bulk, free, take: true).Granted.ShouldBeFalse("bulk waits while others wait");
        window.Decide(limit, BudgetLane.Events, free, take: true).Granted.ShouldBeFalse("events wait while an interactive call waits");
        window.Decide(limit, BudgetLane.Interactive, free, take: true).Granted.ShouldBeTrue();
        window.Decide(limit, BudgetLane.Bulk, T0.AddSeconds(2), take: true).Granted.ShouldBeFalse("events still wait");
        window.Decide(limit, BudgetLane.Events, T0.AddSeconds(2), take: true).Granted.ShouldBeTrue();
    }

    [Fact]
    public void A_pause_holds_every_lane_back_until_it_ends()
    {
        var limit = new RateLimit(100, TimeSpan.FromSeconds(1));
        var window = new BudgetWindow { PausedUntil = T0.AddSeconds(2) };
        window.Decide(limit, BudgetLane.Interactive, T0.AddSeconds(1), take: true).ShouldBe(new BudgetDecision(false, T0.AddSeconds(2)));
        window.Decide(limit, BudgetLane.Interactive, T0.AddSeconds(2), take: true).Granted.ShouldBeTrue();
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status);
        foreach (var (name, value) in headers) response.Headers.TryAddWithoutValidation(name, value);
        return response;
    }

    [Fact]
    public void Responses_teach_the_budget_from_retry_after_and_ratelimit_headers()
    {
        RateBudgets.PauseFrom(Answer(HttpStatusCode.TooManyRequests, ("Retry-After", "2")), T0).ShouldBe(T0.AddSeconds(2));
        RateBudgets.PauseFrom(Answer(HttpStatusCode.TooManyRequests), T0).ShouldBe(T0 + RateBudgets.DefaultPause);
        RateBudgets.PauseFrom(Answer(HttpStatusCode.OK, ("RateLimit-Remaining", "0"), ("RateLimit-Reset", "5")), T0).ShouldBe(T0.AddSeconds(5));
        RateBudgets.PauseFrom(Answer(HttpStatusCode.OK, ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", T0.AddSeconds(30).ToUnixTimeSeconds().ToString())), T0)
            .ShouldBe(T0.AddSeconds(30));
        RateBudgets.PauseFrom(Answer(HttpStatusCode.OK, ("RateLimit", "limit=100, remaining=0, reset=7")), T0).ShouldBe(T0.AddSeconds(7));
        RateBudgets.PauseFrom(Answer(HttpStatusCode.OK, ("X-RateLimit-Remaining", "12"), ("X-RateLimit-Reset", "5")), T0).ShouldBeNull();
    }

    [Fact]
    public void The_manifest_declares_limits_per_connection_and_per_endpoint_group_and_bad_ones_are_refused_with_their_path()
    {
        var (manifest, problems) = ManifestReader.Read(Manifest("""
            { "requests": 50, "per": "00:00:10", "groups": [ { "name": "search", "paths": ["/search"], "requests": 5, "per": "00:01:00" } ] }
            """));
        problems.ShouldBeEmpty();
        manifest!.RateLimits.Count.ShouldBe(2);
        RateBudgets.LimitsFor(manifest, "/search/users").Select(l => l.Group).ShouldBe(["search", null]);
        RateBudgets.LimitsFor(manifest, "/users").Select(l => l.Group).ShouldBe([null]);

        var (_, bad) = ManifestReader.Read(Manifest("""{ "requests": 0, "per": "ten seconds", "groups": [ { "name": "s", "paths": ["search"], "requests": 1, "per": "00:00:01" } ] }"""));
        bad.Select(p => (p.Path, p.Code)).ShouldBe([("$.rateLimits.requests", "MANIFEST_RATE_LIMIT"), ("$.rateLimits.groups[0].paths", "MANIFEST_RATE_LIMIT")]);
    }

    private static string Manifest(string rateLimits) => $$"""
        { "key": "limited", "name": "Limited", "version": "1.0.0", "baseUrl": "https://api.example.com", "auth": { "kind": "none" }, "rateLimits": {{rateLimits}} }
        """;
}
