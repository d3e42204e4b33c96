namespace FlowConnectors.Connectors.Budgets;

/// <summary>
/// Where rate-limit budgets live. The server keeps them in the database so every node draws from the same
/// budget; <see cref="InMemoryRateBudgetStore"/> serves one process (offline tests, the CLI).
/// Implementations apply <see cref="BudgetWindow"/> to the stored state atomically, takes and pauses under
/// one lock per budget, so no take is decided on a state older than a pause that was already recorded.
/// </summary>
public interface IRateBudgetStore
{
    /// <summary>
    /// Takes one request from budget <paramref name="key"/> when it has room, else says when to try again.
    /// The store reads <paramref name="clock"/> once it holds the budget's lock, so the grant is recorded at
    /// the time it was made and in the same order as every pause.
    /// A granted take is recorded as <paramref name="grantId"/>, outstanding until <see cref="CompleteAsync"/> names it.
    /// </summary>
    Task<BudgetDecision> TryTakeAsync(string key, RateLimit limit, BudgetLane lane, TimeProvider clock, string grantId, CancellationToken ct = default);

    /// <summary>
    /// Records that the answer to <paramref name="grantId"/> came back (or that it was never sent), at the time the
    /// store reads from <paramref name="clock"/> under the budget's lock; its slot frees one period later.
    /// </summary>
    Task CompleteAsync(string key, string grantId, TimeProvider clock, CancellationToken ct = default);

    /// <summary>When the budget would have room for <paramref name="lane"/> (now when it has room), without taking anything.</summary>
    Task<DateTimeOffset> PeekAsync(string key, RateLimit limit, BudgetLane lane, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Nothing is granted before <paramref name="until"/> (a 429, or a vendor saying its quota is spent); a later pause wins.</summary>
    Task PauseAsync(string key, DateTimeOffset until, CancellationToken ct = default);
}
