using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using FlowConnectors.Connectors.Manifest;

namespace FlowConnectors.Connectors.Budgets;

/// <summary>
/// Draws requests from a connection's budgets (the connection-wide one and the endpoint group's), waiting
/// asynchronously for a turn, and learns from responses: <c>Retry-After</c> on a 429 (or a 503), and a
/// spent quota in <c>RateLimit-*</c> or <c>X-RateLimit-*</c> headers, pause the whole connection's budget.
/// </summary>
public sealed class RateBudgets(IRateBudgetStore store, TimeProvider clock)
{
    /// <summary>How long to pause after a 429 that says nothing about when to come back.</summary>
    public static readonly TimeSpan DefaultPause = TimeSpan.FromSeconds(1);
    /// <summary>A waiting call looks again at least this often (a pause may be lifted, another node may free a slot).</summary>
    private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(500);

    public IRateBudgetStore Store => store;

    /// <summary>
    /// Pauses this node learned, by budget key. A 429 holds back this node's callers from the moment it is read, before
    /// the shared store has it (its write can queue behind other takes); other nodes learn it from the store.
    /// </summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _learnedPauses = new(StringComparer.Ordinal);

    public static string KeyOf(string connectorKey, string connectionId, RateLimit limit) =>
        limit.Group is null ? $"{connectorKey}/{connectionId}" : $"{connectorKey}/{connectionId}/{limit.Group}";

    /// <summary>The limits that apply to a request to <paramref name="path"/>: the group's first, then the connection's.</summary>
    public static IEnumerable<RateLimit> LimitsFor(ConnectorManifest manifest, string path) =>
        manifest.RateLimits.Where(l => l.Group is not null && l.Matches(path)).Concat(manifest.RateLimits.Where(l => l.Group is null));

    /// <summary>
    /// Waits until every budget that applies has room, and takes one request from each, just before the request goes
    /// out. The caller must complete the ticket when the answer is back (or the request failed): the request holds its
    /// slots until then, and for one period after.
    /// </summary>
    public async Task<BudgetTicket> AcquireAsync(ConnectorManifest manifest, string connectionId, string path, BudgetLane lane, CancellationToken ct)
    {
        var limits = LimitsFor(manifest, path).ToList();
        while (true)
        {
            var taken = new List<(string Key, string GrantId)>();
            try
            {
                foreach (var limit in limits)
                {
                    var key = KeyOf(manifest.Key, connectionId, limit);
                    var grantId = Guid.NewGuid().ToString("N");
                    await TakeAsync(key, limit, lane, grantId, ct);
                    taken.Add((key, grantId));
                }
            }
            catch
            {
                await CompleteAsync(taken);
                throw;
            }
            // Checked again just before sending: a pause this node learned while the grant was being recorded wins.
            if (limits.Any(limit => LearnedPause(KeyOf(manifest.Key, connectionId, limit)) is not null))
            {
                await CompleteAsync(taken);
                continue;
            }
            return new BudgetTicket(this, taken);
        }
    }

    /// <summary>Records the answers of <paramref name="taken"/> grants (never cancelled: a slot left outstanding holds the budget back).</summary>
    internal async Task CompleteAsync(IReadOnlyList<(string Key, string GrantId)> taken)
    {
        foreach (var (key, grantId) in taken) await store.CompleteAsync(key, grantId, clock, CancellationToken.None);
    }

    /// <summary>Waits for a grant of one budget.</summary>
    private async Task TakeAsync(string key, RateLimit limit, BudgetLane lane, string grantId, CancellationToken ct)
    {
        while (true)
        {
            if (LearnedPause(key) is { } pausedUntil)
            {
                await Task.Delay(Min(pausedUntil - clock.GetUtcNow(), MaxPoll), clock, ct);
                continue;
            }
            var decision = await store.TryTakeAsync(key, limit, lane, clock, grantId, ct);
            if (decision.Granted) return;
            var wait = decision.RetryAt - clock.GetUtcNow();
            await Task.Delay(wait < TimeSpan.FromMilliseconds(5) ? TimeSpan.FromMilliseconds(5) : wait > MaxPoll ? MaxPoll : wait, clock, ct);
        }
    }

    private static TimeSpan Min(TimeSpan wait, TimeSpan most) => wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait > most ? most : wait;

    /// <summary>Until when a pause this node learned holds <paramref name="key"/>; null when none does (a lapsed one is forgotten).</summary>
    private DateTimeOffset? LearnedPause(string key)
    {
        if (!_learnedPauses.TryGetValue(key, out var until)) return null;
        if (until > clock.GetUtcNow()) return until;
        _learnedPauses.TryRemove(KeyValuePair.Create(key, until));
        return null;
    }

    /// <summary>How long a call of <paramref name="lane"/> would wait for the connection's budget now (zero when it has room).</summary>
    public async Task<TimeSpan> EstimateWaitAsync(ConnectorManifest manifest, string connectionId, BudgetLane lane, CancellationToken ct)
    {
        var longest = TimeSpan.Zero;
        var now = clock.GetUtcNow();
        foreach (var limit in manifest.RateLimits.Where(l => l.Group is null))
        {
            var wait = await store.PeekAsync(KeyOf(manifest.Key, connectionId, limit), limit, lane, now, ct) - now;
            if (wait > longest) longest = wait;
        }
        return longest;
    }

    /// <summary>Reads what a response says about the vendor's limits; pauses the connection's budgets when it asks for it.</summary>
    public async Task LearnAsync(ConnectorManifest manifest, string connectionId, HttpResponseMessage response, CancellationToken ct)
    {
        if (manifest.RateLimits.Count == 0) return;
        var now = clock.GetUtcNow();
        var pause = PauseFrom(response, now);
        if (pause is not { } until || until <= now) return;
        // The whole connection slows down, not only the call that was refused; a group's own budget too. This node's
        // callers at once, every node's through the store.
        foreach (var limit in manifest.RateLimits)
            _learnedPauses.AddOrUpdate(KeyOf(manifest.Key, connectionId, limit), until, (_, existing) => existing > until ? existing : until);
        foreach (var limit in manifest.RateLimits) await store.PauseAsync(KeyOf(manifest.Key, connectionId, limit), until, ct);
    }

    private static bool IsThrottled(HttpStatusCode status) => status is HttpStatusCode.TooManyRequests;

    /// <summary>Until when the vendor wants no more requests; null when the response says nothing of the kind.</summary>
    public static DateTimeOffset? PauseFrom(HttpResponseMessage response, DateTimeOffset now)
    {
        var throttled = IsThrottled(response.StatusCode) || response.StatusCode == HttpStatusCode.ServiceUnavailable;
        if (throttled && response.Headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta) return now + delta;
            if (retryAfter.Date is { } date) return date;
        }
        var remaining = Header(response, "RateLimit-Remaining") ?? Header(response, "X-RateLimit-Remaining") ?? Combined(response, "remaining");
        var reset = Header(response, "RateLimit-Reset") ?? Header(response, "X-RateLimit-Reset") ?? Combined(response, "reset");
        if ((remaining is 0 || IsThrottled(response.StatusCode)) && reset is { } r)
            // X-RateLimit-Reset is often a Unix time (GitHub); RateLimit-Reset is seconds from now.
            return r > 1_000_000_000 ? DateTimeOffset.FromUnixTimeSeconds((long)r) : now + TimeSpan.FromSeconds(r);
        return IsThrottled(response.StatusCode) ? now + DefaultPause : null;
    }

    private static double? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) && double.TryParse(values.First().Split(',')[0].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    /// <summary>The structured <c>RateLimit: limit=100, remaining=0, reset=5</c> form.</summary>
    private static double? Combined(HttpResponseMessage response, string field)
    {
        if (!response.Headers.TryGetValues("RateLimit", out var values)) return null;
        foreach (var part in values.First().Split(',', ';'))
        {
            var pieces = part.Split('=', 2);
            if (pieces.Length == 2 && pieces[0].Trim().Equals(field, StringComparison.OrdinalIgnoreCase) &&
                double.TryParse(pieces[1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                return value;
        }
        return null;
    }
}

/// <summary>The grants one request holds; completing it records that the request's answer is back.</summary>
public sealed class BudgetTicket
{
    private readonly RateBudgets _budgets;
    private readonly IReadOnlyList<(string Key, string GrantId)> _taken;
    private int _completed;

    internal BudgetTicket(RateBudgets budgets, IReadOnlyList<(string Key, string GrantId)> taken) => (_budgets, _taken) = (budgets, taken);

    /// <summary>Call once the answer was read and learned from (a 429's pause first), or when the request failed.</summary>
    public Task CompleteAsync() => Interlocked.Exchange(ref _completed, 1) == 0 ? _budgets.CompleteAsync(_taken) : Task.CompletedTask;
}
