using System.Diagnostics;
using ActivityContext = FlowConnectors.Engine.Activities.ActivityContext;
using Activity = FlowConnectors.Engine.Activities.Activity;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Values;
using SecretSet = FlowConnectors.Engine.Secrets.SecretSet;

namespace FlowConnectors.Engine.Runtime;

/// <summary>
/// The scheduler loop of one instance of a compiled flow: runs it until it finishes, faults, is cancelled or has
/// nothing left to do but wait on bookmarks, and serves its activities (<see cref="ActivityContext"/>). State
/// changes only on the scheduler's thread; activities that await I/O run concurrently and their results are
/// applied one at a time. The rest is delegated: which work a completed node schedules and when scopes close and
/// joins fire (<see cref="TokenRules"/>), what the run records (<see cref="RunRecorder"/>), and the removal of
/// secrets from it (<see cref="SecretRedaction"/>).
/// </summary>
internal sealed class FlowExecution : IExpressionModel, IDisposable
{
    private readonly CompiledFlow _flow;
    private readonly Queue<WorkItem> _queue = new();
    private readonly List<Running> _running = [];
    // Both made on first use: a run that resumes nothing (a called helper, most starts) never needs them.
    private Dictionary<WorkItem, (Bookmark Bookmark, JsonNode? Payload)>? _resumes;
    // The stimulus each node of this run resumed from, kept until the node is done: a retry of it delivers it again.
    private Dictionary<WorkItem, (Bookmark Bookmark, JsonNode? Payload)>? _resumed;
    private readonly TokenRules _tokens;
    private readonly RunRecorder _recorder;
    private readonly SecretRedaction _secrets = new();
    // In-memory only, by node and scope: never persisted, disposed when the run stops (see ActivityContext.TransientState).
    // Made on first use: most runs keep none, and an empty concurrent dictionary is not small.
    private System.Collections.Concurrent.ConcurrentDictionary<string, object>? _transient;
    private readonly CancellationTokenSource _cancellation;
    private readonly CancellationToken _callerToken;
    private readonly TimeSpan? _timeout;
    // The node that started last: named when the run is cancelled or runs out of time between nodes.
    private CompiledNode? _lastStarted;
    // Made when an expression first needs it (a script host renting its engine, a template): a called helper flow whose
    // expressions are all read from its values never does.
    private JsonObject? _flowMetadata;
    private ExpressionEvaluator? _expressions;
    private bool _finishRequested;
    // The node whose fault ended the run, and the work a fault stopped in flight: kept as the instance's retry point.
    private WorkItem? _faultedItem;
    private readonly List<WorkItem> _abandoned = [];

    private readonly string _journalPrefix;

    public FlowExecution(FlowEngine engine, CompiledFlow flow, FlowInstanceState state, int callDepth, string journalPrefix, CancellationToken cancellationToken,
        TimeSpan? timeout = null)
    {
        Engine = engine;
        _flow = flow;
        State = state;
        CallDepth = callDepth;
        _journalPrefix = journalPrefix;
        _recorder = new RunRecorder(engine.Options, callDepth, journalPrefix);
        _tokens = new TokenRules(flow, state, _queue) { ScopeClosed = scope => { if (_transient is { IsEmpty: false }) DropTransientState("@" + scope.Id); } };
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _callerToken = cancellationToken;
        // A called flow shares its caller's budget through the caller's token; only the top run sets one.
        _timeout = callDepth == 0 ? timeout ?? engine.Options.RunTimeout : null;
        if (_timeout is { } budget && budget > TimeSpan.Zero && budget != Timeout.InfiniteTimeSpan) _cancellation.CancelAfter(budget);
        foreach (var item in state.Queue) _queue.Enqueue(item);
        state.Queue.Clear();
        foreach (var parameter in flow.Definition.Inputs)
            if (parameter.Secret && JsonValues.TryGetString(state.Input[parameter.Name], out var secret))
                RegisterSecret(secret);
    }

    public FlowEngine Engine { get; }
    public FlowInstanceState State { get; }
    public int CallDepth { get; }
    public CancellationToken CancellationToken => _cancellation.Token;
    public ExpressionEvaluator Expressions => _expressions ??= new ExpressionEvaluator(this, Engine.Options.ScriptLimits, _cancellation.Token);
    public IReadOnlyList<JournalEntry> Journal => _recorder.Journal;
    public IReadOnlyList<LogEntry> Logs => _recorder.Logs;

    JsonObject IExpressionModel.Input => State.Input;
    IReadOnlyDictionary<string, JsonNode?> IExpressionModel.Variables => State.Variables;
    IReadOnlyDictionary<string, Dictionary<string, JsonNode?>> IExpressionModel.NodeOutputs => State.NodeOutputs;
    JsonObject IExpressionModel.FlowMetadata => _flowMetadata ??= new JsonObject
    {
        ["id"] = _flow.Definition.Id,
        ["name"] = _flow.Definition.Name,
        ["version"] = _flow.Definition.Version,
        ["instanceId"] = State.InstanceId,
        ["correlationId"] = State.CorrelationId,
    };
    TimeProvider IExpressionModel.Clock => Engine.Options.Clock;

    /// <summary>Starts a new instance: one token per start node in the root scope.</summary>
    public void ScheduleStart() => _tokens.Start();

    /// <summary>Resumes a suspended node through one of its bookmarks.</summary>
    public void ScheduleResume(Bookmark bookmark, JsonNode? payload)
    {
        // An activity waiting on several stimuli resumes once: drop its sibling bookmarks too.
        State.Bookmarks.RemoveAll(b => b.NodeId == bookmark.NodeId && b.ScopeId == bookmark.ScopeId);
        var item = RetriedWork(bookmark) ?? new WorkItem(bookmark.NodeId, bookmark.ScopeId, WorkKind.Execute);
        (_resumes ??= [])[item] = (bookmark, payload);
        _queue.Enqueue(item);
    }

    public async Task RunAsync()
    {
        var runSpan = CallDepth == 0 ? EngineTelemetry.StartRun(State, resumed: _resumes is { Count: > 0 }) : null;
        State.Status = FlowStatus.Running;
        var yieldAfter = CallDepth == 0 ? Engine.Options.YieldAfter : null;
        var stretchStarted = yieldAfter is null ? 0 : Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                if (yieldAfter is { } slice && Stopwatch.GetElapsedTime(stretchStarted) >= slice)
                {
                    // Computed long enough on whatever thread started the run: the rest runs on the pool.
                    yieldAfter = null;
                    await Task.Yield();
                }
                if (_cancellation.IsCancellationRequested) { Cancel(_running.Count > 0 ? _running[0].Node : _lastStarted ?? (_queue.Count > 0 ? _flow.ById[_queue.Peek().NodeId] : null)); break; }
                if (State.Fault is not null || _finishRequested) break;
                if (_queue.Count > 0)
                {
                    Start(_queue.Dequeue());
                    continue;
                }
                if (_running.Count > 0)
                {
                    await WaitForAnyRunning();
                    continue;
                }
                if (!_tokens.ResolveWaitingJoins()) break;
            }
        }
        finally
        {
            if (_running.Count > 0)
            {
                // A fault or a finish stops every branch still in flight.
                await _cancellation.CancelAsync();
                foreach (var running in _running)
                {
                    try { await running.Task; } catch (Exception) { /* the branch is abandoned */ }
                    if (running.Item != _faultedItem) _abandoned.Add(running.Item);
                }
                _running.Clear();
            }
            if (_transient is { IsEmpty: false }) DropTransientState(null);
        }
        Conclude();
        if (CallDepth == 0) EngineTelemetry.EndRun(runSpan, State);
    }

    private void Conclude()
    {
        State.UpdatedAt = Engine.Options.Clock.GetUtcNow();
        _recorder.Conclude(State.UpdatedAt);
        _secrets.RedactConcluded(State, _recorder);
        if (State.Fault is not null)
        {
            State.Status = State.Status == FlowStatus.Cancelled ? FlowStatus.Cancelled : FlowStatus.Faulted;
            State.Retry = State.Status == FlowStatus.Faulted && _faultedItem is { } failed && CallDepth == 0
                ? new RetryPoint
                {
                    Work = [failed, .. _abandoned, .. _queue], Bookmarks = [.. State.Bookmarks],
                    Resumed = _resumed is not null && _resumed.TryGetValue(failed, out var stimulus) ? new StoredStimulus { Bookmark = stimulus.Bookmark, Payload = stimulus.Payload?.DeepClone() } : null,
                }
                : null;
            State.Bookmarks.Clear();
            _queue.Clear();
        }
        else if (_finishRequested || State.Bookmarks.Count == 0)
        {
            State.Status = FlowStatus.Finished;
            State.Bookmarks.Clear();
            State.Joins.Clear();
            _queue.Clear();
        }
        else
        {
            State.Status = FlowStatus.Suspended;
        }
        State.Queue.AddRange(_queue);
    }

    /// <summary>
    /// The run stops: cancelled by its caller, or out of its time budget (a fault: nobody asked it to stop).
    /// Names the node that was running, or that ran last.
    /// </summary>
    private void Cancel(CompiledNode? node)
    {
        if (State.Fault is not null) return;
        var timedOut = !_callerToken.IsCancellationRequested && _timeout is not null;
        State.Status = timedOut ? FlowStatus.Faulted : FlowStatus.Cancelled;
        if (timedOut && _running.Count > 0) _faultedItem = _running[0].Item;
        State.Fault = new FlowFault(node?.Id, node?.Type.Descriptor.Type,
            timedOut ? $"the run exceeded its time limit of {Describe(_timeout!.Value)}" : "the flow was cancelled");
    }

    private static string Describe(TimeSpan span) =>
        span.TotalSeconds >= 1 ? $"{span.TotalSeconds:0.###} s" : $"{span.TotalMilliseconds:0} ms";

    private void Start(WorkItem item)
    {
        var node = _flow.ById[item.NodeId];
        _lastStarted = node;
        if (++State.Steps > Engine.Options.MaxSteps)
        {
            _faultedItem = item;
            State.Fault = new FlowFault(node.Id, node.Type.Descriptor.Type,
                $"the flow exceeded its limit of {Engine.Options.MaxSteps:N0} steps; it may loop without an exit");
            return;
        }
        (Bookmark Bookmark, JsonNode? Payload) resume = default;
        _resumes?.Remove(item, out resume);
        // A retry's durable timer (see TryScheduleRetry): the node runs again from its start, or, when it had failed
        // after a resume, gets that stimulus again (kept in the timer's data) rather than waiting for a new one.
        if (resume.Bookmark?.Data is JsonObject data && data.ContainsKey(RetryBookmarkKey))
            resume = FlowInstanceState.StimulusFromJson(data[RedeliverBookmarkKey]) is { } kept ? (kept.Bookmark, kept.Payload) : default;
        if (resume.Bookmark is not null) (_resumed ??= [])[item] = resume;
        else _resumed?.Remove(item);
        var entry = _recorder.Begin(node);
        var started = Stopwatch.GetTimestamp();
        var telemetry = EngineTelemetry.EnterNode(Engine.Options, State, _journalPrefix + node.Id, node.Type.Descriptor.Type, started);
        Activity? activity = null;
        ActivityContext context;
        ValueTask<ActivityResult> pending;
        try
        {
            activity = node.Type.Factory();
            context = new ActivityContext(this, node.Id, node.Type.Descriptor.Type, item.ScopeId, item.Kind == WorkKind.Continue);
            BindInputs(node, activity, entry);
            pending = EngineTelemetry.Observe(telemetry, resume.Bookmark is null
                ? activity.ExecuteAsync(context)
                : activity.ResumeAsync(context, resume.Bookmark, resume.Payload));
        }
        catch (Exception e)
        {
            EngineTelemetry.Failed(telemetry, e);
            Fail(item, node, entry, started, e, activity: activity);
            return;
        }
        finally
        {
            telemetry.Leave();
        }
        if (pending.IsCompleted)
        {
            ActivityResult result;
            try { result = pending.Result; }
            catch (Exception e) { Fail(item, node, entry, started, e, activity: activity); return; }
            Complete(item, node, activity!, entry, started, result);
        }
        else
        {
            _running.Add(new Running(item, node, activity!, entry, started, pending.AsTask()));
        }
    }

    private async Task WaitForAnyRunning()
    {
        Task<ActivityResult> finished;
        if (_running.Count == 1)
        {
            // One node in flight (a request, a called flow): waited for as WhenAny would, without its promise and list.
            finished = _running[0].Task;
            await ((Task)finished).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        else
            finished = await Task.WhenAny(_running.Select(r => r.Task));
        var index = _running.FindIndex(r => r.Task == finished);
        var running = _running[index];
        _running.RemoveAt(index);
        if (running.RetryWait)
        {
            // The wait before a retry is over (when it was cancelled instead, the loop stops the run).
            if (finished.IsCompletedSuccessfully)
            {
                // A node that failed after its resume gets its stimulus again rather than waiting for a new one.
                if (_resumed is not null && _resumed.Remove(running.Item, out var stimulus)) (_resumes ??= [])[running.Item] = stimulus;
                _queue.Enqueue(running.Item);
            }
            return;
        }
        if (finished.IsCompletedSuccessfully)
            Complete(running.Item, running.Node, running.Activity, running.Entry, running.Started, finished.Result);
        else
            Fail(running.Item, running.Node, running.Entry, running.Started, finished.Exception?.InnerException ?? new OperationCanceledException(),
                activity: running.Activity);
    }

    private void BindInputs(CompiledNode node, Activity activity, JournalEntry? entry)
    {
        if (node.Inputs.Length == 0) return;
        Dictionary<string, JsonNode?>? journalInputs = entry is null ? null : new(node.Inputs.Length, StringComparer.Ordinal);
        foreach (var input in node.Inputs)
        {
            var name = input.Binding.Descriptor.Name;
            JsonNode? value;
            if (input.HasConverted)
            {
                input.Binding.SetConverted(activity, input.Converted);
                value = ((ConstantValue)input.Value).Value;
            }
            else
            {
                try
                {
                    value = input.Value.Evaluate(Expressions);
                }
                catch (ExpressionException e)
                {
                    throw new ActivityFaultException($"input '{name}': {e.Message}");
                }
                try
                {
                    input.Binding.Set(activity, value);
                }
                catch (ValueConversionException e)
                {
                    throw new ActivityFaultException($"input '{name}' {e.Message}");
                }
            }
            // Redacted when the entry completes: the activity may register secrets while it runs.
            if (journalInputs is not null)
                journalInputs[name] = input.Binding.Descriptor.Secret ? SecretRedaction.Masked() : value;
        }
        if (entry is not null) entry.Inputs = journalInputs;
    }

    private void Complete(WorkItem item, CompiledNode node, Activity activity, JournalEntry? entry, long started, ActivityResult result)
    {
        Dictionary<string, JsonNode?>? outputs = null;
        try
        {
            if (node.Type.Outputs.Length > 0)
            {
                outputs = new Dictionary<string, JsonNode?>(node.Type.Outputs.Length, StringComparer.Ordinal);
                foreach (var output in node.Type.Outputs) outputs[output.Descriptor.Name] = output.Get(activity);
                State.NodeOutputs[node.Id] = outputs;
                _expressions?.NodeOutputsChanged(node.Id);
            }
        }
        catch (ValueConversionException e)
        {
            Fail(item, node, entry, started, new ActivityFaultException($"output could not be stored: {e.Message}"));
            return;
        }
        if (entry is not null)
        {
            entry.Duration = Stopwatch.GetElapsedTime(started);
            _secrets.RedactInputs(entry);
            if (outputs is not null)
            {
                var journalOutputs = new Dictionary<string, JsonNode?>(outputs.Count, StringComparer.Ordinal);
                foreach (var output in node.Type.Outputs)
                    journalOutputs[output.Descriptor.Name] = output.Descriptor.Secret ? SecretRedaction.Masked() : _secrets.Redact(outputs[output.Descriptor.Name]);
                entry.Outputs = journalOutputs;
            }
            _recorder.Add(entry);
        }
        switch (result.Kind)
        {
            case ActivityResultKind.Suspend:
                if (entry is not null) entry.Outcome = "suspended";
                if (!_tokens.HasBookmark(node.Id, item.ScopeId))
                {
                    Fail(item, node, entry, started, new ActivityFaultException("the activity suspended without creating a bookmark"));
                    return;
                }
                // The suspended node keeps its token until it is resumed.
                return;
            case ActivityResultKind.FinishFlow:
                if (entry is not null) entry.Outcome = "finish";
                _finishRequested = true;
                return;
        }
        if (result.OutcomeName is { } single)
        {
            var isError = result.ErrorMessage is not null || node.Type.Descriptor.ErrorOutcomes.Contains(single);
            if (isError && node.Policy is not null
                && TryScheduleRetry(item, node, activity, entry, started, single, _secrets.Scrub(result.ErrorMessage ?? $"took the error outcome '{single}'")))
                return;
            if (!node.HandlesEveryOutcome && node.TargetsOf(single).Length == 0 && isError)
            {
                // An error outcome nobody handles faults the node (README "Error outcomes"); the outputs stay readable.
                var reason = result.ErrorMessage ?? $"took the error outcome '{single}'";
                Fail(item, node, entry, started, new ActivityFaultException($"{reason} (outcome '{single}' is not connected)"), keepOutputs: true, retryChecked: true);
                return;
            }
            if (node.Policy is not null) ForgetAttempts(node, item.ScopeId);
            if (entry is not null) entry.Outcome = single;
            _tokens.FollowOutcome(item, node, single, releaseToken: true);
        }
        else
        {
            if (node.Policy is not null) ForgetAttempts(node, item.ScopeId);
            var names = result.OutcomeNames ?? [];
            if (entry is not null) entry.Outcome = string.Join(",", names);
            _tokens.FollowOutcomes(item, node, names);
        }
    }

    private void Fail(WorkItem item, CompiledNode node, JournalEntry? entry, long started, Exception exception, bool keepOutputs = false,
        Activity? activity = null, bool retryChecked = false)
    {
        // However the activity reported it (a cancelled script faults its input), a stop asked for is a stop.
        if (_cancellation.IsCancellationRequested)
        {
            if (entry is not null && !_recorder.Contains(entry))
            {
                entry.Duration = Stopwatch.GetElapsedTime(started);
                entry.Outcome = ActivityResult.FaultOutcome;
                entry.Error = _secrets.Scrub(DescribeError(exception));
                _recorder.Add(entry);
            }
            Cancel(node);
            return;
        }
        var message = _secrets.Scrub(DescribeError(exception));
        var continueOnFault = false;
        if (node.Policy is { } policy)
        {
            if (!retryChecked && TryScheduleRetry(item, node, activity, entry, started, null, message)) return;
            ForgetAttempts(node, item.ScopeId);
            if (policy.EffectiveThen == Flows.NodeErrorPolicy.ThenReturn && node.ReturnOutcome is { } returned)
            {
                ReturnPolicyValue(item, node, policy, entry, started, message, returned);
                return;
            }
            continueOnFault = policy.EffectiveThen == Flows.NodeErrorPolicy.ThenContinue;
        }
        if (entry is not null)
        {
            entry.Duration = Stopwatch.GetElapsedTime(started);
            entry.Outcome = ActivityResult.FaultOutcome;
            entry.Error = message;
            _secrets.RedactInputs(entry);
            // The entry of the node that faults the flow is kept even past the journal's limit: it is the one that explains.
            if (!_recorder.Contains(entry)) _recorder.Add(entry, always: !node.HasFaultTargets);
        }
        // onError then: continue — the run goes on: along the fault port, or (nothing connected) this branch just ends.
        if (node.HasFaultTargets || continueOnFault)
        {
            var error = new JsonObject { ["message"] = message, ["nodeId"] = node.Id, ["activityType"] = node.Type.Descriptor.Type };
            if (keepOutputs && State.NodeOutputs.TryGetValue(node.Id, out var produced)) produced["error"] = error;
            else State.NodeOutputs[node.Id] = new Dictionary<string, JsonNode?>(StringComparer.Ordinal) { ["error"] = error };
            _expressions?.NodeOutputsChanged(node.Id);
            _tokens.FollowOutcome(item, node, ActivityResult.FaultOutcome, releaseToken: true);
            return;
        }
        State.Fault = new FlowFault(node.Id, node.Type.Descriptor.Type, message);
        _faultedItem = item;
    }

    private const string RetryBookmarkKey = "retryAttempt";
    private const string RedeliverBookmarkKey = "redeliver";
    private const string RetryPassKey = "continuePass";
    private const string RetryFromKey = "from";

    /// <summary>The work item an onError retry's durable timer runs again, as it was when it failed; null for any other bookmark.</summary>
    private static WorkItem? RetriedWork(Bookmark bookmark)
    {
        if (bookmark.Data is not JsonObject data || !data.ContainsKey(RetryBookmarkKey)) return null;
        var from = data[RetryFromKey] is JsonValue fromValue && fromValue.TryGetValue(out string? fromNode) ? fromNode : null;
        return data[RetryPassKey] is JsonValue passValue && passValue.TryGetValue(out int pass)
            ? new WorkItem(bookmark.NodeId, bookmark.ScopeId, WorkKind.Continue, from, pass)
            : new WorkItem(bookmark.NodeId, bookmark.ScopeId, WorkKind.Execute, from);
    }

    private static string AttemptsKey(CompiledNode node, int scopeId) => "#retry:" + node.Id + "@" + scopeId;

    private void ForgetAttempts(CompiledNode node, int scopeId) => State.NodeStates.Remove(AttemptsKey(node, scopeId));

    /// <summary>
    /// The node failed and its error policy may try it again: when retries are left and the activity says another
    /// attempt can help, the failed attempt is journalled (outcome <c>retry</c>, with the wait) and the node runs again
    /// after the wait — in this run when the wait is short, else on a durable timer that suspends the instance. The
    /// node keeps its token meanwhile, so its scope and the instance stay open. The count of failed attempts lives
    /// in the node's state, so it survives the suspension.
    /// </summary>
    private bool TryScheduleRetry(WorkItem item, CompiledNode node, Activity? activity, JournalEntry? entry, long started, string? errorOutcome, string message)
    {
        var policy = node.Policy!;
        var key = AttemptsKey(node, item.ScopeId);
        var failed = (State.NodeStates.TryGetValue(key, out var counted) && counted is JsonValue value && value.TryGetValue(out int known) ? known : 0) + 1;
        if (failed > policy.EffectiveRetries) return false;
        RetryAdvice advice;
        try { advice = activity?.AdviseRetry(errorOutcome, Engine.Options.Clock) ?? RetryAdvice.Retry; }
        catch (Exception e) when (e is not OutOfMemoryException) { advice = RetryAdvice.Retry; }
        if (!advice.ShouldRetry) return false;
        var delay = RetryDelays.Next(policy, failed, Engine.Options.RetryRandom(), advice.After);
        State.NodeStates[key] = failed;
        var durable = delay > Engine.Options.RetryInProcessLimit;
        var note = $"attempt {failed} of {policy.EffectiveRetries + 1} failed: {message}; next attempt in {Describe(delay)}"
                   + (advice.After is not null ? " (as the response's Retry-After asked)" : "") + (durable ? " on a durable timer" : "");
        if (entry is not null)
        {
            entry.Duration = Stopwatch.GetElapsedTime(started);
            entry.Outcome = RetryOutcome;
            entry.Error = note;
            _secrets.RedactInputs(entry);
            if (!_recorder.Contains(entry)) _recorder.Add(entry);
        }
        EngineTelemetry.Log(Engine.Options, State, _journalPrefix + node.Id, "warning", note);
        if (!durable)
        {
            _running.Add(new Running(item, node, null!, null, Stopwatch.GetTimestamp(), WaitBeforeRetryAsync(delay), RetryWait: true));
            return true;
        }
        var timer = new Stimuli.TimerStimulus(Engine.Options.Clock.GetUtcNow() + delay);
        var timerData = new JsonObject { [RetryBookmarkKey] = failed };
        // A loop node that failed going on to its next pass (Paginate fetching page n) goes on from there, not from its start.
        if (item.Kind == WorkKind.Continue) timerData[RetryPassKey] = item.Pass;
        if (item.FromNodeId is not null) timerData[RetryFromKey] = item.FromNodeId;
        // A node that failed after its resume: the stimulus goes with the timer, so the next attempt resumes with it.
        if (_resumed is not null && _resumed.TryGetValue(item, out var stimulus))
            timerData[RedeliverBookmarkKey] = FlowInstanceState.StimulusToJson(new StoredStimulus { Bookmark = stimulus.Bookmark, Payload = stimulus.Payload?.DeepClone() });
        CreateBookmark(node.Id, item.ScopeId, timer.Name, timer.Correlation(), timerData);
        return true;
    }

    /// <summary>The journal outcome of a failed attempt that is tried again.</summary>
    public const string RetryOutcome = "retry";

    private async Task<ActivityResult> WaitBeforeRetryAsync(TimeSpan delay)
    {
        if (delay > TimeSpan.Zero) await Task.Delay(delay, Engine.Options.Clock, _cancellation.Token);
        return ActivityResult.Done;
    }

    /// <summary>onError then: return — the node's outputs become the policy's value and it takes its first outcome that is not an error.</summary>
    private void ReturnPolicyValue(WorkItem item, CompiledNode node, Flows.NodeErrorPolicy policy, JournalEntry? entry, long started, string message, string outcome)
    {
        var outputs = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (name, value) in policy.Value!) outputs[name] = value?.DeepClone();
        State.NodeOutputs[node.Id] = outputs;
        _expressions?.NodeOutputsChanged(node.Id);
        if (entry is not null)
        {
            entry.Duration = Stopwatch.GetElapsedTime(started);
            entry.Outcome = outcome;
            entry.Error = $"{message} (onError returned its value)";
            _secrets.RedactInputs(entry);
            entry.Outputs = outputs.ToDictionary(o => o.Key, o => _secrets.Redact(o.Value?.DeepClone()), StringComparer.Ordinal);
            if (!_recorder.Contains(entry)) _recorder.Add(entry);
        }
        _tokens.FollowOutcome(item, node, outcome, releaseToken: true);
    }

    private string DescribeError(Exception e) => e switch
    {
        ActivityFaultException or ExpressionException or ValueConversionException => e.Message,
        OperationCanceledException => "the operation was cancelled or timed out",
        _ when _expressions?.Scripts.Describe(e) is { } scriptMessage => scriptMessage,
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    // --- services for ActivityContext -------------------------------------------------------

    public JsonNode? GetNodeState(string nodeId, int scopeId) =>
        State.NodeStates.TryGetValue(nodeId + "@" + scopeId, out var value) ? value : null;

    public void SetNodeState(string nodeId, int scopeId, JsonNode? value)
    {
        if (value is null) State.NodeStates.Remove(nodeId + "@" + scopeId);
        else State.NodeStates[nodeId + "@" + scopeId] = value;
    }

    public JsonNode? GetVariable(string name) =>
        State.Variables.TryGetValue(name, out var value) ? value : throw new ActivityFaultException($"variable '{name}' is not declared");

    public void SetVariable(string name, JsonNode? value)
    {
        var declared = _flow.Definition.Variables.Find(v => v.Name == name)
                       ?? throw new ActivityFaultException($"variable '{name}' is not declared in the flow's variables");
        try { State.Variables[name] = ValueConverter.ConvertToType(value, declared.Type); }
        catch (ValueConversionException e) { throw new ActivityFaultException($"variable '{name}' is {declared.Type}: {e.Message}"); }
        _expressions?.VariableChanged(name);
    }

    public void SetFlowOutput(string name, JsonNode? value)
    {
        var declared = Flows.FlowParameter.Named(_flow.Definition.Outputs, name)
                       ?? throw new ActivityFaultException($"output '{name}' is not declared in the flow's outputs");
        try { State.Output[name] = ValueConverter.ConvertToType(value, declared.Type); }
        catch (ValueConversionException e) { throw new ActivityFaultException($"output '{name}' is {declared.Type}: {e.Message}"); }
    }

    public Bookmark CreateBookmark(string nodeId, int scopeId, string name, JsonNode? payload, JsonNode? data)
    {
        var bookmark = new Bookmark
        {
            Id = InstanceIds.NewRandom(),
            NodeId = nodeId,
            ScopeId = scopeId,
            Name = name,
            Payload = payload,
            Hash = Bookmark.ComputeHash(name, payload),
            Data = data,
            CreatedAt = Engine.Options.Clock.GetUtcNow(),
        };
        State.Bookmarks.Add(bookmark);
        return bookmark;
    }

    public void Log(string nodeId, string level, string message)
    {
        var scrubbed = _secrets.Scrub(message);
        _recorder.Log(nodeId, level, scrubbed);
        EngineTelemetry.Log(Engine.Options, State, _journalPrefix + nodeId, level, scrubbed);
    }

    public void RegisterSecret(string value) => _secrets.Register(value);

    public bool InputIsExpression(string nodeId, string inputName) =>
        _flow.ById.TryGetValue(nodeId, out var node) && node.Definition.Inputs.GetValueOrDefault(inputName) is JsonObject given
        && (given.ContainsKey("js") || given.ContainsKey("template"));

    public void RegisterSecrets(IEnumerable<string> values) => _secrets.Register(values);

    internal void InheritSecrets(SecretSet secrets) => _secrets.Inherit(secrets);

    /// <summary>A called flow ended: its journal and logs join this run's, and a run persisted with this state masks everything it knew.</summary>
    public void AppendChildJournal(FlowExecution child)
    {
        _recorder.AppendChild(child._recorder);
        _secrets.Inherit(child._secrets.Set);
    }

    public object? GetTransientState(string nodeId, int scopeId) =>
        _transient is { } transient && transient.TryGetValue(nodeId + "@" + scopeId, out var value) ? value : null;

    public void SetTransientState(string nodeId, int scopeId, object? value)
    {
        var key = nodeId + "@" + scopeId;
        if (value is null) _transient?.TryRemove(key, out _);
        else (_transient ?? Interlocked.CompareExchange(ref _transient, new(StringComparer.Ordinal), null) ?? _transient)[key] = value;
    }

    private void DropTransientState(string? scopeSuffix)
    {
        if (_transient is not { } transient) return;
        foreach (var (key, value) in transient)
        {
            if (scopeSuffix is not null && !key.EndsWith(scopeSuffix, StringComparison.Ordinal)) continue;
            if (transient.TryRemove(key, out _) && value is IDisposable disposable) disposable.Dispose();
        }
    }

    public SecretSet Secrets => _secrets.Set;

    /// <summary>The key of one node's work in this instance: the same on every run of that work (a retry, a recovery), different per loop pass.</summary>
    public string IdempotencyKey(string nodeId, int scopeId) =>
        IdempotencyKeys.For(State.Properties.GetValueOrDefault(IdempotencyKeys.BaseProperty) ?? State.InstanceId, nodeId, IdempotencyKeys.IterationOf(State, scopeId));

    public void Dispose()
    {
        _expressions?.Dispose();
        _cancellation.Dispose();
    }

    /// <summary>A node in flight, or (<paramref name="RetryWait"/>) a node waiting in this run before its next attempt.</summary>
    private sealed record Running(WorkItem Item, CompiledNode Node, Activity Activity, JournalEntry? Entry, long Started, Task<ActivityResult> Task, bool RetryWait = false);
}
