namespace FlowConnectors.Connectors.Budgets;

/// <summary>
/// The state of one budget and the rule every store applies to it: a sliding window that keeps the time of
/// each grant, so no window of <see cref="RateLimit.Per"/> ever holds more than <see cref="RateLimit.Requests"/>
/// grants (a burst up to the limit is allowed; then calls wait for the oldest grant to leave the window).
/// A pause holds every lane back. A lane that has to wait leaves a marker, and lower lanes leave the next
/// free slot to it while the marker lasts, so interactive calls go before events and events before bulk.
/// </summary>
public sealed class BudgetWindow
{
    /// <summary>How long a waiting marker holds lower lanes back after the wait it was set for.</summary>
    public static readonly TimeSpan MarkerGrace = TimeSpan.FromSeconds(1);

    public List<long> Grants { get; init; } = [];
    public DateTimeOffset? PausedUntil { get; set; }
    /// <summary>Lane name → Unix milliseconds until which that lane is waiting.</summary>
    public Dictionary<string, long> Waiting { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Applies one take (or a peek, with <paramref name="take"/> false); the state changes only on a take.</summary>
    public BudgetDecision Decide(RateLimit limit, BudgetLane lane, DateTimeOffset now, bool take)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var perMs = (long)limit.Per.TotalMilliseconds;
        if (take) Forget(nowMs, perMs);
        var relevant = take ? Grants : Grants.Where(g => g > nowMs - perMs).ToList();
        if (PausedUntil is { } paused && paused > now) return Wait(lane, paused, take);
        // A higher lane is waiting: leave the slot to it.
        foreach (var (name, until) in Waiting)
            if (until > nowMs && BudgetLanes.Parse(name) < lane)
                return Wait(lane, FreeAt(relevant, limit, perMs, now).AddMilliseconds(Math.Max(20, perMs / Math.Max(1, limit.Requests))), take);
        if (relevant.Count < limit.Requests)
        {
            if (take)
            {
                Grants.Add(nowMs);
                // Served: others of this lane still waiting set the marker again when they are refused.
                Waiting.Remove(BudgetLanes.Name(lane));
            }
            return new BudgetDecision(true, now);
        }
        return Wait(lane, FreeAt(relevant, limit, perMs, now), take);
    }

    private BudgetDecision Wait(BudgetLane lane, DateTimeOffset retryAt, bool take)
    {
        if (take && lane != BudgetLane.Bulk)
        {
            var name = BudgetLanes.Name(lane);
            var until = retryAt.Add(MarkerGrace).ToUnixTimeMilliseconds();
            if (!Waiting.TryGetValue(name, out var existing) || existing < until) Waiting[name] = until;
        }
        return new BudgetDecision(false, retryAt);
    }

    /// <summary>When the oldest grant that keeps the window full leaves it.</summary>
    private static DateTimeOffset FreeAt(List<long> grants, RateLimit limit, long perMs, DateTimeOffset now)
    {
        if (grants.Count < limit.Requests) return now;
        return DateTimeOffset.FromUnixTimeMilliseconds(grants[grants.Count - limit.Requests] + perMs);
    }

    private void Forget(long nowMs, long perMs)
    {
        Grants.RemoveAll(g => g <= nowMs - perMs);
        foreach (var lapsed in Waiting.Where(w => w.Value <= nowMs).Select(w => w.Key).ToList()) Waiting.Remove(lapsed);
    }
}
