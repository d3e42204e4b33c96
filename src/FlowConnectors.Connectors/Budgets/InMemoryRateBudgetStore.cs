namespace FlowConnectors.Connectors.Budgets;

/// <summary>Budgets of one process (offline tests, the CLI, a runtime without a database).</summary>
public sealed class InMemoryRateBudgetStore : IRateBudgetStore
{
    private readonly Dictionary<string, BudgetWindow> _budgets = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task<BudgetDecision> TryTakeAsync(string key, RateLimit limit, BudgetLane lane, TimeProvider clock, string grantId, CancellationToken ct = default)
    {
        lock (_lock) return Task.FromResult(Window(key).Decide(limit, lane, clock.GetUtcNow(), take: true, grantId));
    }

    public Task CompleteAsync(string key, string grantId, TimeProvider clock, CancellationToken ct = default)
    {
        lock (_lock) Window(key).Complete(grantId, clock.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task<DateTimeOffset> PeekAsync(string key, RateLimit limit, BudgetLane lane, DateTimeOffset now, CancellationToken ct = default)
    {
        lock (_lock) return Task.FromResult(Window(key).Decide(limit, lane, now, take: false).RetryAt);
    }

    public Task PauseAsync(string key, DateTimeOffset until, CancellationToken ct = default)
    {
        lock (_lock)
        {
            var window = Window(key);
            if (window.PausedUntil is not { } paused || paused < until) window.PausedUntil = until;
        }
        return Task.CompletedTask;
    }

    private BudgetWindow Window(string key)
    {
        if (!_budgets.TryGetValue(key, out var window)) _budgets[key] = window = new BudgetWindow();
        return window;
    }
}
