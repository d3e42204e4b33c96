using FlowConnectors.Runtime;

namespace FlowConnectors.Scheduling;

/// <summary>
/// Timers kept in memory, for tests and small hosts that accept losing them on exit. Adding a timer
/// whose id exists replaces it. Thread-safe.
/// </summary>
public sealed class InMemoryTimerStore : ITimerStore
{
    private readonly Dictionary<string, TimerRecord> _timers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public Task AddAsync(TimerRecord timer, CancellationToken ct = default)
    {
        lock (_gate) _timers[timer.Id] = timer;
        return Task.CompletedTask;
    }

    /// <summary>Timers due at or before <paramref name="now"/>, earliest first.</summary>
    public Task<IReadOnlyList<TimerRecord>> ListDueAsync(DateTimeOffset now, int max, CancellationToken ct = default)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<TimerRecord>>(_timers.Values.Where(t => t.DueAt <= now)
                .OrderBy(t => t.DueAt).ThenBy(t => t.Id, StringComparer.Ordinal).Take(max).ToList());
    }

    public Task<IReadOnlyList<TimerRecord>> ListAsync(CancellationToken ct = default)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<TimerRecord>>(_timers.Values.OrderBy(t => t.DueAt).ThenBy(t => t.Id, StringComparer.Ordinal).ToList());
    }

    public Task<bool> DeleteAsync(string id, CancellationToken ct = default)
    {
        lock (_gate) return Task.FromResult(_timers.Remove(id));
    }

    public Task DeleteForInstanceAsync(string instanceId, CancellationToken ct = default)
    {
        lock (_gate)
            foreach (var id in _timers.Values.Where(t => t.InstanceId == instanceId).Select(t => t.Id).ToList())
                _timers.Remove(id);
        return Task.CompletedTask;
    }
}
