using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using Microsoft.Extensions.Logging;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Runtime;
using FlowConnectors.Engine.Stimuli;

namespace FlowConnectors.Runtime;

/// <summary>What starting a flow gave: the instance, and its result when it ended within the wait.</summary>
public sealed record StartResult(string InstanceId, FlowRunResult? Result);

/// <summary>What asking to cancel an instance gave.</summary>
public enum CancelOutcome
{
    Cancelled,
    NotFound,
    AlreadyEnded,
}

/// <summary>Too many synchronous runs already wait for a slot (<see cref="RuntimeOptions.MaxQueuedRuns"/>): answer 503.</summary>
public sealed class RunQueueFullException() : Exception("the server is busy: too many runs are waiting; try again later");

/// <summary>
/// The durable runtime. Every instance is persisted when created (a synchronous run once it outlasts
/// <see cref="RuntimeOptions.RunVisibleAfter"/>), at every suspension and at its end, with its bookmarks and
/// the timers of its Delay bookmarks in the same transaction; one worker at a time runs it (a lease owned by
/// <c>{node id}/{process}</c>); stimuli find bookmarks by hash and wait in the inbox when they arrive before
/// their bookmark. Every run executes under the run limits (<see cref="RunLimiter"/>) and within its
/// wall-clock budget (<see cref="RuntimeOptions.RunTimeout"/>).
/// Delivery guarantee: a node runs at least once — after a crash, work since the last save runs again;
/// an instance whose runs killed the process <see cref="RuntimeOptions.MaxCrashRecoveries"/> times is
/// faulted as poisoned instead.
/// </summary>
public sealed partial class WorkflowHost(
    IFlowStore flows,
    IInstanceStore instances,
    IInboxStore inbox,
    ITriggerStore triggers,
    ConnectorRuntime connectors,
    Lazy<IDurableTimers> timers,
    ActivityRegistry registry,
    IServiceProvider services,
    RuntimeOptions options,
    NodeIdentity identity,
    RunLimiter limiter,
    TimeProvider clock,
    ILogger<WorkflowHost> logger)
{
    private readonly ConcurrentDictionary<(string, int), CompiledFlow> _compiled = new();
    // Published version per flow, re-read after a few seconds so another process's publish is seen.
    private readonly ConcurrentDictionary<string, (int Version, DateTimeOffset ReadAt)> _published = new(StringComparer.Ordinal);
    private static readonly TimeSpan PublishedCacheTime = TimeSpan.FromSeconds(5);
    // Instances this process runs now: one run per instance here, and what cancels it.
    private readonly ConcurrentDictionary<string, ActiveRun> _running = new(StringComparer.Ordinal);
    private readonly string _owner = identity.LeaseOwner;
    // A full or unreachable database fails every run's save alike: one line per interval, with a count, not one per instance.
    private readonly ThrottledLog _storeFailureLog = new(clock);
    private FlowEngine? _engine;
    // Set once the node hands its work back: stored instances are no longer taken here.
    private volatile bool _stopping;

    /// <summary>One run in this process: cancelled through the API, or stopped by its budget.</summary>
    private sealed class ActiveRun : IDisposable
    {
        // One source for both (not two and a linked third per run): a cancel is told from the budget by the flag it sets first.
        private readonly CancellationTokenSource _source = new();
        private volatile bool _cancelRequested;

        public CancellationToken Token => _source.Token;
        /// <summary>True when the budget, not a cancel, stopped the run.</summary>
        public bool BudgetExceeded => _source.IsCancellationRequested && !_cancelRequested;

        /// <summary>Starts the run's wall-clock budget.</summary>
        public void StartBudget(TimeSpan budget) => _source.CancelAfter(budget);
        /// <summary>True once the instance is stored leased to this process (the heartbeat renews the lease).</summary>
        public volatile bool Leased;
        /// <summary>Handed back as the node stops: another node runs it from its last save, so this run's result is dropped.</summary>
        public volatile bool HandedBack;
        /// <summary>True once this run is counted in the instance's run attempts (taken back when it is handed back or runs nothing: it did not die).</summary>
        public volatile bool AttemptCounted;
        /// <summary>True once the engine was started on the instance.</summary>
        public volatile bool Ran;

        public void RequestCancel()
        {
            _cancelRequested = true;
            try { _source.Cancel(); }
            catch (ObjectDisposedException) { /* the run has just ended */ }
        }

        public void Dispose() => _source.Dispose();
    }

    public FlowEngine Engine => _engine ??= new FlowEngine(new FlowEngineOptions
    {
        Registry = registry,
        Flows = new StoreFlowProvider(flows),
        Clock = clock,
        Services = services,
        YieldAfter = InlineSlice,
    });

    /// <summary>
    /// How long a run a caller waits for may compute on the caller's own thread before it moves to the pool. A run
    /// that ends within it (a webhook's script and answer: well under a millisecond) costs no thread-pool hop, no
    /// timer and no wait; a longer one is handed to the pool by the engine, and the caller's wait goes on as before.
    /// </summary>
    private static readonly TimeSpan InlineSlice = TimeSpan.FromMilliseconds(20);

    /// <summary>This process's lease owner name.</summary>
    public string LeaseOwner => _owner;

    /// <summary>How many runs this process executes or has queued now.</summary>
    public int ActiveRuns => _running.Count;

    /// <summary>Whether this process runs (or is about to run) the instance now.</summary>
    public bool IsRunningHere(string instanceId) => _running.ContainsKey(instanceId);

    public async Task<(CompiledFlow Flow, int Version)> CompileAsync(string flowId, int? version, CancellationToken ct)
    {
        if (version is null && _published.TryGetValue(flowId, out var published) && DateTimeOffset.UtcNow - published.ReadAt < PublishedCacheTime)
            version = published.Version;
        if (version is { } known && _compiled.TryGetValue((flowId, known), out var cached)) return (cached, known);
        var stored = version is null
            ? await flows.GetPublishedAsync(flowId, ct) ?? await flows.GetAsync(flowId, null, ct)
            : await flows.GetAsync(flowId, version, ct);
        if (stored is null) throw new NotFoundException(version is null ? $"flow '{flowId}' does not exist" : $"flow '{flowId}' has no version {version}");
        if (version is null) _published[flowId] = (stored.Version, DateTimeOffset.UtcNow);
        return (_compiled.GetOrAdd((flowId, stored.Version), _ => Engine.Compile(FlowJson.Parse(stored.Json))), stored.Version);
    }

    /// <summary>Forgets the cached published version of a flow (after a publish in this process).</summary>
    public void FlowPublished(string flowId) => _published.TryRemove(flowId, out _);

    /// <summary>Forgets every cached published version: another node's publish may have been missed (the change listener reconnected).</summary>
    public void ForgetPublishedVersions() => _published.Clear();

    /// <summary>
    /// Takes back, at start and before anything runs, the instances earlier processes of this node held:
    /// they are recovered at once instead of when their leases run out.
    /// </summary>
    public async Task ReclaimLeasesAsync(CancellationToken ct = default)
    {
        var released = await instances.ReleaseLeasesOfAsync(identity.NodeId, _owner, ct);
        if (released > 0) logger.LogInformation("node {Node} took back {Count} instances its previous process held", identity.NodeId, released);
    }

    /// <summary>
    /// Starts an instance and waits up to <paramref name="wait"/> for it to end or suspend; every start (a
    /// synchronous or asynchronous run, an HTTP endpoint, a webhook event, a schedule) goes through
    /// <see cref="RunUnderLeaseAsync"/>.
    /// <para>With no wait (asynchronous runs, webhook deliveries, schedules) the instance is persisted, leased to
    /// this process, before this returns; it runs in the background.</para>
    /// <para>With a wait (HTTP endpoint triggers, synchronous runs) a run that finishes, faults or suspends within
    /// <see cref="RuntimeOptions.RunVisibleAfter"/> is persisted once, in one transaction, before the answer; a
    /// longer one has its starting state persisted as running (leased to this process) at that point, so it is
    /// listed and can be cancelled, and is saved when it ends. The caller gets the result if it ends within the
    /// wait, else null (202) once the starting state is stored, while the run goes on within its budget. If the
    /// process dies before the starting state is stored nothing was acknowledged: the caller's retry is the
    /// redelivery.</para>
    /// </summary>
    public async Task<StartResult> StartAsync(string flowId, int? version, JsonObject? input, RunOptions runOptions, TimeSpan wait, CancellationToken ct)
    {
        var (flow, flowVersion) = await CompileAsync(flowId, version, ct);
        return await StartCompiledAsync(flow, flowVersion, input, runOptions, wait, ct);
    }

    /// <summary>The instance property holding the flow JSON a test run of a draft runs (its version is <see cref="DraftVersion"/>).</summary>
    public const string DraftFlowProperty = "designer.draft";
    /// <summary>The version number of instances started from a draft: not a stored version, so triggers never see it.</summary>
    public const int DraftVersion = 0;

    /// <summary>
    /// A test run of a draft: a real, durable instance (it may wait and resume) of a flow that is not a version, so
    /// nothing published changes; the draft's JSON travels in the instance, which resumes from it.
    /// Throws <see cref="FlowValidationException"/> when the draft has errors.
    /// </summary>
    public Task<StartResult> StartDraftAsync(FlowDefinition draft, JsonObject? input, TimeSpan wait, CancellationToken ct, Action<FlowInstanceState>? prepare = null)
    {
        var flow = Engine.Compile(draft);
        var properties = new Dictionary<string, string>(StringComparer.Ordinal) { [DraftFlowProperty] = FlowJson.Save(draft) };
        return StartCompiledAsync(flow, DraftVersion, input, new RunOptions { Properties = properties }, wait, ct, prepare);
    }

    /// <summary>The draft a test-run instance runs, or null for an instance of a stored version.</summary>
    public static FlowDefinition? DraftOf(FlowInstanceState state, int flowVersion) =>
        flowVersion == DraftVersion && state.Properties.TryGetValue(DraftFlowProperty, out var json) ? FlowJson.Parse(json) : null;

    private async Task<StartResult> StartCompiledAsync(CompiledFlow flow, int flowVersion, JsonObject? input, RunOptions runOptions, TimeSpan wait, CancellationToken ct,
        Action<FlowInstanceState>? prepare = null)
    {
        var state = Engine.CreateInstance(flow, input, runOptions);
        prepare?.Invoke(state);
        if (wait > TimeSpan.Zero && !limiter.HasRoom) throw new RunQueueFullException();
        // The starting state is made again from the same arguments when it is needed (the run outlasts VisibleAfter, or its save
        // fails): no copy of it is taken for every start. The caller's input and payload are not changed meanwhile: the state holds
        // its own copies, and this method returns only once the starting state is stored or the run has ended and been saved.
        var ticket = RunTicket.New(state, flow, flowVersion, storeFirst: wait <= TimeSpan.Zero,
            visibleAfter: options.RunVisibleAfter < wait ? options.RunVisibleAfter : wait,
            startingState: () =>
            {
                var again = Engine.RecreateInstance(flow, input, runOptions, state);
                prepare?.Invoke(again);
                return again;
            });
        var run = RunUnderLeaseAsync(ticket);
        // A run that goes on after this returns is the background's: its failure is logged by the run itself.
        if (run.IsCompleted) _ = run.Exception;
        else _ = run.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        // A run whose engine has ended is only being stored: the caller waits for that, with no timer.
        if (wait > TimeSpan.Zero && !ticket.Ran) await WaitForAsync(run, wait, ct);
        // Never acknowledged before the instance is stored: wait for its starting state (or for the run's end).
        if (!run.IsCompleted)
        {
            if (ticket.Ran && wait > TimeSpan.Zero) await run;
            else await Task.WhenAny(run, ticket.Stored.Task);
        }
        if (wait > TimeSpan.Zero && run.IsCompleted)
        {
            var outcome = await run;
            return new StartResult(state.InstanceId, outcome.Result is { Status: FlowStatus.Finished or FlowStatus.Faulted or FlowStatus.Cancelled } ended ? ended : null);
        }
        // Not stored: the run failed before its instance could be; the caller sees why.
        if (!ticket.IsStored) await run;
        return new StartResult(state.InstanceId, null);
    }

    /// <summary>True when <paramref name="run"/> ended within <paramref name="wait"/> (false also when the caller went away).</summary>
    private async Task<bool> WaitForAsync(Task run, TimeSpan wait, CancellationToken ct)
    {
        if (run.IsCompleted) return true;
        if (wait <= TimeSpan.Zero) return false;
        // One timer and one registration, no linked token source, delay task or WhenAny; a timeout or cancel ends the wait
        // without an exception (the run's own failure is the run's to report).
        await run.WaitAsync(wait, clock, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return run.IsCompleted;
    }

    /// <summary>
    /// Stores a run that ended before it was persisted, in one transaction. When that fails (the state cannot
    /// be serialized, say) after the run's side effects, the instance is stored faulted with the reason from
    /// its starting state, so a retry does not run them again unnoticed.
    /// </summary>
    /// <returns>The pending error-flow start stored with the fault, if any.</returns>
    private async Task<InboxMessage?> CreateFinishedAsync(CompiledFlow flow, FlowRunResult result, int flowVersion, Func<FlowInstanceState> startingState)
    {
        var errorFlow = result.State.Status == FlowStatus.Faulted ? ErrorFlowStartFor(flow, flowVersion, result.State, result.Secrets) : null;
        try
        {
            await instances.CreateAsync(result.State, flowVersion, result.Journal, CancellationToken.None, outbox: errorFlow);
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            var reason = UnsavedReason(e);
            if (!LoggedAsStoreFailure(result.State.InstanceId, e)) logger.LogError("instance {Instance}: {Reason}", result.State.InstanceId, reason);
            var faulted = startingState();
            faulted.Status = FlowStatus.Faulted;
            faulted.Fault = new FlowFault(null, null, reason);
            faulted.Queue.Clear();
            faulted.Bookmarks.Clear();
            faulted.UpdatedAt = clock.GetUtcNow();
            errorFlow = ErrorFlowStartFor(flow, flowVersion, faulted, result.Secrets, FlowFaultReport.UnsavedReason);
            await instances.CreateAsync(faulted, flowVersion, [], CancellationToken.None, outbox: errorFlow);
            MarkFaulted(result, reason);
            return errorFlow;
        }
        await AfterSaveAsync(result.State);
        return errorFlow;
    }

    /// <returns>True when <paramref name="e"/> is a store failure that passes (<see cref="IStoreFailures"/>): logged, or counted
    /// for the next line, as such.</returns>
    private bool LoggedAsStoreFailure(string instanceId, Exception e)
    {
        if ((services.GetService(typeof(IStoreFailures)) as IStoreFailures)?.TransientCause(e) is not { } cause) return false;
        if (_storeFailureLog.TryEnter(out var heldBack))
            logger.LogWarning("instance {Instance} could not be stored: {Cause}; {HeldBack} more runs failed so since the last such line. " +
                "Runs are refused (callers get 503) until the database has room or answers again", instanceId, cause, heldBack);
        return true;
    }

    private static string UnsavedReason(Exception e) =>
        $"the instance's state could not be saved after its run, so it was stopped instead of repeating its work: {e.Message}";

    private static void MarkFaulted(FlowRunResult result, string reason)
    {
        result.State.Status = FlowStatus.Faulted;
        result.State.Fault = new FlowFault(null, null, reason);
        result.State.Bookmarks.Clear();
        result.State.Queue.Clear();
    }

    /// <summary>
    /// Saves a finished run of a stored instance. The instance ended meanwhile (cancelled): the result is
    /// dropped. The save fails after the run's side effects: the instance is faulted with the reason
    /// (running it again would repeat them) — unless even that cannot be written (the database is down):
    /// then it throws, the lease is released and recovery runs the instance again later.
    /// </summary>
    /// <returns>Saved: false when the lease was taken over meanwhile (<see cref="LeaseLostException"/>): the result was
    /// dropped. ErrorFlow: the pending error-flow start stored with the fault, if any.</returns>
    private async Task<(bool Saved, InboxMessage? ErrorFlow, bool Acknowledged)> SaveResultAsync(CompiledFlow flow, int flowVersion, FlowRunResult result,
        ActiveRun active, long? acknowledges)
    {
        var errorFlow = result.State.Status == FlowStatus.Faulted ? ErrorFlowStartFor(flow, flowVersion, result.State, result.Secrets) : null;
        try
        {
            await instances.SaveAsync(result.State, result.Journal, CancellationToken.None, outbox: errorFlow, leaseOwner: _owner, processedMessageId: acknowledges);
            // The save gave the lease back unless the instance still runs.
            if (result.State.Status != FlowStatus.Running) active.Leased = false;
        }
        catch (LeaseLostException e)
        {
            // Under load the lease can run out before it is renewed; the node that took it over runs the instance from its
            // last save, and this run (possibly stopped as "lost" by the renewal) must not overwrite that as cancelled.
            // Its fault (if any) was not stored, so no error flow either: the run that counts reports its own.
            logger.LogWarning("instance {Instance}: {Message}", result.State.InstanceId, e.Message);
            return (false, null, false);
        }
        catch (InstanceEndedException e)
        {
            logger.LogInformation("instance {Instance}: the run's result was dropped: {Message}", result.State.InstanceId, e.Message);
            var ended = await instances.GetAsync(result.State.InstanceId);
            if (ended is not null)
            {
                result.State.Status = ended.State.Status;
                result.State.Fault = ended.State.Fault;
            }
            // Whoever ended it (a cancel, the host) decided about its error flow.
            return (true, null, false);
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            var reason = UnsavedReason(e);
            logger.LogError("instance {Instance}: {Reason}", result.State.InstanceId, reason);
            var unsaved = new FlowFault(null, null, reason);
            errorFlow = ErrorFlowStartFor(flow, flowVersion, result.State, result.Secrets, FlowFaultReport.UnsavedReason, unsaved);
            try
            {
                if (!await instances.EndAsync(result.State.InstanceId, FlowStatus.Faulted, unsaved, outbox: errorFlow)) errorFlow = null;
            }
            catch (Exception) when (e is not JsonException)
            {
                // Nothing can be written (the database is down): the lease runs out and the run is tried again.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
            }
            MarkFaulted(result, reason);
            return (true, errorFlow, false);
        }
        await AfterSaveAsync(result.State);
        return (true, errorFlow, acknowledges is not null);
    }

    /// <summary>
    /// Runs one stretch of an instance (from its start, a crash or a bookmark) under the run limits, within
    /// its budget. A background run goes to a pool thread; a run a caller waits for starts on the caller's thread and
    /// moves to the pool once it has computed for <see cref="InlineSlice"/>, so a script that computes for long holds
    /// neither the caller nor more threads than the limits allow. Cancelled while it waits for a slot, it ends
    /// cancelled without running.
    /// </summary>
    private async Task<FlowRunResult> RunEngineAsync(CompiledFlow flow, FlowInstanceState state, (string BookmarkId, JsonNode? Payload)? resume, ActiveRun active,
        bool inline)
    {
        IDisposable? slot = null;
        try
        {
            // A resume (a due timer, a callback, an event) is served before the new starts still waiting for a slot.
            try { slot = await limiter.AcquireAsync(state.FlowId, active.Token, resume: resume is not null); }
            catch (OperationCanceledException) { /* cancelled while queued: the engine ends it as cancelled at once */ }
            active.StartBudget(options.RunTimeout);
            Task<FlowRunResult> Stretch() => resume is { } r
                ? Engine.ResumeAsync(flow, state, r.BookmarkId, r.Payload, active.Token)
                : Engine.ContinueAsync(flow, state, active.Token);
            // A caller that waits for the run (a synchronous start, the worker or scheduler resuming a stored instance) starts it
            // on its own thread (the engine yields after InlineSlice); background starts go to the pool, so their callers move on at once.
            var result = await (inline ? Stretch() : Task.Run(Stretch, CancellationToken.None));
            if (active.BudgetExceeded
                && result.Status is FlowStatus.Cancelled or FlowStatus.Faulted)
            {
                result.State.Status = FlowStatus.Faulted;
                result.State.Fault = new FlowFault(result.State.Fault?.NodeId, result.State.Fault?.ActivityType,
                    $"the run was stopped: it exceeded its time budget of {options.RunTimeout} (FlowConnectors:RunTimeout)");
            }
            return result;
        }
        finally
        {
            slot?.Dispose();
        }
    }

    private async Task ForgetAsync(string instanceId, ActiveRun active)
    {
        _running.TryRemove(new KeyValuePair<string, ActiveRun>(instanceId, active));
        // A run handed back as the node stops, or one that found nothing to run, did not die: its attempt is taken back,
        // so hand-backs never poison an instance.
        if (active.Leased) await instances.ReleaseLeaseAsync(instanceId, _owner, CancellationToken.None, forgetAttempt: active.AttemptCounted && (active.HandedBack || !active.Ran));
        active.Dispose();
    }

    /// <summary>
    /// Runs or resumes one stored instance under its lease: through a bookmark (an event, a callback, a timer)
    /// or, without one, continuing its queued work (crash recovery). Busy when another worker (or another run in
    /// this process) holds the instance; no result when there is nothing to do.
    /// </summary>
    /// <param name="acknowledges">A stored stimulus this resume consumes: marked processed in the transaction that saves the
    /// run (<see cref="RunOutcome.Acknowledged"/>), so no separate write is needed for it.</param>
    public Task<RunOutcome> ExecuteAsync(string instanceId, (string BookmarkId, JsonNode? Payload)? resume, long? acknowledges = null) =>
        RunUnderLeaseAsync(RunTicket.ForStored(instanceId, resume, acknowledges));

    /// <summary>
    /// The one run path: every start, every resume and crash recovery come here. It takes the instance's lease
    /// (a new instance is created already leased, or, when a caller waits, stored leased once the run outlasts
    /// <see cref="RunTicket.VisibleAfter"/>; a stored one is leased and read back), runs it under the run limits
    /// and its budget, saves the result with its bookmarks, timers and journal, and releases the lease. For a
    /// stored instance the attempt is counted on disk before the run: one whose runs keep killing the process is
    /// faulted as poisoned after <see cref="RuntimeOptions.MaxCrashRecoveries"/> deaths instead of being run again.
    /// </summary>
    internal async Task<RunOutcome> RunUnderLeaseAsync(RunTicket ticket)
    {
        var active = new ActiveRun();
        if (!_running.TryAdd(ticket.InstanceId, active))
        {
            active.Dispose();
            ticket.Stored.TrySetResult();
            return new RunOutcome(null, true);
        }
        try
        {
            // 1. The lease, and the state and flow to run.
            FlowInstanceState state;
            CompiledFlow flow;
            var flowVersion = ticket.FlowVersion;
            var stored = false;
            if (ticket.NewState is { } created)
            {
                state = created;
                flow = ticket.Flow!;
                if (ticket.StoreFirst)
                {
                    // Created already leased to this process, so crash recovery cannot mistake it for abandoned.
                    await instances.CreateAsync(state, ticket.FlowVersion, [], CancellationToken.None, _owner, clock.GetUtcNow() + options.LeaseDuration);
                    stored = true;
                    active.Leased = true;
                    active.AttemptCounted = true;
                    ticket.MarkStored();
                }
            }
            else
            {
                // A stopping node has handed its work back: the other nodes take this instance.
                if (_stopping) return new RunOutcome(null, true);
                // Leased and counted in one statement, so the attempt is on disk before the run and a run that kills the
                // process is counted too; an attempt that runs nothing (below) is taken back when the lease is released.
                // The lease and the stored state come back from one statement.
                var found = await instances.TryLeaseAndGetAsync(ticket.InstanceId, _owner, clock.GetUtcNow(), options.LeaseDuration, countAttempt: true);
                if (found is null) return new RunOutcome(null, true);
                active.Leased = true;
                active.AttemptCounted = true;
                state = found.State;
                if (ticket.Resume is { } r)
                {
                    if (state.Status != FlowStatus.Suspended || state.Bookmarks.All(b => b.Id != r.BookmarkId)) return new RunOutcome(null, false);
                }
                else if (state.Status != FlowStatus.Running) return new RunOutcome(null, false);
                // Runs started since the last save that never saved, this one aside: each one's process died (or its save failed).
                var deaths = Math.Max(0, found.RunAttempts - 1);
                flowVersion = found.FlowVersion;
                if (deaths >= options.MaxCrashRecoveries)
                {
                    await QuarantineAsync(state, flowVersion, ticket.Resume, deaths);
                    return new RunOutcome(null, false);
                }
                flow = DraftOf(state, found.FlowVersion) is { } draft
                    ? Engine.Compile(draft)
                    : (await CompileAsync(state.FlowId, found.FlowVersion, CancellationToken.None)).Flow;
                // A run again after a crash: the journal says first what it may send again (the run since the last save left no record).
                if (deaths > 0) await NoteRecoveryAsync(flow, state, ticket.Resume, deaths);
                stored = true;
            }

            // 2. The run. A new instance a caller waits for is stored as running (its starting state, made again) once the run
            // outlasts VisibleAfter.
            active.Ran = true;
            // A resume's caller (the inbox worker, the scheduler) waits for it anyway: it runs on that thread, with no hop to the pool
            // while it holds a run slot (the engine still yields after InlineSlice).
            var run = RunEngineAsync(flow, state, ticket.Resume, active, inline: ticket.CallerWaits || ticket.Resume is not null);
            if (!stored && !await WaitForAsync(run, ticket.VisibleAfter, CancellationToken.None))
            {
                try
                {
                    await instances.CreateAsync(ticket.StartingState!(), ticket.FlowVersion, [], CancellationToken.None, _owner,
                        clock.GetUtcNow() + options.LeaseDuration);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Nothing was acknowledged: the run stops, and the caller sees the error.
                    active.RequestCancel();
                    await run;
                    throw;
                }
                stored = true;
                active.Leased = true;
                active.AttemptCounted = true;
                ticket.MarkStored();
            }
            var result = await run;
            ticket.MarkRan();
            if (active.HandedBack)
            {
                logger.LogInformation("instance {Instance} was handed back as this node stops; another node resumes it from its last save", ticket.InstanceId);
                // Busy: the stimulus that resumed it stays pending (or its timer is retried) for the node that takes it over.
                return new RunOutcome(null, true);
            }
            // Which node ran this segment, in the instance's history.
            foreach (var entry in result.Journal) entry.RunBy ??= identity.NodeId;

            // 3. The save (dropped when another node took the instance over: it runs it from the last save).
            InboxMessage? errorFlow;
            var acknowledged = false;
            if (stored)
            {
                var (saved, savedErrorFlow, savedAcknowledged) = await SaveResultAsync(flow, flowVersion, result, active, ticket.Acknowledges);
                if (!saved) return new RunOutcome(null, true);
                errorFlow = savedErrorFlow;
                acknowledged = savedAcknowledged;
            }
            else errorFlow = await CreateFinishedAsync(flow, result, ticket.FlowVersion, ticket.StartingState!);
            // Stored with the fault: started now, or by the inbox worker if this process dies first.
            await StartErrorFlowNowAsync(errorFlow);
            return new RunOutcome(result, false, acknowledged);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (!LoggedAsStoreFailure(ticket.InstanceId, e)) logger.LogError("instance {Instance} could not run: {Message}", ticket.InstanceId, e.Message);
            throw;
        }
        finally
        {
            // 4. The release.
            ticket.Stored.TrySetResult();
            await ForgetAsync(ticket.InstanceId, active);
        }
    }

    /// <summary>
    /// An instance whose runs killed the process <see cref="RuntimeOptions.MaxCrashRecoveries"/> times is faulted as
    /// poisoned instead of being run again, and its error flow (if any) starts once with reason <c>poisoned</c>.
    /// </summary>
    private async Task QuarantineAsync(FlowInstanceState state, int flowVersion, (string BookmarkId, JsonNode? Payload)? resume, int deaths)
    {
        var node = resume is { } at ? state.Bookmarks.First(b => b.Id == at.BookmarkId).NodeId : state.Queue.FirstOrDefault()?.NodeId ?? "(unknown)";
        var reason = $"poisoned: the process died {deaths} times while running node {node}; it is not run again";
        logger.LogError("instance {Instance} {Reason}", state.InstanceId, reason);
        var fault = new FlowFault(node, null, reason);
        InboxMessage? errorFlow = null;
        try
        {
            var flow = DraftOf(state, flowVersion) is { } draft ? Engine.Compile(draft) : (await CompileAsync(state.FlowId, flowVersion, CancellationToken.None)).Flow;
            errorFlow = ErrorFlowStartFor(flow, flowVersion, state, [], FlowFaultReport.PoisonedReason, fault);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The quarantine itself never depends on the flow still compiling.
            logger.LogWarning("instance {Instance}: its error flow cannot be started for the quarantine: {Error}", state.InstanceId, e.Message);
        }
        if (await instances.EndAsync(state.InstanceId, FlowStatus.Faulted, fault, outbox: errorFlow)) await StartErrorFlowNowAsync(errorFlow);
    }

    private async Task NoteRecoveryAsync(CompiledFlow flow, FlowInstanceState state, (string BookmarkId, JsonNode? Payload)? resume, int deaths)
    {
        try
        {
            var resumed = resume is { } r ? state.Bookmarks.Find(b => b.Id == r.BookmarkId) : null;
            var again = InstanceRetry.MayRunAgain(flow, state, resumed?.NodeId, resumed?.ScopeId, services);
            var now = clock.GetUtcNow();
            await instances.AppendJournalAsync(state.InstanceId, [new JournalEntry
            {
                NodeId = "@recovery", ActivityType = "Recovery", StartedAt = now, Outcome = "recovery", RunBy = identity.NodeId,
                Outputs = new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
                {
                    ["deaths"] = deaths,
                    ["summary"] = $"the run since the last save stopped {deaths} time(s) without saving; it runs again from there, and these nodes may send their calls again",
                    ["sentAgain"] = new JsonArray(again.Where(a => a.SideEffects != SideEffects.None).Select(a => (JsonNode)a.ToJson()).ToArray()),
                    ["unsafeNodes"] = new JsonArray(again.Where(a => a.SideEffects == SideEffects.Unsafe).Select(a => (JsonNode)JsonValue.Create(a.NodeId)).ToArray()),
                },
            }]);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The note helps a reader; it never stops the recovery itself.
            logger.LogWarning("instance {Instance}: could not note what its recovery runs again: {Error}", state.InstanceId, e.Message);
        }
    }

    /// <summary>New bookmarks: wake the scheduler for Delay timers (stored with the instance) and release stimuli that were waiting for them.</summary>
    private async Task AfterSaveAsync(FlowInstanceState state)
    {
        if (state.Status is FlowStatus.Finished or FlowStatus.Faulted or FlowStatus.Cancelled) return;
        var expiredBefore = clock.GetUtcNow() - options.EventRetention;
        foreach (var bookmark in state.Bookmarks)
        {
            if (registry.ReadStimulus(bookmark) is TimerStimulus timer)
            {
                // A timer's stimulus is its timer row, never an inbox message: nothing can wait for it there.
                timers.Value.TimerStored(timer.ResumeAt);
                continue;
            }
            foreach (var waiting in await inbox.ListWaitingAsync(bookmark.Hash))
            {
                // An event kept past its retention is not handed to an instance that started waiting since.
                if (waiting.Kind == EventStimulus.BookmarkName && waiting.ReceivedAt < expiredBefore)
                    await inbox.SetStatusAsync(waiting.Id, InboxStatus.Expired, "nobody waited for this event within its retention time", null);
                else
                    await inbox.SetStatusAsync(waiting.Id, InboxStatus.Pending, null, null);
            }
        }
    }

    /// <summary>
    /// Delivers a stored stimulus, or leaves it waiting for its bookmark. A failed attempt is counted; after
    /// <see cref="RuntimeOptions.MaxDeliveryAttempts"/> the message is dead-lettered with its reason
    /// (<c>GET /api/inbox/dead-letters</c>) instead of being tried forever.
    /// </summary>
    /// <param name="target">The one bookmark the stimulus resumes, when whoever stored it has just found it (a callback): no lookup by hash.</param>
    public async Task ProcessInboxMessageAsync(InboxMessage message, (string InstanceId, string BookmarkId)? target = null)
    {
        try
        {
            if (message.Kind == "webhook") await ProcessWebhookAsync(message);
            else if (message.Kind == ErrorFlowKind) await ProcessErrorFlowStartAsync(message);
            else await DeliverStimulusAsync(message, target);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var attempts = message.Attempts + 1;
            var deadLetter = attempts >= options.MaxDeliveryAttempts;
            logger.LogError("inbox message {Message} failed (attempt {Attempt} of {Max}): {Error}", message.Id, attempts, options.MaxDeliveryAttempts, e.Message);
            await inbox.UpdateAsync(message.Id, deadLetter ? InboxStatus.DeadLettered : InboxStatus.Pending,
                deadLetter ? $"dead-lettered after {attempts} failed attempts: {e.Message}" : e.Message, null);
        }
    }

    /// <summary>
    /// An event resumes every instance waiting for it (its name and correlation id) when it is processed; one
    /// nobody waits for is kept for <see cref="RuntimeOptions.EventRetention"/>. A callback resumes its one
    /// instance. An instance busy at that moment gets its own copy of the event, retried until it is free.
    /// </summary>
    private async Task DeliverStimulusAsync(InboxMessage message, (string InstanceId, string BookmarkId)? target = null)
    {
        if (StimulusCheck.Problem(message.Payload, options.MaxPayloadDepth, options.MaxPayloadBytes) is { } problem)
        {
            await inbox.SetStatusAsync(message.Id, InboxStatus.DeadLettered, $"refused: {problem.Message} ({problem.Path})", null);
            return;
        }
        if (target is { } known && message.Kind != EventStimulus.BookmarkName)
        {
            // A callback stored by this node with the bookmark it found: resumed without the lookup, acknowledged by the save.
            var (resumed, busyNow, acknowledgedNow) = await ExecuteAsync(known.InstanceId, (known.BookmarkId, message.Payload?.DeepClone()), message.Id);
            if (acknowledgedNow) return;
            if (busyNow)
            {
                await inbox.SetStatusAsync(message.Id, InboxStatus.Pending, null, null);
                return;
            }
            if (resumed is not null)
            {
                await inbox.SetStatusAsync(message.Id, InboxStatus.Processed, null, known.InstanceId);
                return;
            }
            // The bookmark went meanwhile (another callback for it, a cancel): the lookup below decides, as for any stimulus.
        }
        var targeted = message.Kind == EventStimulus.BookmarkName ? message.InstanceId : null;
        var matches = (await instances.FindBookmarksAsync(message.Hash))
            .Where(m => targeted is null || m.InstanceId == targeted)
            .DistinctBy(m => m.InstanceId)
            .ToList();
        if (matches.Count == 0)
        {
            if (targeted is not null)
            {
                await inbox.SetStatusAsync(message.Id, InboxStatus.Processed, "the instance no longer waited for it", null);
                return;
            }
            await inbox.SetStatusAsync(message.Id, InboxStatus.Waiting, null, null);
            // A bookmark saved between the lookup and now released the waiting messages before this one was
            // among them: look once more, so the message is not left waiting beside its bookmark.
            if ((await instances.FindBookmarksAsync(message.Hash)).Count > 0) await inbox.SetStatusAsync(message.Id, InboxStatus.Pending, null, null);
            return;
        }
        // A callback's one instance: the message is marked processed in the transaction that saves the resume.
        long? acknowledges = matches.Count == 1 && message.Kind != EventStimulus.BookmarkName ? message.Id : null;
        string? first = null;
        var busy = new List<string>();
        foreach (var match in matches)
        {
            var (result, isBusy, acknowledged) = await ExecuteAsync(match.InstanceId, (match.BookmarkId, message.Payload?.DeepClone()), acknowledges);
            if (acknowledged) return;
            if (isBusy) busy.Add(match.InstanceId);
            else if (result is not null) first ??= match.InstanceId;
        }
        if (busy.Count > 0 && message.Kind != EventStimulus.BookmarkName)
        {
            // Another worker holds the instance right now; try again on the next pass.
            await inbox.SetStatusAsync(message.Id, InboxStatus.Pending, null, null);
            return;
        }
        foreach (var instance in busy.Where(b => b != targeted))
            await inbox.AddAsync(new InboxMessage
            {
                Kind = message.Kind,
                Hash = message.Hash,
                Payload = message.Payload?.DeepClone(),
                ReceivedAt = message.ReceivedAt,
                InstanceId = instance,
            });
        if (targeted is not null && busy.Contains(targeted)) await inbox.SetStatusAsync(message.Id, InboxStatus.Pending, null, null);
        else await inbox.SetStatusAsync(message.Id, InboxStatus.Processed, null, first);
    }

    /// <summary>
    /// A verified webhook delivery: the connector's event flow maps it to the card's outputs, then the
    /// automation's flow starts with them as its trigger payload (<c>{ "event": outputs }</c>).
    /// </summary>
    private async Task ProcessWebhookAsync(InboxMessage message)
    {
        var trigger = (await triggers.FindByHashAsync(message.Hash)).FirstOrDefault();
        if (trigger is null)
        {
            await inbox.UpdateAsync(message.Id, InboxStatus.Failed, "the automation was deactivated before the delivery was processed", null);
            return;
        }
        var headers = message.Headers.ToDictionary(h => h.Key, h => (string?)h.Value ?? "", StringComparer.OrdinalIgnoreCase);
        var (check, run) = await connectors.Webhooks.HandleWebhookAsync((string)trigger.Config["connector"]!, (string)trigger.Config["card"]!,
            (string)trigger.Config["connectionId"]!, headers, [], message.Body, trigger.Config["options"] as JsonObject);
        if (!check.IsValid || run is null || run.Status != FlowStatus.Finished)
        {
            await inbox.UpdateAsync(message.Id, InboxStatus.Failed, check.Reason ?? run?.Fault?.Message ?? "the event flow did not finish", null);
            return;
        }
        var started = await StartAsync(trigger.FlowId, null, null, new RunOptions
        {
            TriggerPayload = new JsonObject { ["event"] = run.OutputsAsJson(), ["automation"] = trigger.Config["automation"]?.DeepClone() },
        }, TimeSpan.Zero, CancellationToken.None);
        await inbox.UpdateAsync(message.Id, InboxStatus.Processed, null, started.InstanceId);
    }

    /// <summary>A due timer resumes its bookmark; when another worker holds the instance it throws, so the scheduler retries.</summary>
    public async Task FireTimerAsync(TimerRecord timer)
    {
        if (timer.InstanceId is not { } instance || timer.BookmarkId is not { } bookmark) return;
        var busy = (await ExecuteAsync(instance, (bookmark, null))).Busy;
        if (busy && (await instances.GetAsync(instance))?.State.Bookmarks.Any(b => b.Id == bookmark) == true)
            throw new InvalidOperationException($"instance {instance} is busy; the timer will be retried");
    }

    /// <summary>
    /// Cancels an instance that has not ended, whatever it is doing: waiting, queued, or running here or on
    /// another node (its state is ended in the database, which a worker cannot overwrite; a run in this
    /// process is stopped at once, one on another node when that node next renews its lease).
    /// </summary>
    /// <param name="by">Who cancels it (a user, an API key's owner): recorded in the instance's history.</param>
    public async Task<CancelOutcome> CancelAsync(string instanceId, CancellationToken ct, string? by = null)
    {
        var ended = await instances.EndAsync(instanceId, FlowStatus.Cancelled, new FlowFault(null, null, by is null ? "the instance was cancelled" : $"the instance was cancelled by {by}"), ct,
            new InstanceChange(clock.GetUtcNow(), "cancel", by));
        var local = _running.TryGetValue(instanceId, out var active);
        if (local) active!.RequestCancel();
        if (ended) return CancelOutcome.Cancelled;
        var stored = await instances.GetAsync(instanceId, ct);
        // Not stored yet: a synchronous run in its first moments, which now ends (and is stored) as cancelled.
        if (stored is null) return local ? CancelOutcome.Cancelled : CancelOutcome.NotFound;
        return CancelOutcome.AlreadyEnded;
    }

    /// <summary>
    /// Keeps the leases of this process's runs from running out, and stops runs whose instance was ended
    /// (cancelled through another node) or taken over meanwhile.
    /// </summary>
    public async Task RenewLeasesAsync(CancellationToken ct)
    {
        // The runs themselves, not only their instances: by the time the store answers, a run may have saved and let its lease
        // go, and the next run of the same instance here (its resume) have taken a lease of its own, which this answer says
        // nothing about. Stopping that one would end a healthy run as cancelled, and its save (its lease is valid) would
        // store it so.
        var held = _running.Where(r => r.Value.Leased).ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        if (held.Count == 0) return;
        foreach (var lost in await instances.RenewLeasesAsync(_owner, held.Keys, clock.GetUtcNow() + options.LeaseDuration, ct))
        {
            if (!held.TryGetValue(lost, out var active) || !active.Leased) continue;
            if (!_running.TryGetValue(lost, out var current) || !ReferenceEquals(current, active)) continue;
            logger.LogInformation("instance {Instance} ended or was taken over elsewhere; its run here stops", lost);
            active.RequestCancel();
        }
    }

    /// <summary>How many runs of stored instances (leased to this process) are going on now.</summary>
    public int LeasedRuns => _running.Count(r => r.Value.Leased);

    /// <summary>
    /// The node stops: every run of a stored instance still going is stopped and its result dropped, so the lease
    /// can be handed back (<see cref="IRunQueue.HandBackAsync"/>) and another node resume the instance from its
    /// last save at once. A step that was under way runs again there (at least once per node, as after a crash).
    /// </summary>
    public void AbandonLeasedRuns()
    {
        _stopping = true;
        foreach (var (_, active) in _running)
        {
            if (!active.Leased) continue;
            active.HandedBack = true;
            active.RequestCancel();
        }
    }

    /// <summary>Stores again the timers of suspended instances that lack them, and wakes the scheduler for them.</summary>
    public async Task RestoreMissingTimersAsync(CancellationToken ct)
    {
        var restored = await instances.RestoreMissingTimersAsync(ct);
        if (restored.Count == 0) return;
        logger.LogWarning("restored {Count} missing Delay timers", restored.Count);
        foreach (var timer in restored) timers.Value.TimerStored(timer.DueAt);
    }
}

public sealed class NotFoundException(string message) : Exception(message);

/// <summary>What a run under lease gave: its result, or busy when another worker held the instance; Acknowledged when the stimulus it
/// consumed was marked processed with its save.</summary>
public sealed record RunOutcome(FlowRunResult? Result, bool Busy, bool Acknowledged = false);

/// <summary>
/// What <see cref="WorkflowHost.RunUnderLeaseAsync"/> runs: a new instance with its state in hand (stored before
/// the run, or once it outlasts <see cref="VisibleAfter"/>), or a stored one by id, resumed through a bookmark or
/// continued (crash recovery).
/// </summary>
internal sealed class RunTicket
{
    private RunTicket(string instanceId) => InstanceId = instanceId;

    public string InstanceId { get; }
    public FlowInstanceState? NewState { get; private init; }
    public CompiledFlow? Flow { get; private init; }
    public int FlowVersion { get; private init; }
    public bool StoreFirst { get; private init; }
    public TimeSpan VisibleAfter { get; private init; }
    /// <summary>A caller waits for this run's result (a synchronous start): the run starts on the caller's thread.</summary>
    public bool CallerWaits { get; private init; }
    public (string BookmarkId, JsonNode? Payload)? Resume { get; private init; }
    /// <summary>A new instance's starting state, made again (the run changes <see cref="NewState"/>).</summary>
    public Func<FlowInstanceState>? StartingState { get; private init; }
    /// <summary>The stored stimulus marked processed with this run's save.</summary>
    public long? Acknowledges { get; private init; }
    /// <summary>Set once the instance is stored (or the run is over): a caller may acknowledge it then.</summary>
    public TaskCompletionSource Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>True once this run stored the new instance (leased to it).</summary>
    public bool IsStored => Volatile.Read(ref _stored);
    private bool _stored;

    /// <summary>True once the engine's run has ended (its result is being stored).</summary>
    public bool Ran => Volatile.Read(ref _ran);
    private bool _ran;

    public void MarkRan() => Volatile.Write(ref _ran, true);

    public void MarkStored()
    {
        Volatile.Write(ref _stored, true);
        Stored.TrySetResult();
    }

    public static RunTicket New(FlowInstanceState state, CompiledFlow flow, int flowVersion, bool storeFirst, TimeSpan visibleAfter,
        Func<FlowInstanceState> startingState) =>
        new(state.InstanceId)
        {
            NewState = state, Flow = flow, FlowVersion = flowVersion, StoreFirst = storeFirst, VisibleAfter = visibleAfter, CallerWaits = !storeFirst,
            StartingState = startingState,
        };

    public static RunTicket ForStored(string instanceId, (string BookmarkId, JsonNode? Payload)? resume, long? acknowledges = null) =>
        new(instanceId) { Resume = resume, Acknowledges = acknowledges };
}
