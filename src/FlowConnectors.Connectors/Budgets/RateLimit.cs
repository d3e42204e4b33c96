namespace FlowConnectors.Connectors.Budgets;

/// <summary>
/// A limit a connector declares (<c>rateLimits</c> in connector.json): at most <see cref="Requests"/> requests
/// in any <see cref="Per"/>, for each connection. A named <see cref="Group"/> applies to requests whose path
/// starts with one of <see cref="Paths"/> (an endpoint group, e.g. search), on top of the connection's own.
/// </summary>
public sealed record RateLimit(int Requests, TimeSpan Per, string? Group = null, IReadOnlyList<string>? Paths = null)
{
    /// <summary>The most requests a window may hold: a budget keeps one time per request of its window.</summary>
    public const int MaxRequests = 10_000;

    public bool Matches(string path) =>
        Group is null || (Paths ?? []).Any(prefix => path.StartsWith(prefix, StringComparison.Ordinal));
}

/// <summary>Who waits first when a budget is short: interactive runs, then events, then bulk collection.</summary>
public enum BudgetLane
{
    /// <summary>The designer's tests, synchronous API runs, dropdowns: someone is waiting for the answer.</summary>
    Interactive = 0,
    /// <summary>Webhook deliveries, schedules, pollers, asynchronous runs.</summary>
    Events = 1,
    /// <summary>Data collection runs.</summary>
    Bulk = 2,
}

public static class BudgetLanes
{
    /// <summary>The run property naming a run's lane (<c>interactive</c>, <c>events</c>, <c>bulk</c>).</summary>
    public const string Property = "lane";

    public static string Name(BudgetLane lane) => lane switch
    {
        BudgetLane.Interactive => "interactive",
        BudgetLane.Bulk => "bulk",
        _ => "events",
    };

    public static BudgetLane Parse(string? name) => name switch
    {
        "interactive" => BudgetLane.Interactive,
        "bulk" => BudgetLane.Bulk,
        _ => BudgetLane.Events,
    };
}

/// <summary>A budget's answer: granted (then <see cref="RetryAt"/> is the time recorded for the grant), or try again at <see cref="RetryAt"/>.</summary>
public readonly record struct BudgetDecision(bool Granted, DateTimeOffset RetryAt);
