using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Activities.Events;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;

namespace FlowConnectors.Server.Runtime;

/// <summary>What starting a flow gave: the instance, and its result when it ended within the wait.</summary>
internal sealed record StartResult(string InstanceId, FlowRunResult? Result);

/// <summary>
/// The durable runtime. Every instance is persisted when created, at every suspension and at its
/// end; one worker at a time runs it (a lease in the database); stimuli find bookmarks by hash and
/// wait in the inbox when they arrive before their bookmark; Delay bookmarks become timers.
/// Delivery guarantee: a node runs at least once — after a crash, work since the last save runs again.
/// </summary>
internal sealed class WorkflowHost(
    IFlowStore flows,
    IInstanceStore instances,
    IInboxStore inbox,
    ITimerStore timers,
    ITriggerStore triggers,
    ConnectorRuntime connectors,
    Lazy<SchedulerService> scheduler,
    ActivityRegistry registry,
    IServiceProvider services,
    ServerOptions options,
    TimeProvider clock,
    ILogger<WorkflowHost> logger)
{
    private readonly ConcurrentDictionary<(string, int), CompiledFlow> _compiled = new();
    // Published version per flow, re-read after a few seconds so another process's publish is seen.
    private readonly ConcurrentDictionary<string, (int Version, DateTimeOffset ReadAt)> _published = new(StringComparer.Ordinal);
    private static readonly TimeSpan PublishedCacheTime = TimeSpan.FromSeconds(5);
    private const string HasTimersProperty = "host.timers";
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);
    private readonly string _worker = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private FlowEngine? _engine;

    public FlowEngine Engine => _engine ??= new FlowEngine(new FlowEngineOptions
    {
        Registry = registry,
        Flows = new StoreFlowProvider(flows),
        Clock = clock,
        Services = services,
    });

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

    /// <summary>
    /// Starts an instance and waits up to <paramref name="wait"/> for it to end or suspend.
    /// <para>With no wait (asynchronous runs, webhook deliveries) the instance is persisted before it
    /// runs, then runs in the background.</para>
    /// <para>With a wait (HTTP endpoint triggers, synchronous runs) it runs inline on the caller's
    /// thread. A run that finishes, faults or suspends within the wait is persisted once, in one
    /// transaction (instance, bookmarks, journal), before the answer; a run that outlasts the wait
    /// has its starting state persisted (leased to this worker) before the 202 and is saved when it
    /// ends. If the process dies during the inline part nothing was acknowledged: the caller sees
    /// no answer and its retry is the redelivery.</para>
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
        if (wait <= TimeSpan.Zero)
        {
            // Created already leased to this worker, so crash recovery cannot mistake it for abandoned.
            await instances.CreateAsync(state, flowVersion, [], ct, _worker, clock.GetUtcNow() + options.LeaseDuration);
            _ = Task.Run(() => RunCreatedAsync(flow, state), CancellationToken.None);
            return new StartResult(state.InstanceId, null);
        }
        // The starting state, kept as text in case the run outlasts the wait and must be persisted first.
        var startingState = state.ToJson();
        var cancellation = new CancellationTokenSource();
        _running[state.InstanceId] = cancellation;
        Task<FlowRunResult> run;
        try
        {
            run = Engine.ContinueAsync(flow, state, cancellation.Token);
        }
        catch
        {
            Forget(state.InstanceId, cancellation);
            throw;
        }
        if (!run.IsCompleted)
        {
            using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(ct);
            await Task.WhenAny(run, Task.Delay(wait, clock, stopWaiting.Token));
            // Cancels the wait's timer at once instead of leaving it to fire for nothing.
            await stopWaiting.CancelAsync();
        }
        if (!run.IsCompleted)
        {
            try
            {
                await instances.CreateAsync(FlowInstanceState.FromJson(startingState), flowVersion, [], CancellationToken.None, _worker,
                    clock.GetUtcNow() + options.LeaseDuration);
            }
            catch
            {
                await cancellation.CancelAsync();
                Forget(state.InstanceId, cancellation);
                throw;
            }
            _ = Task.Run(() => FinishAfterWaitAsync(run, state.InstanceId, cancellation), CancellationToken.None);
            return new StartResult(state.InstanceId, null);
        }
        try
        {
            var result = await run;
            // One transaction: the instance in its final (or suspended) state with its journal, no lease.
            await instances.CreateAsync(result.State, flowVersion, result.Journal, CancellationToken.None);
            await AfterSaveAsync(result.State);
            return new StartResult(state.InstanceId, result.Status is FlowStatus.Finished or FlowStatus.Faulted or FlowStatus.Cancelled ? result : null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError("instance {Instance} could not run: {Message}", state.InstanceId, e.Message);
            throw;
        }
        finally
        {
            Forget(state.InstanceId, cancellation);
        }
    }

    private void Forget(string instanceId, CancellationTokenSource cancellation)
    {
        _running.TryRemove(instanceId, out _);
        cancellation.Dispose();
    }

    /// <summary>Saves a run that outlasted the caller's wait; its starting state is already persisted and leased to us.</summary>
    private async Task FinishAfterWaitAsync(Task<FlowRunResult> run, string instanceId, CancellationTokenSource cancellation)
    {
        try
        {
            var result = await run;
            await instances.SaveAsync(result.State, result.Journal, CancellationToken.None);
            await AfterSaveAsync(result.State);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The lease is released below, so crash recovery runs the instance again from its starting state.
            logger.LogError("instance {Instance} could not run: {Message}", instanceId, e.Message);
        }
        finally
        {
            Forget(instanceId, cancellation);
            await instances.ReleaseLeaseAsync(instanceId, _worker);
        }
    }

    /// <summary>
    /// Runs an instance this worker just created: it is already leased to us and its state is in hand,
    /// so neither the lease nor the state is read back.
    /// </summary>
    private async Task<FlowRunResult?> RunCreatedAsync(CompiledFlow flow, FlowInstanceState state)
    {
        using var cancellation = new CancellationTokenSource();
        _running[state.InstanceId] = cancellation;
        try
        {
            var result = await Engine.ContinueAsync(flow, state, cancellation.Token);
            await instances.SaveAsync(result.State, result.Journal, CancellationToken.None);
            await AfterSaveAsync(result.State);
            return result;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError("instance {Instance} could not run: {Message}", state.InstanceId, e.Message);
            throw;
        }
        finally
        {
            _running.TryRemove(state.InstanceId, out _);
            await instances.ReleaseLeaseAsync(state.InstanceId, _worker);
        }
    }

    /// <summary>
    /// Runs or resumes one instance under its lease. With a bookmark it resumes through it; without,
    /// it continues queued work (a new instance, or one whose worker died). Null when another worker
    /// holds the instance or there is nothing to do.
    /// </summary>
    public async Task<FlowRunResult?> ExecuteAsync(string instanceId, (string BookmarkId, JsonNode? Payload)? resume)
    {
        if (!await instances.TryAcquireLeaseAsync(instanceId, _worker, clock.GetUtcNow(), options.LeaseDuration)) return null;
        using var cancellation = new CancellationTokenSource();
        _running[instanceId] = cancellation;
        try
        {
            var stored = await instances.GetAsync(instanceId);
            if (stored is null) return null;
            var state = stored.State;
            var flow = DraftOf(state, stored.FlowVersion) is { } draft
                ? Engine.Compile(draft)
                : (await CompileAsync(state.FlowId, stored.FlowVersion, CancellationToken.None)).Flow;
            FlowRunResult result;
            if (resume is { } r)
            {
                if (state.Status != FlowStatus.Suspended || state.Bookmarks.All(b => b.Id != r.BookmarkId)) return null;
                result = await Engine.ResumeAsync(flow, state, r.BookmarkId, r.Payload, cancellation.Token);
            }
            else
            {
                if (state.Status != FlowStatus.Running) return null;
                result = await Engine.ContinueAsync(flow, state, cancellation.Token);
            }
            await instances.SaveAsync(result.State, result.Journal, CancellationToken.None);
            await AfterSaveAsync(result.State);
            return result;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError("instance {Instance} could not run: {Message}", instanceId, e.Message);
            throw;
        }
        finally
        {
            _running.TryRemove(instanceId, out _);
            await instances.ReleaseLeaseAsync(instanceId, _worker);
        }
    }

    /// <summary>New bookmarks: schedule Delay timers and release stimuli that were waiting for them.</summary>
    private async Task AfterSaveAsync(FlowInstanceState state)
    {
        if (state.Status is FlowStatus.Finished or FlowStatus.Faulted or FlowStatus.Cancelled)
        {
            // Only instances that ever scheduled a timer can have one left to remove.
            if (state.Properties.ContainsKey(HasTimersProperty)) await timers.DeleteForInstanceAsync(state.InstanceId);
            return;
        }
        foreach (var bookmark in state.Bookmarks)
        {
            if (bookmark.Name == Delay.BookmarkName && (string?)bookmark.Payload?["resumeAt"] is { } at)
            {
                if (!state.Properties.ContainsKey(HasTimersProperty))
                {
                    state.Properties[HasTimersProperty] = "1";
                    await instances.SaveAsync(state, [], CancellationToken.None);
                }
                await scheduler.Value.Scheduler.ScheduleAsync(new TimerRecord(bookmark.Id, DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture),
                    Scheduling.TimerKinds.Bookmark, state.InstanceId, bookmark.Id, null, null));
            }
            foreach (var waiting in await inbox.ListWaitingAsync(bookmark.Hash))
                await inbox.UpdateAsync(waiting.Id, InboxStatus.Pending, null, null);
        }
    }

    /// <summary>Delivers a stored stimulus to the bookmark its hash names, or leaves it waiting for one.</summary>
    public async Task ProcessInboxMessageAsync(InboxMessage message)
    {
        if (message.Kind == "webhook")
        {
            await ProcessWebhookAsync(message);
            return;
        }
        var matches = await instances.FindBookmarksAsync(message.Hash);
        if (matches.Count == 0)
        {
            await inbox.UpdateAsync(message.Id, InboxStatus.Waiting, null, null);
            return;
        }
        var match = matches[0];
        var result = await ExecuteAsync(match.InstanceId, (match.BookmarkId, message.Payload));
        if (result is null)
        {
            // Another worker holds the instance right now; try again on the next pass.
            await inbox.UpdateAsync(message.Id, InboxStatus.Pending, null, null);
            return;
        }
        await inbox.UpdateAsync(message.Id, InboxStatus.Processed, null, match.InstanceId);
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
        var (check, run) = await connectors.HandleWebhookAsync((string)trigger.Config["connector"]!, (string)trigger.Config["card"]!,
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
        var result = await ExecuteAsync(instance, (bookmark, null));
        if (result is null && (await instances.GetAsync(instance))?.State.Bookmarks.Any(b => b.Id == bookmark) == true)
            throw new InvalidOperationException($"instance {instance} is busy; the timer will be retried");
    }

    public async Task<bool> CancelAsync(string instanceId, CancellationToken ct)
    {
        if (_running.TryGetValue(instanceId, out var running)) await running.CancelAsync();
        if (!await instances.TryAcquireLeaseAsync(instanceId, _worker, clock.GetUtcNow(), options.LeaseDuration, ct)) return false;
        try
        {
            var stored = await instances.GetAsync(instanceId, ct);
            if (stored is null || stored.State.Status is FlowStatus.Finished or FlowStatus.Faulted or FlowStatus.Cancelled) return false;
            stored.State.Status = FlowStatus.Cancelled;
            stored.State.Fault = new FlowFault(null, null, "the instance was cancelled");
            stored.State.Bookmarks.Clear();
            stored.State.Queue.Clear();
            stored.State.UpdatedAt = clock.GetUtcNow();
            await instances.SaveAsync(stored.State, [], ct);
            await timers.DeleteForInstanceAsync(instanceId, ct);
            return true;
        }
        finally
        {
            await instances.ReleaseLeaseAsync(instanceId, _worker, ct);
        }
    }
}

internal sealed class NotFoundException(string message) : Exception(message);
