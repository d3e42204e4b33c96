using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using FlowConnectors.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlowConnectors.Scheduling;

/// <summary>Settings of a <see cref="DurableScheduler"/>.</summary>
public sealed class DurableSchedulerOptions
{
    /// <summary>How often a failing callback is tried for one timer before the scheduler gives up on it.</summary>
    public int MaxAttempts { get; init; } = 5;
    /// <summary>Wait before the first retry; doubled for each further one, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Longest wait between looks at the store, so timers another process added are found.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>Timers read from the store at once.</summary>
    public int BatchSize { get; init; } = 100;
    /// <summary>
    /// Names a store failure that passes (a full or unreachable database), or null for any other: such failures are logged
    /// once per 30 s with a count instead of an error with its stack trace at every retry.
    /// </summary>
    public Func<Exception, string?>? TransientCause { get; init; }
    /// <summary>
    /// Who claims due timers (<see cref="ITimerStore.ClaimDueAsync"/>): with several nodes on one database each
    /// timer is fired by the one node that claimed it.
    /// </summary>
    public string Owner { get; init; } = "scheduler-" + Guid.NewGuid().ToString("N");
    /// <summary>How long a claimed timer is this scheduler's; a node that dies while firing it leaves it to another after this.</summary>
    public TimeSpan ClaimDuration { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>
    /// Due timers fired at once. Timers of one instance (or one trigger) always fire one after the other, in due
    /// order; with more than 1, different instances' timers fire side by side, so a burst of due timers is not
    /// served one database round trip after another.
    /// </summary>
    public int Parallelism { get; init; } = 1;
}

/// <summary>
/// Fires durable timers when they are due, host-agnostic: the timers live in an
/// <see cref="ITimerStore"/>, time comes from a <see cref="TimeProvider"/> (so a fake clock drives
/// it in tests), and firing is a callback (resume a bookmark, start a flow).
/// </summary>
/// <remarks>
/// Each due timer is fired, then deleted; a recurring trigger timer (Kind "trigger", Data the
/// schedule spec JSON) gets its next occurrence stored first. After a restart, a timer whose time
/// passed during the downtime fires once, however many occurrences were missed, and a recurring one
/// continues from now. A failing callback is retried with exponential backoff (as a new timer, so
/// other timers are not held up) up to <see cref="DurableSchedulerOptions.MaxAttempts"/>, then logged
/// and dropped (a trigger still gets its next occurrence); nothing a callback or the store throws
/// ends <see cref="RunAsync"/>. Delivery is at least once: a crash between firing and deleting
/// fires that timer again on start (or, on another node, once its claim has run out).
/// Several schedulers may share one store (several servers on one database): each due timer is claimed
/// (<see cref="ITimerStore.ClaimDueAsync"/>) by one of them, which fires it.
/// </remarks>
public sealed class DurableScheduler : IDurableTimers
{
    private const string RetrySuffix = "#retry";

    private readonly ITimerStore _store;
    private readonly TimeProvider _clock;
    private readonly Func<TimerRecord, CancellationToken, Task> _fire;
    private readonly DurableSchedulerOptions _options;
    private readonly ILogger _logger;
    private readonly ThrottledLog _transientFailures;
    private readonly Lock _gate = new();
    /// <summary>Retry timer id → the timer as first due and the attempts made so far.</summary>
    private readonly Dictionary<string, (TimerRecord Original, int Attempts)> _retries = new(StringComparer.Ordinal);
    private readonly List<TaskCompletionSource> _idleWaiters = [];
    /// <summary>
    /// Timers this scheduler has claimed and not yet deleted (waiting for a slot, firing, or fired): their claims are
    /// extended while the pass runs, so no other node takes one over from a live node however long it waits or fires.
    /// A timer whose claim was lost anyway (the extension came too late) is left to the node that took it.
    /// </summary>
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);
    private TaskCompletionSource? _wake;
    private DateTimeOffset _wakeAt = DateTimeOffset.MaxValue;
    private bool _signaled;
    private bool _waiting;
    private bool _started;
    private int _running;

    public DurableScheduler(ITimerStore store, TimeProvider clock, Func<TimerRecord, CancellationToken, Task> fire,
        DurableSchedulerOptions? options = null, ILogger? logger = null)
    {
        _store = store;
        _clock = clock;
        _fire = fire;
        _options = options ?? new DurableSchedulerOptions();
        _transientFailures = new ThrottledLog(clock);
        if (_options.MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxAttempts must be at least 1");
        if (_options.Parallelism < 1) throw new ArgumentOutOfRangeException(nameof(options), "Parallelism must be at least 1");
        if (_options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be at least 1");
        if (_options.PollInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), "PollInterval must be positive");
        if (_options.ClaimDuration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), "ClaimDuration must be positive");
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Stores a timer; a running loop waiting past its due time wakes up to re-check.</summary>
    public async Task ScheduleAsync(TimerRecord timer, CancellationToken ct = default)
    {
        await _store.AddAsync(timer, ct);
        lock (_gate)
            if (timer.DueAt < _wakeAt) Signal();
    }

    /// <summary>
    /// Tells the loop about a timer someone else stored (with the instance it resumes, in one transaction):
    /// a loop waiting past <paramref name="dueAt"/> wakes up to re-check.
    /// </summary>
    public void TimerStored(DateTimeOffset dueAt)
    {
        lock (_gate)
            if (dueAt < _wakeAt) Signal();
    }

    /// <summary>Deletes a timer (and any pending retry of it).</summary>
    public async Task<bool> CancelAsync(string timerId, CancellationToken ct = default)
    {
        List<string> retries;
        lock (_gate) retries = _retries.Where(r => r.Value.Original.Id == timerId).Select(r => r.Key).ToList();
        var deleted = await _store.DeleteAsync(timerId, ct);
        foreach (var id in retries) deleted |= await _store.DeleteAsync(id, ct);
        lock (_gate) foreach (var id in retries) _retries.Remove(id);
        return deleted;
    }

    /// <summary>
    /// Catches up after a (re)start: drops duplicate timers of one trigger left by a crash, then fires
    /// every timer that came due while the host was down, once each, rescheduling recurring ones from
    /// now. Returns how many timers fired. <see cref="RunAsync"/> calls it first when not done yet.
    /// </summary>
    public async Task<int> StartAsync(CancellationToken ct = default)
    {
        var all = await _store.ListAsync(ct);
        foreach (var group in all.Where(t => t.Kind == TimerKinds.Trigger && t.TriggerId is not null).GroupBy(t => t.TriggerId!, StringComparer.Ordinal))
        {
            // Several timers for one trigger: an earlier one fired and its successor was stored before
            // the crash; the latest is the successor.
            foreach (var stale in group.OrderByDescending(t => t.DueAt).Skip(1))
            {
                _logger.LogInformation("Dropping duplicate timer {TimerId} of trigger {TriggerId}", stale.Id, group.Key);
                await _store.DeleteAsync(stale.Id, ct);
            }
        }
        _started = true;
        return await FireDueAsync(ct);
    }

    /// <summary>
    /// Fires timers as they come due until <paramref name="ct"/> is cancelled (then returns normally).
    /// Waits on the <see cref="TimeProvider"/> until the earliest timer, at most
    /// <see cref="DurableSchedulerOptions.PollInterval"/>, and re-checks at once when
    /// <see cref="ScheduleAsync"/> adds an earlier timer.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1) throw new InvalidOperationException("the scheduler is already running");
        try
        {
            while (!ct.IsCancellationRequested)
            {
                lock (_gate)
                {
                    _signaled = false;
                    _waiting = false;
                    _wakeAt = DateTimeOffset.MaxValue; // while looking at the store, any new timer signals
                }
                DateTimeOffset next;
                try
                {
                    if (!_started) await StartAsync(ct);
                    else await FireDueAsync(ct);
                    var now = _clock.GetUtcNow();
                    var upcoming = await _store.ListDueAsync(now + _options.PollInterval, _options.BatchSize, ct);
                    next = upcoming.Count == 0 ? now + _options.PollInterval : upcoming.Min(t => t.DueAt);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    if (_options.TransientCause?.Invoke(e) is not { } cause) _logger.LogError(e, "Timer store failed; trying again in {Delay}", _options.RetryDelay);
                    else if (_transientFailures.TryEnter(out var heldBack))
                        _logger.LogWarning("Timer store failed: {Cause}; trying again every {Delay} ({HeldBack} more failures since the last such line)",
                            cause, _options.RetryDelay, heldBack);
                    next = _clock.GetUtcNow() + _options.RetryDelay;
                }

                TaskCompletionSource wake;
                ITimer timer;
                lock (_gate)
                {
                    if (_signaled) continue;
                    var wait = next - _clock.GetUtcNow();
                    if (wait <= TimeSpan.Zero) continue;
                    wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _wake = wake;
                    _wakeAt = next;
                    _waiting = true;
                    timer = _clock.CreateTimer(_ => Wake(wake), null, wait, Timeout.InfiniteTimeSpan);
                    foreach (var idle in _idleWaiters) idle.TrySetResult();
                    _idleWaiters.Clear();
                }
                await using (timer)
                await using (ct.Register(() => wake.TrySetCanceled(ct)))
                {
                    try { await wake.Task; }
                    catch (OperationCanceledException) { return; }
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _waiting = false;
                _wake = null;
                _wakeAt = DateTimeOffset.MaxValue;
            }
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>For tests: completes when the loop is waiting (everything due so far has been handled).</summary>
    internal Task WhenIdleAsync()
    {
        lock (_gate)
        {
            if (_waiting) return Task.CompletedTask;
            var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _idleWaiters.Add(idle);
            return idle.Task;
        }
    }

    /// <summary>For tests: when the waiting loop wakes next, if it is waiting.</summary>
    internal DateTimeOffset? WakeAt
    {
        get { lock (_gate) return _waiting ? _wakeAt : null; }
    }

    private void Wake(TaskCompletionSource wake)
    {
        lock (_gate)
            if (_wake == wake) _waiting = false;
        wake.TrySetResult();
    }

    /// <summary>Called under the lock.</summary>
    private void Signal()
    {
        _signaled = true;
        _waiting = false;
        _wake?.TrySetResult();
    }

    private async Task<int> FireDueAsync(CancellationToken ct)
    {
        using var passEnded = new CancellationTokenSource();
        var keeping = KeepClaimsAsync(passEnded.Token);
        try
        {
            return await (_options.Parallelism <= 1 ? FireDueInOrderAsync(ct) : FireDueSideBySideAsync(ct));
        }
        finally
        {
            await passEnded.CancelAsync();
            await keeping;
            lock (_held) _held.Clear();
        }
    }

    /// <summary>Until the pass ends: extends the claims of the timers held, three times per claim duration.</summary>
    private async Task KeepClaimsAsync(CancellationToken passEnded)
    {
        var every = _options.ClaimDuration / 3;
        while (true)
        {
            try { await Task.Delay(every, _clock, passEnded); }
            catch (OperationCanceledException) { return; }
            string[] ids;
            lock (_held) ids = [.. _held];
            if (ids.Length == 0) continue;
            try
            {
                var kept = (await _store.ExtendClaimsAsync(_options.Owner, ids, _clock.GetUtcNow() + _options.ClaimDuration, CancellationToken.None))
                    .ToHashSet(StringComparer.Ordinal);
                lock (_held)
                    foreach (var id in ids.Where(id => !kept.Contains(id)))
                        _held.Remove(id);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Extending the claims of {Count} timers failed; trying again in {Delay}", ids.Length, every);
            }
        }
    }

    private void Hold(IEnumerable<TimerRecord> claimed)
    {
        lock (_held)
            foreach (var timer in claimed)
                _held.Add(timer.Id);
    }

    /// <summary>One timer after the other, in due order, a batch at a time.</summary>
    private async Task<int> FireDueInOrderAsync(CancellationToken ct)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            // Claimed, not listed: with several nodes on one database, each due timer fires on one of them.
            var now = _clock.GetUtcNow();
            var due = await _store.ClaimDueAsync(_options.Owner, now, _options.BatchSize, now + _options.ClaimDuration, ct);
            Hold(due);
            var fresh = due.Where(t => done.Add(t.Id)).ToList();
            // Fired timers are deleted together once the batch is through: one write for the batch, not one per timer.
            var fired = new ConcurrentBag<string>();
            try
            {
                foreach (var timer in fresh) await ProcessAsync(timer, fired, ct);
            }
            finally
            {
                // Also when the pass stops half-way (the host stops): what fired is not fired again.
                await DeleteFiredAsync(fired);
            }
            // Stop when the store has no more, or only returns timers already handled (a delete failed).
            if (due.Count < _options.BatchSize || fresh.Count == 0) return done.Count;
        }
    }

    /// <summary>
    /// Up to <see cref="DurableSchedulerOptions.Parallelism"/> timers at once, those of one instance (or trigger) one after
    /// the other in due order. Timers that come due while others are still firing are claimed as soon as there is room, so
    /// one slow fire (a resume that waits on a vendor) holds up no other timer; the pass ends when nothing is in flight and
    /// nothing more is due. Claims and deletes are batched: at most <see cref="DurableSchedulerOptions.BatchSize"/> timers are
    /// claimed and not done with, more are claimed once a <see cref="DurableSchedulerOptions.Parallelism"/>'s worth of room
    /// is free, and what fired is deleted in one write before each claim.
    /// </summary>
    private async Task<int> FireDueSideBySideAsync(CancellationToken ct)
    {
        var window = Math.Max(_options.BatchSize, _options.Parallelism);
        // Timers firing now: one the store returns again meanwhile (its claim ran out while it fires) is not fired twice.
        // A pass can last long under load, so this is not every id seen in it: a timer stored again with the same id
        // later (a Delay's timer restored after its fire gave up) fires again.
        var running = new HashSet<string>(StringComparer.Ordinal);
        var count = 0;
        var fired = new ConcurrentBag<string>();
        var slots = new SemaphoreSlim(_options.Parallelism);
        var inFlight = new List<Task>();
        // The last timer of each instance (or trigger) in flight, which the next one of it waits for.
        var tails = new Dictionary<string, Task>(StringComparer.Ordinal);
        // The first failure (the store failing); the pass reports it once the fires under way have ended.
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;

        async Task FireAfterAsync(Task previous, TimerRecord timer)
        {
            await previous; // never faults: failures are kept in `failure`
            await slots.WaitAsync(CancellationToken.None);
            try
            {
                // A failure of the previous timer of the same instance does not stop this one, unless the pass is stopping.
                if (!ct.IsCancellationRequested) await ProcessAsync(timer, fired, ct);
            }
            catch (Exception e)
            {
                lock (running) failure ??= System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                slots.Release();
                lock (running) running.Remove(timer.Id);
            }
        }

        try
        {
            // True while timers may be due that are not claimed yet: at the start, after a full claim, and when the next
            // one comes due or an earlier one is stored. A fire that ends only frees room.
            var needClaim = true;
            DateTimeOffset? nextDue = null;
            while (true)
            {
                inFlight.RemoveAll(t => t.IsCompleted);
                var room = window - inFlight.Count;
                if (needClaim && (inFlight.Count == 0 || room >= Math.Min(_options.Parallelism, window)))
                {
                    await DeleteFiredAsync(fired);
                    lock (_gate)
                    {
                        // Everything due now is claimed below; from here, any timer stored signals.
                        _wakeAt = DateTimeOffset.MaxValue;
                        _signaled = false;
                    }
                    // Claimed, not listed: with several nodes on one database, each due timer fires on one of them.
                    var now = _clock.GetUtcNow();
                    var due = await _store.ClaimDueAsync(_options.Owner, now, room, now + _options.ClaimDuration, ct);
                    Hold(due);
                    var fresh = 0;
                    // Only the tails still in flight matter; a long pass does not keep every instance it has seen.
                    foreach (var key in tails.Where(t => t.Value.IsCompleted).Select(t => t.Key).ToList()) tails.Remove(key);
                    foreach (var timer in due)
                    {
                        lock (running)
                            if (!running.Add(timer.Id)) continue;
                        fresh++;
                        count++;
                        var key = timer.InstanceId ?? timer.TriggerId ?? timer.Id;
                        var task = FireAfterAsync(tails.GetValueOrDefault(key) ?? Task.CompletedTask, timer);
                        tails[key] = task;
                        inFlight.Add(task);
                    }
                    needClaim = due.Count == room && fresh > 0;
                    nextDue = null;
                    continue;
                }
                if (inFlight.Count == 0) break;
                if (needClaim)
                {
                    // More is due than there is room for: wait for room.
                    await Task.WhenAny(inFlight).WaitAsync(ct);
                    continue;
                }
                HashSet<string> firing;
                lock (running) firing = [.. running];
                nextDue ??= await NextDueAsync(firing, ct);
                needClaim = await WaitForFireOrDueAsync(inFlight, nextDue.Value, ct);
            }
        }
        finally
        {
            // Also when the pass stops half-way (the host stops): fires under way end, and what fired is not fired again.
            await Task.WhenAll(inFlight);
            await DeleteFiredAsync(fired);
        }
        failure?.Throw();
        return count;
    }

    /// <summary>When the next timer not firing now comes due (at the latest one poll interval from now).</summary>
    private async Task<DateTimeOffset> NextDueAsync(HashSet<string> firing, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        var upcoming = await _store.ListDueAsync(now + _options.PollInterval, 16, ct);
        return upcoming.Where(t => !firing.Contains(t.Id)).Select(t => t.DueAt).DefaultIfEmpty(now + _options.PollInterval).Min();
    }

    /// <summary>
    /// Waits until a fire in flight ends (false) or until <paramref name="nextDue"/> comes, or a timer due earlier is
    /// stored (true: claim).
    /// </summary>
    private async Task<bool> WaitForFireOrDueAsync(List<Task> inFlight, DateTimeOffset nextDue, CancellationToken ct)
    {
        var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_signaled)
            {
                _signaled = false;
                return true;
            }
            _wake = wake;
            _wakeAt = nextDue;
        }
        try
        {
            var wait = nextDue - _clock.GetUtcNow();
            if (wait <= TimeSpan.Zero) return true;
            await using var timer = _clock.CreateTimer(_ => wake.TrySetResult(), null, wait, Timeout.InfiniteTimeSpan);
            var first = await Task.WhenAny(Task.WhenAny(inFlight), wake.Task).WaitAsync(ct);
            return first == wake.Task;
        }
        finally
        {
            lock (_gate)
            {
                if (_wake == wake) _wake = null;
                if (wake.Task.IsCompleted) _signaled = false;
            }
        }
    }

    /// <summary>Deletes the timers fired so far (one write), and forgets their retries.</summary>
    private async Task DeleteFiredAsync(ConcurrentBag<string> fired)
    {
        if (fired.IsEmpty) return;
        var ids = new List<string>();
        while (fired.TryTake(out var id)) ids.Add(id);
        await _store.DeleteManyAsync(ids, CancellationToken.None);
        lock (_gate) foreach (var id in ids) _retries.Remove(id);
        lock (_held) foreach (var id in ids) _held.Remove(id);
    }

    /// <summary>Fires one timer; once it is done with (fired, or given up on) its id goes to <paramref name="fired"/> for deletion.</summary>
    private async Task ProcessAsync(TimerRecord timer, ConcurrentBag<string> fired, CancellationToken ct)
    {
        (TimerRecord Original, int Attempts) entry;
        lock (_gate)
            entry = _retries.TryGetValue(timer.Id, out var retry) ? retry : (timer, 0);
        var (original, attempts) = (entry.Original, entry.Attempts + 1);
        lock (_held)
            if (!_held.Contains(timer.Id))
            {
                _logger.LogWarning("Timer {TimerId}: its claim ran out before it fired and another node took it; not fired here", timer.Id);
                return;
            }
        try
        {
            await _fire(original, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            if (attempts < _options.MaxAttempts)
            {
                var retryAt = _clock.GetUtcNow() + Backoff(attempts);
                _logger.LogWarning(e, "Timer {TimerId} ({Kind}) failed on attempt {Attempt} of {MaxAttempts}; retrying at {RetryAt}",
                    original.Id, original.Kind, attempts, _options.MaxAttempts, retryAt);
                var retry = timer with { Id = original.Id + RetrySuffix + attempts, DueAt = retryAt };
                lock (_gate) _retries[retry.Id] = (original, attempts);
                await _store.AddAsync(retry, ct); // the retry is stored before the failed timer is deleted
                await DeleteAsync(timer.Id, ct);
                TimerStored(retry.DueAt); // a pass waiting for a later timer looks again
                return;
            }
            _logger.LogError(e, "Timer {TimerId} ({Kind}) failed {Attempts} times; giving up on it", original.Id, original.Kind, attempts);
        }
        if (original.Kind == TimerKinds.Trigger) await RescheduleAsync(original, ct);
        fired.Add(timer.Id);
    }

    private async Task DeleteAsync(string id, CancellationToken ct)
    {
        await _store.DeleteAsync(id, ct);
        lock (_gate) _retries.Remove(id);
        lock (_held) _held.Remove(id);
    }

    /// <summary>Stores a trigger's next occurrence: after the one that fired, or after now when that is already past.</summary>
    private async Task RescheduleAsync(TimerRecord fired, CancellationToken ct)
    {
        ScheduleSpec spec;
        try
        {
            spec = ScheduleSpec.Parse(fired.Data as JsonObject);
        }
        catch (ScheduleFormatException e)
        {
            _logger.LogError(e, "Trigger timer {TimerId} has no valid schedule in its data; it is not rescheduled", fired.Id);
            return;
        }
        var now = _clock.GetUtcNow();
        var next = spec.Schedule.NextAfter(fired.DueAt);
        if (next is { } candidate && candidate <= now) next = spec.Schedule.NextAfter(now); // missed occurrences fire once
        if (next is not { } due)
        {
            _logger.LogInformation("Trigger timer {TimerId} has no further occurrences", fired.Id);
            return;
        }
        await _store.AddAsync(ScheduleTriggers.TimerFor(fired.TriggerId ?? fired.Id, fired.Data, due) with { InstanceId = fired.InstanceId }, ct);
    }

    private TimeSpan Backoff(int attempt)
    {
        var ticks = _options.RetryDelay.Ticks * Math.Pow(2, Math.Min(attempt - 1, 30));
        return ticks >= _options.MaxRetryDelay.Ticks ? _options.MaxRetryDelay : TimeSpan.FromTicks((long)ticks);
    }
}
