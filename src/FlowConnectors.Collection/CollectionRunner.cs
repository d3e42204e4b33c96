using System.Diagnostics;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Collection;

/// <summary>
/// Runs one import: the connector's <c>collectUsers</c> flow with its connection, each page handed to
/// the store as it arrives (so memory stays bounded by one page), counters kept in a
/// <see cref="CollectionRun"/> that is saved as it goes. A failed run keeps what it stored and says
/// where it stopped. The flow runs without a journal: an import of a million users must not keep
/// every page in memory.
/// </summary>
public sealed class CollectionRunner(ConnectorRuntime runtime, ICollectionStore store, TimeProvider clock)
{
    /// <summary>How often the counters of a running import are written to the store.</summary>
    public TimeSpan SaveInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A run collecting fewer users than this share (percent) of the last good run is suspicious; 0: never.</summary>
    public int SuspiciousBelowPercent { get; init; } = CollectionSource.DefaultSuspiciousBelowPercent;

    /// <summary>True when the run's cancellation came from a user (the run ends cancelled), not from the server stopping (failed).</summary>
    public Func<bool>? CancelledByUser { get; init; }

    /// <summary>
    /// The page limit of a run whose template sets none: three times the pages of the last good run (at least 100), so a
    /// vendor that never stops ends in an error within minutes; for a first run, <see cref="TemplateCompiler.DefaultMaxPages"/>.
    /// </summary>
    public static int MaxPagesFor(CollectionRun? lastGood) =>
        lastGood is null || lastGood.Pages == 0 ? TemplateCompiler.DefaultMaxPages : Math.Max(100, lastGood.Pages * 3 + 10);

    /// <summary>The users a finished run is compared with: its own count, or for runs older than the count, what it stored.</summary>
    private static int UsersOf(CollectionRun run) => run.Users > 0 ? run.Users : run.Inserted + run.Updated;

    /// <summary>Creates the run record (status running) without starting it, so callers can answer with its id at once.</summary>
    public async Task<CollectionRun> CreateRunAsync(string connectorKey, string trigger, CancellationToken ct = default)
    {
        // A run's start is the time its users are marked as seen: whole milliseconds (PostgreSQL keeps microseconds), and
        // always after the previous run's, so the users of two runs are never mistaken for each other.
        var now = clock.GetUtcNow();
        var started = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
        if ((await store.ListRunsAsync(connectorKey, 1, ct)).FirstOrDefault() is { } previous && started <= previous.StartedAt)
            started = previous.StartedAt.AddMilliseconds(1);
        var run = new CollectionRun
        {
            Id = Guid.NewGuid().ToString("N"),
            ConnectorKey = connectorKey,
            Trigger = trigger,
            StartedAt = started,
        };
        await store.SaveRunAsync(run, ct);
        return run;
    }

    /// <summary>
    /// Runs an import created by <see cref="CreateRunAsync"/>; never throws for a vendor or flow failure — the run
    /// says what happened. <paramref name="finishing"/> runs just before the final state is stored, so whoever
    /// sees the run finished can start the next one at once.
    /// </summary>
    public async Task<CollectionRun> RunAsync(CollectionRun run, string connectionId, Action<CollectionRun>? progress = null, CancellationToken ct = default,
        Action? finishing = null)
    {
        var tracker = new Tracker(run, store, SaveInterval, progress, ct, CancelMessage);
        var watch = Stopwatch.StartNew();
        string? error = null;
        var lastGood = (await store.ListRunsAsync(run.ConnectorKey, 200, ct))
            .FirstOrDefault(r => r.Id != run.Id && r.Status == CollectionRunStatus.Succeeded);
        try
        {
            var loaded = runtime.Installed.PackageAndServices(run.ConnectorKey);
            var flow = loaded.Package.FindFlow(TemplateCompiler.CollectFlow)
                       ?? throw new ConnectorException($"connector '{run.ConnectorKey}' has no {TemplateCompiler.CollectFlow} flow; it was not made from a template");
            var connection = await runtime.Connections.GetConnectionAsync(connectionId, ct);
            if (connection.ConnectorKey != run.ConnectorKey)
                throw new ConnectorException($"connection '{connectionId}' belongs to connector '{connection.ConnectorKey}', not '{run.ConnectorKey}'");
            if (connection.Status == ConnectionStatus.Deauthorized)
                throw new ConnectorException($"connection '{connectionId}' is deauthorized");
            var engine = new FlowEngine(new FlowEngineOptions
            {
                Registry = CollectionActivities.Registry,
                Flows = loaded.Package.FlowProvider,
                Clock = clock,
                Services = new SinkServices(loaded.Services, tracker),
                // Two steps per page; the template's maxPages is the real guard.
                MaxSteps = long.MaxValue,
                Journal = false,
                // Nobody reads an import's log (its run history says what happened), and the HTTP activity
                // logs a line per page: keep none, so memory does not grow with the pages.
                MaxLogEntries = 0,
            });
            var properties = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [ConnectorRuntime.ConnectorProperty] = run.ConnectorKey,
                [ConnectorRuntime.ConnectionProperty] = connectionId,
                [StoreUsers.RunProperty] = run.Id,
                // Collection is bulk: interactive runs and events using the same connection go first.
                [Connectors.Budgets.BudgetLanes.Property] = Connectors.Budgets.BudgetLanes.Name(Connectors.Budgets.BudgetLane.Bulk),
            };
            // Connectors compiled before the page limit became an input have it in the flow itself.
            var input = flow.Definition.Inputs.Any(i => i.Name == "maxPages") ? new JsonObject { ["maxPages"] = MaxPagesFor(lastGood) } : null;
            var result = await engine.RunAsync(engine.Compile(flow.Definition), input, new RunOptions { Properties = properties }, ct);
            if (result.Status != FlowStatus.Finished)
                error = result.Fault is { } fault ? (fault.NodeId is null ? fault.Message : $"{fault.NodeId}: {fault.Message}") : $"the collection flow ended {result.Status.ToString().ToLowerInvariant()}";
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            error = CancelMessage();
        }
        catch (ConnectorException e)
        {
            error = e.Message;
        }
        catch (Engine.Flows.FlowValidationException e)
        {
            error = $"the {TemplateCompiler.CollectFlow} flow is invalid: {e.Message}";
        }
        var current = await tracker.CompleteAsync();
        // A page that could not be stored ends the run with that reason, whatever the flow said after it.
        if (tracker.Failure is { } failure) error = failure;
        // A cancelled flow may end as a fault of the node that was waiting: the cancellation is the reason.
        if (error is not null && ct.IsCancellationRequested) error = CancelMessage();
        var status = error is null ? CollectionRunStatus.Succeeded
            : ct.IsCancellationRequested && CancelledByUser?.Invoke() == true ? CollectionRunStatus.Cancelled
            : CollectionRunStatus.Failed;
        var users = 0;
        string? warning = null;
        try
        {
            users = await store.CountSeenAsync(run.ConnectorKey, run.StartedAt, CancellationToken.None);
            if (status == CollectionRunStatus.Succeeded)
            {
                // Compared with the last good run: far fewer users is more likely a broken template or vendor than a company
                // that halved overnight, so the previous data stays the visible one until a person confirms this run.
                if (lastGood is not null && SuspiciousBelowPercent > 0 && (long)users * 100 < (long)UsersOf(lastGood) * SuspiciousBelowPercent)
                {
                    status = CollectionRunStatus.Suspicious;
                    warning = $"collected {users} users, under {SuspiciousBelowPercent} % of the {UsersOf(lastGood)} of the last good run " +
                              $"({lastGood.StartedAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)} UTC); " +
                              "the previous data stays the visible one until this run is confirmed";
                }
                else await store.AcceptRunAsync(run.ConnectorKey, run.StartedAt, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            status = CollectionRunStatus.Failed;
            error ??= $"comparing the run with the last good one failed: {e.Message}";
        }
        var finished = current with
        {
            Status = status,
            FinishedAt = clock.GetUtcNow(),
            DurationMs = watch.ElapsedMilliseconds,
            Users = users,
            Error = error,
            Warning = warning,
            StoppedAt = error is null ? null : $"page {current.Pages + 1}, after {current.Pages} pages and {current.Inserted + current.Updated} users stored",
        };
        finishing?.Invoke();
        await store.SaveRunAsync(finished, CancellationToken.None);
        progress?.Invoke(finished);
        return finished;
    }

    /// <summary>
    /// Receives pages from the flow and stores them while the flow fetches the next ones. One write runs
    /// at a time; pages that arrive meanwhile wait (at most <see cref="MaxWaiting"/>, so memory stays
    /// bounded) and the next write stores all of them in one transaction — a commit costs as much as
    /// writing a page's rows, so a store slower than the vendor catches up instead of falling behind.
    /// Counters move only when a write has committed, so a failed run reports what it kept.
    /// </summary>
    private string CancelMessage() => CancelledByUser?.Invoke() == true ? "the import was cancelled by a user" : "the import was cancelled (the server stopped)";

    private sealed class Tracker(CollectionRun run, ICollectionStore store, TimeSpan saveInterval, Action<CollectionRun>? progress, CancellationToken ct,
        Func<string> cancelMessage) : ICollectionSink
    {
        // Pages are written in batches: a commit costs about as much as a page's rows, and each write
        // wakes a thread. At most MaxWaiting pages wait (memory stays bounded); a batch that does not
        // fill up is written after FlushAfter or when the run ends.
        private const int BatchPages = 4;
        private const int MaxWaiting = 8;
        private static readonly TimeSpan FlushAfter = TimeSpan.FromMilliseconds(200);

        private readonly record struct Page(int Number, int Records, int Filtered, int Skipped, IReadOnlyList<CollectedUser> Users);

        private readonly Lock _lock = new();
        private readonly Stopwatch _sinceSave = Stopwatch.StartNew();
        private readonly Stopwatch _elapsed = Stopwatch.StartNew();
        private List<Page> _waiting = [];
        private TaskCompletionSource? _room;
        private Task _writing = Task.CompletedTask;
        private bool _writerRunning;
        private int _flushGeneration;
        private bool _completing;
        private ICollectedUserWriter? _writer;
        private volatile string? _failure;

        public CollectionRun Current { get; private set; } = run;

        /// <summary>Why storing failed (the run fails with it), or null.</summary>
        public string? Failure => _failure;

        public async ValueTask StorePageAsync(string runId, int pageNumber, int records, int filtered, int skipped, IReadOnlyList<CollectedUser> users, CancellationToken cancellation)
        {
            if (runId != Current.Id) throw new Engine.Activities.ActivityFaultException($"run '{runId}' is not the import in progress");
            while (true)
            {
                Task room;
                lock (_lock)
                {
                    if (_failure is { } failure) throw new Engine.Activities.ActivityFaultException(failure);
                    if (_waiting.Count < MaxWaiting)
                    {
                        _waiting.Add(new Page(pageNumber, records, filtered, skipped, users));
                        if (_waiting.Count >= BatchPages) StartWriter();
                        else if (_waiting.Count == 1 && !_writerRunning) ScheduleFlush();
                        return;
                    }
                    _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    room = _room.Task;
                }
                await room.WaitAsync(cancellation);
            }
        }

        /// <summary>Stores every page handed over and waits for it.</summary>
        public async Task<CollectionRun> CompleteAsync()
        {
            while (true)
            {
                Task writing;
                lock (_lock)
                {
                    // From now on the writer writes whatever waits, batch full or not, until nothing does.
                    _completing = true;
                    if (_waiting.Count > 0 && _failure is null) StartWriter();
                    if (!_writerRunning) break;
                    writing = _writing;
                }
                await writing;
            }
            if (_writer is not null)
            {
                try
                {
                    await _writer.DisposeAsync();
                }
                catch (Exception e)
                {
                    _failure ??= $"closing the import's store connection failed: {e.Message}";
                }
            }
            return Current;
        }

        // Under _lock.
        private void StartWriter()
        {
            if (_writerRunning) return;
            _writerRunning = true;
            _writing = Task.Run(WriteAllAsync, CancellationToken.None);
        }

        // Under _lock: a slow vendor's pages are stored within FlushAfter even when no batch fills up.
        private void ScheduleFlush()
        {
            var generation = ++_flushGeneration;
            _ = Task.Delay(FlushAfter, CancellationToken.None).ContinueWith(_ =>
            {
                lock (_lock)
                    if (generation == _flushGeneration && _waiting.Count > 0) StartWriter();
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private async Task WriteAllAsync()
        {
            while (true)
            {
                List<Page> pages;
                lock (_lock)
                {
                    if (_waiting.Count == 0 || _failure is not null)
                    {
                        _waiting.Clear();
                        _writerRunning = false;
                        _room?.TrySetResult();
                        _room = null;
                        return;
                    }
                    pages = _waiting;
                    _waiting = [];
                    _flushGeneration++;
                    _room?.TrySetResult();
                    _room = null;
                }
                await WriteAsync(pages);
                lock (_lock)
                {
                    // Less than a batch waiting: leave it for the next batch, the flush or the end of the run.
                    if (_waiting.Count < BatchPages && !_completing && _failure is null)
                    {
                        _writerRunning = false;
                        if (_waiting.Count > 0) ScheduleFlush();
                        return;
                    }
                }
            }
        }

        private async Task WriteAsync(List<Page> pages)
        {
            try
            {
                var result = default(UpsertResult);
                if (pages.Any(p => p.Users.Count > 0))
                {
                    _writer ??= await store.OpenUserWriterAsync(Current.ConnectorKey, Current.StartedAt, ct);
                    // Page by page (in one transaction): a user delivered again on a later page is one more update, however pages were batched.
                    result = pages.Count == 1 ? await _writer.UpsertAsync(pages[0].Users, ct) : await _writer.UpsertPagesAsync(pages.Select(p => p.Users).ToList(), ct);
                }
                Current = Current with
                {
                    Pages = Math.Max(Current.Pages, pages.Max(p => p.Number)),
                    Records = Current.Records + pages.Sum(p => p.Records),
                    Filtered = Current.Filtered + pages.Sum(p => p.Filtered),
                    Skipped = Current.Skipped + pages.Sum(p => p.Skipped),
                    Inserted = Current.Inserted + result.Inserted,
                    Updated = Current.Updated + result.Updated,
                    DurationMs = _elapsed.ElapsedMilliseconds,
                };
                progress?.Invoke(Current);
                if (_sinceSave.Elapsed >= saveInterval)
                {
                    await store.SaveRunAsync(Current, ct);
                    _sinceSave.Restart();
                }
            }
            catch (OperationCanceledException)
            {
                _failure ??= cancelMessage();
            }
            catch (Exception e)
            {
                _failure ??= pages.Count == 1
                    ? $"storing page {pages[0].Number} failed: {e.Message}"
                    : $"storing pages {pages[0].Number}–{pages[^1].Number} failed: {e.Message}";
            }
        }
    }

    private sealed class SinkServices(IServiceProvider inner, ICollectionSink sink) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(ICollectionSink) ? sink : inner.GetService(serviceType);
    }
}
