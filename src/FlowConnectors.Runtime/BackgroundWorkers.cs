using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using FlowConnectors.Engine.Stimuli;

namespace FlowConnectors.Runtime;

/// <summary>
/// This node's worker on the run queue (<see cref="IRunQueue"/>): it claims stored stimuli and instances whose
/// node died (timers are the scheduler's) and runs them; keeps the leases of this process's runs alive, expires
/// events nobody waited for and restores Delay timers that are missing. It wakes when any node enqueues work
/// (LISTEN/NOTIFY on PostgreSQL) or every <see cref="RuntimeOptions.PollInterval"/>. When the node stops it
/// takes no more work, lets its runs finish for a moment, then hands back what it still holds, so other nodes
/// resume those instances at once. Failures are logged and retried on the next pass; the loop never stops.
/// </summary>
public sealed class BackgroundWorkers(
    WorkflowHost host,
    IInboxStore inbox,
    IRunQueue queue,
    RuntimeOptions options,
    TimeProvider clock,
    ILogger<BackgroundWorkers> logger,
    IStoreFailures? storeFailures = null) : BackgroundService
{
    // A database that is down or full fails every pass alike: one line per interval, with a count, not one per poll.
    private readonly ThrottledLog _storeFailureLog = new(clock);
    private readonly ThrottledLog _errorTraceLog = new(clock);
    private static readonly TimeSpan HousekeepingInterval = TimeSpan.FromSeconds(30);
    /// <summary>
    /// How often an idle node looks for orphaned instances; a pass woken by new work (a stimulus stored, or on PostgreSQL any
    /// node's NOTIFY, which a hand-back sends) looks at once. Instances are orphaned by a node that died, found once its leases
    /// run out (<see cref="RuntimeOptions.LeaseDuration"/>, minutes by default): a second more is nothing to them, and the scan
    /// at every poll was a third of an idle node's CPU.
    /// </summary>
    private TimeSpan OrphanScanInterval
    {
        get
        {
            var interval = options.LeaseDuration / 8 < TimeSpan.FromSeconds(1) ? options.LeaseDuration / 8 : TimeSpan.FromSeconds(1);
            return interval > options.PollInterval ? interval : options.PollInterval;
        }
    }
    /// <summary>Orphaned instances claimed per pass.</summary>
    private const int ClaimBatch = 16;
    /// <summary>
    /// Stimuli processed at once. Each one spends most of its time waiting on the database (a read, then its share of two
    /// group commits: the leases, the saves), so resumes/s is about this many over one resume's latency; the more wait
    /// together, the larger each group commit. The runs themselves are bounded by the run limits (<see cref="RunLimiter"/>)
    /// as every other run is.
    /// </summary>
    private static readonly int InboxParallelism = Math.Max(32, Environment.ProcessorCount * 16);
    /// <summary>
    /// Stimuli claimed and not done with, at most: enough to keep <see cref="InboxParallelism"/> resumes going (and the group
    /// commits full) while stimuli of one hash wait for each other; few enough that other nodes find the rest unclaimed.
    /// </summary>
    private static readonly int InboxClaimBatch = InboxParallelism * 4;
    /// <summary>
    /// Stimuli in hand at most, with those handed over as they are stored (<see cref="StoreAndResumeAsync"/>): a burst of
    /// callbacks arrives faster than it resumes, and one stored unclaimed instead costs a claim and a lookup by hash later.
    /// A few seconds of resumes, well within a claim's time (the lease duration); one held longer (a slow run ahead of it)
    /// has its claim extended (<see cref="ExtendInboxClaimsAsync"/>), so no other worker takes it meanwhile.
    /// </summary>
    private static readonly int HandOverLimit = InboxClaimBatch * 4;
    /// <summary>
    /// The share of <see cref="RuntimeOptions.InboxBytesInHand"/> one claim may take while others are held: set aside for the
    /// claim's round trip, so callbacks handed over meanwhile (<see cref="StoreAndResumeAsync"/>) still find the rest.
    /// </summary>
    private const int ClaimShareOfBytes = 4;
    private readonly SemaphoreSlim _wake = new(0);
    /// <summary>Stimuli claimed and not done with yet, the run slots they share, and the last one of each stimulus hash.</summary>
    private int _inFlight;
    /// <summary>
    /// Bytes of the stimuli in flight (<see cref="InboxMessage.Size"/>), with what a claim under way has set aside; changed
    /// under the lock of <see cref="_tails"/>. At most <see cref="RuntimeOptions.InboxBytesInHand"/>, but for one stimulus larger
    /// than a claim's share taken while nothing else was held (then less than that stimulus plus the budget).
    /// </summary>
    private long _bytesInHand;
    private readonly SemaphoreSlim _slots = new(InboxParallelism);
    private readonly SemaphoreSlim _roomFreed = new(0);
    private readonly Dictionary<string, Task> _tails = new(StringComparer.Ordinal);
    /// <summary>
    /// Stimuli in flight by inbox id, with the time their claim runs out, and those whose claim was lost (another process
    /// took it after it ran out, or it was handed back): not processed here. Both under the lock of <see cref="_tails"/>.
    /// </summary>
    private readonly Dictionary<long, DateTimeOffset> _held = [];
    private readonly HashSet<long> _lost = [];
    private readonly AsyncIdle _idle = new();
    private volatile bool _stopping;
    private volatile bool _started;

    /// <summary>Bytes of the stimuli this node holds in memory now (claimed, not done with); see <see cref="RuntimeOptions.InboxBytesInHand"/>.</summary>
    public long BytesInHand => Interlocked.Read(ref _bytesInHand);

    /// <summary>Asks for a pass now (a stimulus was just stored).</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    /// <summary>
    /// Stores a stimulus for one bookmark its caller has just found (a callback) and resumes it here, without a claim
    /// pass and without the lookup by hash: the message is stored claimed by this process, so no worker claims it
    /// meanwhile. It is as safe as any stored stimulus: on disk before this returns; if this process dies before the
    /// save that marks it processed, its claim is released when the node starts again (or runs out) and a worker
    /// resumes it then. Stimuli of one hash still go one after the other in the order they were stored. While this
    /// node stops, or already has a full window of stimuli in hand, or the message's <see cref="InboxMessage.Size"/> does
    /// not fit in <see cref="RuntimeOptions.InboxBytesInHand"/> with those, it is stored unclaimed for the workers.
    /// </summary>
    /// <returns>The message's inbox id.</returns>
    public async Task<long> StoreAndResumeAsync(InboxMessage message, string instanceId, string bookmarkId, CancellationToken ct = default)
    {
        if (!TryReserve(message.Size))
        {
            var stored = await inbox.AddAsync(message, ct);
            Wake();
            return stored;
        }
        long id;
        try
        {
            message = message with { ClaimedBy = host.LeaseOwner, ClaimedUntil = clock.GetUtcNow() + options.LeaseDuration };
            id = await inbox.AddAsync(message, ct);
        }
        catch
        {
            Done(message.Size);
            throw;
        }
        Schedule(message with { Id = id }, (instanceId, bookmarkId), reserved: true);
        return id;
    }

    /// <summary>
    /// Counts a stimulus in flight before it is stored, if there is room (by count and by bytes; one larger than the byte
    /// budget only when nothing else is held) and the workers run.
    /// </summary>
    private bool TryReserve(long size)
    {
        lock (_tails)
        {
            if (!_started || _stopping || _inFlight >= HandOverLimit) return false;
            if (_bytesInHand > 0 && _bytesInHand + size > options.InboxBytesInHand) return false;
            _bytesInHand += size;
            if (Interlocked.Increment(ref _inFlight) == 1) _idle.Reset();
            return true;
        }
    }

    /// <summary>
    /// Sets bytes aside for a claim, before it is made: what is left of the budget, up to a <see cref="ClaimShareOfBytes"/>
    /// share. When nothing is held the oldest stimulus is taken whatever its size (so one larger than the budget is still
    /// processed); setting all of the budget aside for that instead would turn away the callbacks handed over during every
    /// such claim. 0: the budget is used up.
    /// </summary>
    private (long Bytes, bool OldestOfAnySize) ReserveClaimBytes()
    {
        lock (_tails)
        {
            var budget = options.InboxBytesInHand;
            var alone = _bytesInHand == 0;
            var left = budget - _bytesInHand;
            if (!alone && left <= 0) return (0, false);
            var share = Math.Max(1, budget / ClaimShareOfBytes);
            var reserved = alone ? share : Math.Min(left, share);
            _bytesInHand += reserved;
            return (reserved, alone);
        }
    }

    /// <summary>A stimulus in flight is done with (processed, handed back, or never stored).</summary>
    private void Done(long size)
    {
        lock (_tails)
        {
            _bytesInHand -= size;
            if (Interlocked.Decrement(ref _inFlight) == 0) _idle.Set();
        }
        if (_roomFreed.CurrentCount == 0) _roomFreed.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Leases are renewed well before they run out, on their own timer: a long inbox pass must not let them lapse.
        _ = Task.Run(() => RenewLeasesAsync(stoppingToken), CancellationToken.None);
        using var subscription = queue.SubscribeToWork(Wake);
        _started = true;
        await Guard(() => host.RestoreMissingTimersAsync(stoppingToken), "restoring missing timers");
        await RecoverAsync(stoppingToken);
        try
        {
            var housekeepingAt = clock.GetUtcNow() + HousekeepingInterval;
            var orphanScanAt = clock.GetUtcNow() + OrphanScanInterval;
            var woken = false;
            while (!stoppingToken.IsCancellationRequested && !_stopping)
            {
                try
                {
                    // Claimed a window at a time, so the other nodes take the rest meanwhile; a full window means more may wait.
                    // The next window is claimed as soon as there is room, not when the slowest stimulus of the last one is done.
                    var more = true;
                    while (more && !_stopping)
                    {
                        var room = InboxClaimBatch - Volatile.Read(ref _inFlight);
                        if (room < InboxParallelism)
                        {
                            await _roomFreed.WaitAsync(options.PollInterval, stoppingToken);
                            continue;
                        }
                        // Claimed only while their bytes fit too: a stimulus that does not waits in the store until some are done.
                        var (bytes, oldestOfAnySize) = ReserveClaimBytes();
                        if (bytes == 0)
                        {
                            await _roomFreed.WaitAsync(options.PollInterval, stoppingToken);
                            continue;
                        }
                        IReadOnlyList<InboxMessage> claimed;
                        try
                        {
                            var now = clock.GetUtcNow();
                            claimed = await queue.ClaimInboxAsync(host.LeaseOwner, room, now, now + options.LeaseDuration, bytes, oldestOfAnySize, stoppingToken);
                        }
                        catch
                        {
                            ReleaseClaimBytes(bytes, 0);
                            throw;
                        }
                        var claimedBytes = 0L;
                        foreach (var message in claimed) claimedBytes += message.Size;
                        // Counted from here as each stimulus's own bytes; what the claim did not use goes back.
                        ReleaseClaimBytes(bytes, claimedBytes);
                        foreach (var message in claimed) Schedule(message);
                        // A claim cut short by its bytes (less left of them than the largest body an endpoint accepts) may have left more.
                        more = claimed.Count == room || (claimed.Count > 0 && bytes - claimedBytes < options.MaxPayloadBytes);
                    }
                    if (woken || clock.GetUtcNow() >= orphanScanAt)
                    {
                        orphanScanAt = clock.GetUtcNow() + OrphanScanInterval;
                        await RecoverAsync(stoppingToken);
                    }
                    if (clock.GetUtcNow() >= housekeepingAt)
                    {
                        housekeepingAt = clock.GetUtcNow() + HousekeepingInterval;
                        await Guard(() => host.RestoreMissingTimersAsync(stoppingToken), "restoring missing timers");
                        await Guard(ExpireEventsAsync, "expiring events");
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailure("background pass", e);
                }
                try { woken = await _wake.WaitAsync(options.PollInterval, stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }
        finally
        {
            // Stimuli claimed and not started yet see the node stopping and are handed back with their claims; the loop
            // ends (and the node hands back what it holds) only once none is in flight.
            await _idle.WaitAsync();
        }
    }

    /// <summary>
    /// Gives back the bytes a claim set aside, but for those of the stimuli it claimed (counted until they are done). Only the
    /// claim loop waits for room, and it is the caller: no one to wake.
    /// </summary>
    private void ReleaseClaimBytes(long reserved, long claimed)
    {
        lock (_tails) _bytesInHand -= reserved - claimed;
    }

    /// <summary>
    /// Processes a claimed stimulus in the background: at most <see cref="InboxParallelism"/> at once, and those with the
    /// same stimulus hash (one callback, one event name and correlation id, one webhook automation) one after the other
    /// in claim order; different ones run side by side, so a resume's database round trips and its run overlap with
    /// others' instead of queueing behind them (SQLite still commits one writer at a time). Two messages that reach
    /// the same instance through different hashes are safe: the second finds it busy and is retried.
    /// </summary>
    private void Schedule(InboxMessage message, (string InstanceId, string BookmarkId)? target = null, bool reserved = false)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_tails)
        {
            if (!reserved && Interlocked.Increment(ref _inFlight) == 1) _idle.Reset();
            _held[message.Id] = message.ClaimedUntil ?? clock.GetUtcNow() + options.LeaseDuration;
            previous = _tails.GetValueOrDefault(message.Hash) ?? Task.CompletedTask;
            _tails[message.Hash] = done.Task;
        }
        _ = ProcessAfterAsync(previous, message, target, done);
    }

    private async Task ProcessAfterAsync(Task previous, InboxMessage message, (string InstanceId, string BookmarkId)? target, TaskCompletionSource done)
    {
        try
        {
            await previous;
            await _slots.WaitAsync();
            try
            {
                // Stopping: what has not started is handed back with its claim. A claim lost meanwhile is another process's work.
                bool lost;
                lock (_tails) lost = _lost.Contains(message.Id);
                if (lost) logger.LogWarning("inbox message {Message}: its claim was lost before it was processed; left to the process that holds it", message.Id);
                else if (!_stopping) await Guard(() => host.ProcessInboxMessageAsync(message, target), $"inbox message {message.Id}");
            }
            finally
            {
                _slots.Release();
            }
        }
        finally
        {
            done.SetResult();
            lock (_tails)
            {
                if (_tails.TryGetValue(message.Hash, out var tail) && tail == done.Task) _tails.Remove(message.Hash);
                _held.Remove(message.Id);
                _lost.Remove(message.Id);
            }
            Done(message.Size);
        }
    }

    /// <summary>
    /// Instances left running whose lease ran out or was handed back (their node died or stopped) are leased to
    /// this node, a batch at a time, and resume from their last saved state. An instance that keeps killing the
    /// process is faulted as poisoned by the host instead.
    /// </summary>
    private async Task RecoverAsync(CancellationToken stoppingToken)
    {
        while (!_stopping)
        {
            var now = clock.GetUtcNow();
            var orphaned = await queue.ClaimOrphanedAsync(host.LeaseOwner, ClaimBatch, now, now + options.LeaseDuration, stoppingToken);
            if (orphaned.Count == 0) return;
            logger.LogInformation("taking over {Count} instances whose node died or stopped", orphaned.Count);
            await Parallel.ForEachAsync(orphaned, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stoppingToken },
                async (id, _) =>
                {
                    // Stopping: instances claimed but not started yet are handed back.
                    if (!_stopping) await Guard(() => host.ExecuteAsync(id, null), $"recovery of instance {id}");
                });
            if (orphaned.Count < ClaimBatch) return;
        }
    }

    /// <summary>
    /// SIGTERM: no more work is taken; runs going on get a moment to finish and save, then what this process
    /// still holds (instance leases, stimulus and timer claims) is handed back, so other nodes take it at once
    /// instead of when the leases run out.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        Wake();
        var grace = options.LeaseDuration / 4 < HandBackGrace ? options.LeaseDuration / 4 : HandBackGrace;
        await WaitForLeasedRunsAsync(grace, cancellationToken);
        // Runs still going are stopped and their results dropped; from here no stored instance is taken by this node.
        host.AbandonLeasedRuns();
        // The work loop ends before anything is handed back, so no pass of it claims or leases again afterwards.
        await base.StopAsync(cancellationToken);
        // Each stopped run releases its own lease (taking back the attempt it counted); whatever is left goes below.
        await WaitForLeasedRunsAsync(grace, cancellationToken);
        try
        {
            var handedBack = await queue.HandBackAsync(host.LeaseOwner, CancellationToken.None);
            logger.LogInformation("stopping: handed back {Count} instances for other nodes to resume", handedBack);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError("stopping: handing back failed ({Message}); the leases run out instead", e.Message);
        }
    }

    private async Task WaitForLeasedRunsAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + wait;
        while (host.LeasedRuns > 0 && clock.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
        {
            try { await Task.Delay(TimeSpan.FromMilliseconds(50), clock, cancellationToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    /// <summary>Longest wait for runs to finish before their instances are handed back.</summary>
    private static readonly TimeSpan HandBackGrace = TimeSpan.FromSeconds(2);

    private async Task ExpireEventsAsync()
    {
        var expired = await inbox.ExpireWaitingAsync(EventStimulus.BookmarkName, clock.GetUtcNow() - options.EventRetention);
        if (expired > 0) logger.LogInformation("{Count} events nobody waited for expired", expired);
    }

    private async Task RenewLeasesAsync(CancellationToken stoppingToken)
    {
        var interval = options.LeaseDuration / 4 < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : options.LeaseDuration / 4;
        using var timer = new PeriodicTimer(interval > TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await Guard(() => host.RenewLeasesAsync(stoppingToken), "renewing leases");
                await Guard(() => ExtendInboxClaimsAsync(timer.Period, stoppingToken), "extending inbox claims");
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>
    /// Extends the claims of the stimuli held here that would run out within a claim's time less one pass
    /// (<paramref name="every"/>): held a few seconds, as most are, a stimulus costs no extension; held behind a slow
    /// run, its claim stays this process's. A claim found lost is marked so it is not processed here.
    /// </summary>
    private async Task ExtendInboxClaimsAsync(TimeSpan every, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var extendBefore = now + options.LeaseDuration - every;
        List<long> ids;
        lock (_tails) ids = [.. _held.Where(h => h.Value < extendBefore).Select(h => h.Key)];
        if (ids.Count == 0) return;
        var until = now + options.LeaseDuration;
        var kept = (await queue.ExtendInboxClaimsAsync(host.LeaseOwner, ids, until, ct)).ToHashSet();
        lock (_tails)
        {
            foreach (var id in ids)
            {
                if (!_held.ContainsKey(id)) continue;
                if (kept.Contains(id)) _held[id] = until;
                else
                {
                    // Processed meanwhile (its outcome ended the claim) or taken by another process: either way not extended again.
                    _held.Remove(id);
                    _lost.Add(id);
                }
            }
        }
    }

    private async Task Guard(Func<Task> work, string what)
    {
        try { await work(); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailure(what, e);
        }
    }

    private void LogFailure(string what, Exception e)
    {
        if (storeFailures?.TransientCause(e) is { } cause)
        {
            if (_storeFailureLog.TryEnter(out var heldBack))
                logger.LogWarning("{What} failed: {Cause}; {HeldBack} more background passes failed so since the last such line", what, cause, heldBack);
        }
        // EF Core does not log a failed query or connection itself (PersistenceServices.CommonEvents), so the stack trace is here,
        // but once per 30 s: work that fails by design at every poll (a poisoned instance's recovery) would spend more on traces
        // than on the work (PoisonSpecs: +20 % CPU with a trace each time).
        else if (_errorTraceLog.TryEnter(out _)) logger.LogError(e, "{What} failed: {Message}", what, e.Message);
        else logger.LogError("{What} failed: {Message}", what, e.Message);
    }

    /// <summary>A gate that is open while nothing is in flight (set and reset under the owner's lock).</summary>
    private sealed class AsyncIdle
    {
        private volatile TaskCompletionSource _open = Open();

        private static TaskCompletionSource Open()
        {
            var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }

        public void Reset()
        {
            if (_open.Task.IsCompleted) _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public void Set() => _open.TrySetResult();

        public Task WaitAsync() => _open.Task;
    }
}
