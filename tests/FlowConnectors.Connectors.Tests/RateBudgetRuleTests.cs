using System.Net;
using FlowConnectors.Connectors.Budgets;
using FlowConnectors.Connectors.Manifest;

namespace FlowConnectors.Connectors.Tests;

/// <summary>The budget rule every store applies (sliding window, pauses, lanes) and what responses teach it.</summary>
public sealed class RateBudgetRuleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A take whose answer comes back at once (the rules of outstanding requests are tested on their own).</summary>
    private static BudgetDecision Take(BudgetWindow window, RateLimit limit, BudgetLane lane, DateTimeOffset at)
    {
        var id = Guid.NewGuid().ToString("N");
        var decision = window.Decide(limit, lane, at, take: true, id);
        if (decision.Granted) window.Complete(id, at);
        return decision;
    }

    [Fact]
    public void An_outstanding_request_holds_its_slot_until_one_period_after_its_answer()
    {
        var limit = new RateLimit(1, TimeSpan.FromSeconds(1));
        var window = new BudgetWindow();
        window.Decide(limit, BudgetLane.Events, T0, take: true, "slow").Granted.ShouldBeTrue();
        window.Decide(limit, BudgetLane.Events, T0.AddSeconds(3), take: true, "next").Granted.ShouldBeFalse("the first request is still out");
        window.Complete("slow", T0.AddSeconds(3));
        window.Decide(limit, BudgetLane.Events, T0.AddMilliseconds(3500), take: true, "next").ShouldBe(new BudgetDecision(false, T0.AddSeconds(4)));
        window.Decide(limit, BudgetLane.Events, T0.AddSeconds(4), take: true, "next").Granted.ShouldBeTrue();
    }

    [Fact]
    public void Once_an_answer_is_back_no_grant_is_made_while_a_request_granted_before_it_is_still_out()
    {
        var limit = new RateLimit(10, TimeSpan.FromSeconds(1));
        var window = new BudgetWindow();
        window.Decide(limit, BudgetLane.Events, T0, take: true, "maybe-429").Granted.ShouldBeTrue();
        window.Decide(limit, BudgetLane.Events, T0.AddMilliseconds(5), take: true, "quick").Granted.ShouldBeTrue();
        window.Complete("quick", T0.AddMilliseconds(8));
        window.Decide(limit, BudgetLane.Events, T0.AddMilliseconds(9), take: true, "next").Granted.ShouldBeFalse("the earlier request may answer 429");
        // Its answer was a 429: the pause is recorded before the answer, so the next take sees it.
        window.PausedUntil = T0.AddSeconds(2);
        window.Complete("maybe-429", T0.AddMilliseconds(20));
        window.Decide(limit, BudgetLane.Events, T0.AddMilliseconds(21), take: true, "next").ShouldBe(new BudgetDecision(false, T0.AddSeconds(2)));
        window.Decide(limit, BudgetLane.Events, T0.AddSeconds(2), take: true, "next").Granted.ShouldBeTrue();
    }

    [Fact]
    public void A_request_whose_answer_is_never_recorded_stops_holding_the_budget_after_the_outstanding_limit()
    {
        var limit = new RateLimit(5, TimeSpan.FromSeconds(1));
        var window = new BudgetWindow();
        window.Decide(limit, BudgetLane.Events, T0, take: true, "lost").Granted.ShouldBeTrue();
        window.Decide(limit, BudgetLane.Events, T0.AddMilliseconds(1), take: true, "answered").Granted.ShouldBeTrue();
        window.Complete("answered", T0.AddMilliseconds(2));
        window.Decide(limit, BudgetLane.Events, T0.AddSeconds(1), take: true).Granted.ShouldBeFalse();
        window.Decide(limit, BudgetLane.Events, T0 + BudgetWindow.OutstandingLimit, take: true).Granted.ShouldBeTrue();
    }

    [Fact]
    public void A_budget_stored_as_a_list_of_grant_times_reads_as_answered_grants()
    {
        var (grants, lastDone) = BudgetWindow.DeserializeGrants("[1000,2000]");
        grants.Select(g => (g.At, g.Done)).ShouldBe([(1000L, (long?)1000), (2000L, (long?)2000)]);
        lastDone.ShouldBe(0);
        var window = new BudgetWindow { Grants = grants };
        window.Complete("x", DateTimeOffset.FromUnixTimeMilliseconds(3000));
        BudgetWindow.DeserializeGrants(window.SerializeGrants()).LastDone.ShouldBe(3000);
    }

    [Fact]
    public void A_window_never_holds_more_grants_than_the_limit_and_frees_a_slot_when_the_oldest_grant_leaves_it()
    {
        var limit = new RateLimit(3, TimeSpan.FromSeconds(1));
        var window = new BudgetWindow();
        for (var i = 0; i < 3; i++) Take(window, limit, BudgetLane.Events, T0.AddMilliseconds(i * 10)).Granted.ShouldBeTrue();
        var refused = Take(window, limit, BudgetLane.Events, T0.AddMilliseconds(500));
        refused.Granted.ShouldBeFalse();
        refused.RetryAt.ShouldBe(T0.AddSeconds(1));
        Take(window, limit, BudgetLane.Events, T0.AddSeconds(1)).Granted.ShouldBeTrue();
    }

    [Fact]
    public void Interactive_calls_waiting_for_a_full_budget_go_before_events_and_events_before_bulk()
    {
        var limit = new RateLimit(1, TimeSpan.FromSeconds(1));
        var window = new BudgetWindow();
        Take(window, limit, BudgetLane.Bulk, T0).Granted.ShouldBeTrue();
        // All three wait for the next slot.
        Take(window, limit, BudgetLane.Bulk, T0.AddMilliseconds(100)).Granted.ShouldBeFalse();
        Take(window, limit, BudgetLane.Events, T0.AddMilliseconds(100)).Granted.ShouldBeFalse();
        Take(window, limit, BudgetLane.Interactive, T0.AddMilliseconds(100)).Granted.ShouldBeFalse();

        var free = T0.AddSeconds(1);
        Take(window, limit, BudgetLane.Bulk, free).Granted.ShouldBeFalse("bulk waits while others wait");
        Take(window, limit, BudgetLane.Events, free).Granted.ShouldBeFalse("events wait while an interactive call waits");
        Take(window, limit, BudgetLane.Interactive, free).Granted.ShouldBeTrue();
        Take(window, limit, BudgetLane.Bulk, T0.AddSeconds(2)).Granted.ShouldBeFalse("events still wait");
        Take(window, limit, BudgetLane.Events, T0.AddSeconds(2)).Granted.ShouldBeTrue();
    }

    [Fact]
    public void A_pause_holds_every_lane_back_until_it_ends()
    {
        var limit = new RateLimit(100, TimeSpan.FromSeconds(1));
        var window = new BudgetWindow { PausedUntil = T0.AddSeconds(2) };
        Take(window, limit, BudgetLane.Interactive, T0.AddSeconds(1)).ShouldBe(new BudgetDecision(false, T0.AddSeconds(2)));
        Take(window, limit, BudgetLane.Interactive, T0.AddSeconds(2)).Granted.ShouldBeTrue();
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
