using System.Text.Json;
using System.Text.Json.Serialization;

namespace FlowConnectors.Connectors.Budgets;

/// <summary>
/// One request a budget let go: when it was granted, and when its answer came back (null while it is out).
/// </summary>
public sealed class BudgetGrant
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    /// <summary>Unix milliseconds at which the budget granted it (read under the budget's lock).</summary>
    [JsonPropertyName("at")] public long At { get; init; }
    /// <summary>Unix milliseconds at which its answer (or failure) was recorded; null while the request is out.</summary>
    [JsonPropertyName("done")] public long? Done { get; set; }
}

/// <summary>
/// The state of one budget and the rule every store applies to it: a sliding window in which a request holds
/// its slot from its grant until <see cref="RateLimit.Per"/> after its answer came back. A request reaches the
/// vendor after its grant and before its answer, so no window of <c>Per</c> at the vendor ever holds more than
/// <see cref="RateLimit.Requests"/> requests, however late a request leaves or however long the vendor takes
/// (a burst up to the limit is allowed; then calls wait for the oldest answer to leave the window).
/// A pause holds every lane back. Once an answer has come back, no new grant is made while a request granted
/// before that answer is still out: its answer may be the 429 that pauses everyone, and a caller must not get
/// past a pause the vendor already announced only because its own answer was read first.
/// A lane that has to wait leaves a marker, and lower lanes leave the next free slot to it while the marker
/// lasts, so interactive calls go before events and events before bulk.
/// </summary>
public sealed class BudgetWindow
{
    /// <summary>How long a waiting marker holds lower lanes back after the wait it was set for.</summary>
    public static readonly TimeSpan MarkerGrace = TimeSpan.FromSeconds(1);
    /// <summary>
    /// A request whose answer was never recorded (its process died) counts as answered this long after its
    /// grant, so a crash cannot hold a connection's budget for ever.
    /// </summary>
    public static readonly TimeSpan OutstandingLimit = TimeSpan.FromSeconds(30);
    /// <summary>How soon a call held back behind an outstanding request looks again.</summary>
    private const long DrainPollMs = 10;

    public List<BudgetGrant> Grants { get; init; } = [];
    /// <summary>Unix milliseconds of the latest answer recorded.</summary>
    public long LastDone { get; set; }
    public DateTimeOffset? PausedUntil { get; set; }
    /// <summary>Lane name → Unix milliseconds until which that lane is waiting.</summary>
    public Dictionary<string, long> Waiting { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Applies one take (or a peek, with <paramref name="take"/> false); the state changes only on a take.
    /// A granted take records <paramref name="grantId"/>, which <see cref="Complete"/> names when the answer is back.
    /// </summary>
    public BudgetDecision Decide(RateLimit limit, BudgetLane lane, DateTimeOffset now, bool take, string? grantId = null)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var perMs = (long)limit.Per.TotalMilliseconds;
        if (take) Forget(nowMs, perMs);
        var relevant = Grants.Where(g => Holds(g, nowMs, perMs)).Select(g => Release(g)).OrderBy(t => t).ToList();
        if (PausedUntil is { } paused && paused > now) return Wait(lane, paused, take);
        // An answer came back while a request granted before it is still out: that one may bring a 429.
        if (Grants.Any(g => g.Done is null && g.At <= LastDone && g.At + (long)OutstandingLimit.TotalMilliseconds > nowMs))
            return Wait(lane, now.AddMilliseconds(DrainPollMs), take);
        // A higher lane is waiting: leave the slot to it.
        foreach (var (name, until) in Waiting)
            if (until > nowMs && BudgetLanes.Parse(name) < lane)
                return Wait(lane, FreeAt(relevant, limit, now).AddMilliseconds(Math.Max(20, perMs / Math.Max(1, limit.Requests))), take);
        if (relevant.Count < limit.Requests)
        {
            if (take)
            {
                Grants.Add(new BudgetGrant { Id = grantId ?? Guid.NewGuid().ToString("N"), At = nowMs });
                // Served: others of this lane still waiting set the marker again when they are refused.
                Waiting.Remove(BudgetLanes.Name(lane));
            }
            return new BudgetDecision(true, now);
        }
        return Wait(lane, FreeAt(relevant, limit, now), take);
    }

    /// <summary>Records that the answer to grant <paramref name="grantId"/> came back (or that it was never sent) at <paramref name="now"/>.</summary>
    public void Complete(string grantId, DateTimeOffset now)
    {
        // Rounded up: the answer was read no earlier than this millisecond.
        var doneMs = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        var grant = Grants.Find(g => g.Id == grantId);
        if (grant is not null && grant.Done is null) grant.Done = doneMs;
        if (doneMs > LastDone) LastDone = doneMs;
    }

    /// <summary>Until when (Unix ms) a grant keeps its slot: <c>Per</c> after its answer; an outstanding one keeps it meanwhile.</summary>
    private static long Release(BudgetGrant grant) => grant.Done ?? grant.At + (long)OutstandingLimit.TotalMilliseconds;

    private static bool Holds(BudgetGrant grant, long nowMs, long perMs) => grant.Done is null
        ? grant.At + (long)OutstandingLimit.TotalMilliseconds + perMs > nowMs
        : grant.Done.Value + perMs > nowMs;

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

    /// <summary>
    /// When the slot that keeps the window full frees: <c>Per</c> after the answer that ends it. While the requests
    /// holding the window are still out, that is not known; look again soon.
    /// </summary>
    private static DateTimeOffset FreeAt(List<long> releases, RateLimit limit, DateTimeOffset now)
    {
        if (releases.Count < limit.Requests) return now;
        var at = DateTimeOffset.FromUnixTimeMilliseconds(releases[releases.Count - limit.Requests]).Add(limit.Per);
        return at > now ? at : now.AddMilliseconds(DrainPollMs);
    }

    private void Forget(long nowMs, long perMs)
    {
        Grants.RemoveAll(g => !Holds(g, nowMs, perMs));
        foreach (var lapsed in Waiting.Where(w => w.Value <= nowMs).Select(w => w.Key).ToList()) Waiting.Remove(lapsed);
    }

    private sealed record Stored([property: JsonPropertyName("grants")] List<BudgetGrant> Grants, [property: JsonPropertyName("lastDone")] long LastDone);

    /// <summary>The grants and the latest answer, as a store keeps them (one JSON text).</summary>
    public string SerializeGrants() => JsonSerializer.Serialize(new Stored(Grants, LastDone));

    /// <summary>Reads <see cref="SerializeGrants"/>; a budget written before grants had answers (a list of times) reads as answered then.</summary>
    public static (List<BudgetGrant> Grants, long LastDone) DeserializeGrants(string json)
    {
        if (json.TrimStart().StartsWith('['))
            return ((JsonSerializer.Deserialize<List<long>>(json) ?? []).Select(t => new BudgetGrant { Id = "", At = t, Done = t }).ToList(), 0);
        var stored = JsonSerializer.Deserialize<Stored>(json);
        return (stored?.Grants ?? [], stored?.LastDone ?? 0);
    }
}
