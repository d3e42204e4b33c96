using FlowConnectors.Runtime;

namespace FlowConnectors.Scheduling;

/// <summary>
/// Timers kept in memory, for tests and small hosts that accept losing them on exit. Adding a timer
/// whose id exists replaces it. Thread-safe.
/// </summary>
public sealed class InMemoryTimerStore : ITimerStore
{
    private readonly Dictionary<string, TimerRecord> _timers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _claimedUntil = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public Task AddAsync(TimerRecord timer, CancellationToken ct = default)
    {
        lock (_gate)
        {
            _timers[timer.Id] = timer;
            _claimedUntil.Remove(timer.Id);
        }
        return Task.CompletedTask;
    }

    /// <summary>Timers due at or before <paramref name="now"/>, earliest first; a claimed one is due when its claim runs out.</summary>
    public Task<IReadOnlyList<TimerRecord>> ListDueAsync(DateTimeOffset now, int max, CancellationToken ct = default)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<TimerRecord>>(_timers.Values
                .Select(t => _claimedUntil.TryGetValue(t.Id, out var until) && until > t.DueAt ? t with { DueAt = until } : t)
                .Where(t => t.DueAt <= now)
                .OrderBy(t => t.DueAt).ThenBy(t => t.Id, StringComparer.Ordinal).Take(max).ToList());
    }

    public Task<IReadOnlyList<TimerRecord>> ClaimDueAsync(string owner, DateTimeOffset now, int max, DateTimeOffset claimUntil, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var claimed = _timers.Values
                .Where(t => t.DueAt <= now && (!_claimedUntil.TryGetValue(t.Id, out var until) || until < now))
                .OrderBy(t => t.DueAt).ThenBy(t => t.Id, StringComparer.Ordinal).Take(max).ToList();
            foreach (var timer in claimed) _claimedUntil[timer.Id] = claimUntil;
            return Task.FromResult<IReadOnlyList<TimerRecord>>(claimed);
        }
    }

    /// <summary>One process: every claimed timer that still exists is this owner's.</summary>
    public Task<IReadOnlyCollection<string>> ExtendClaimsAsync(string owner, IReadOnlyCollection<string> ids, DateTimeOffset claimUntil, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var kept = ids.Where(id => _timers.ContainsKey(id) && _claimedUntil.ContainsKey(id)).ToList();
            foreach (var id in kept) _claimedUntil[id] = claimUntil;
            return Task.FromResult<IReadOnlyCollection<string>>(kept);
        }
    }

    public Task<IReadOnlyList<TimerRecord>> ListAsync(CancellationToken ct = default)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<TimerRecord>>(_timers.Values.OrderBy(t => t.DueAt).ThenBy(t => t.Id, StringComparer.Ordinal).ToList());
    }

    public Task<bool> DeleteAsync(string id, CancellationToken ct = default)
    {
        lock (_gate)
        {
            _claimedUntil.Remove(id);
            return Task.FromResult(_timers.Remove(id));
        }
    }

    public Task DeleteForInstanceAsync(string instanceId, CancellationToken ct = default)
    {
        lock (_gate)
            foreach (var id in _timers.Values.Where(t => t.InstanceId == instanceId).Select(t => t.Id).ToList())
            {
                _timers.Remove(id);
                _claimedUntil.Remove(id);
            }
        return Task.CompletedTask;
    }
}
