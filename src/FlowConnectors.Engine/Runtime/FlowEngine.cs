using System.Text.Json.Nodes;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Values;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Engine.Runtime;

/// <summary>Per-run settings: ids and the host properties the instance carries.</summary>
public sealed class RunOptions
{
    /// <summary>
    /// The longest correlation id a caller may give (UTF-16 code units): instances are found by it through a database index,
    /// and PostgreSQL's index entries hold at most 2,704 bytes; 500 characters are at most 1,500 bytes of UTF-8.
    /// </summary>
    public const int MaxCorrelationIdLength = 500;

    public string? InstanceId { get; init; }

    /// <summary>
    /// The caller's id for the run. The server's entry points refuse a longer one with its JSON path; this is the backstop
    /// for every other caller, so an over-long id fails before the run instead of at the run's save.
    /// </summary>
    public string? CorrelationId
    {
        get;
        init => field = value is not null && CorrelationIdProblem(value) is { } problem
            ? throw new ArgumentException("the correlation id " + problem, nameof(CorrelationId))
            : value;
    }

    /// <summary>Why <paramref name="id"/> cannot be a correlation id (too long), or null when it can: the one rule every entry point applies.</summary>
    public static string? CorrelationIdProblem(string id) => id.Length > MaxCorrelationIdLength
        ? $"is {id.Length:N0} characters long; a correlation id may be at most {MaxCorrelationIdLength}"
        : null;

    public IReadOnlyDictionary<string, string>? Properties { get; init; }
    /// <summary>What a trigger received (an HTTP request, a schedule's fire time); trigger nodes read it.</summary>
    public JsonNode? TriggerPayload { get; init; }
    /// <summary>
    /// Values the host knows to be secret before the run starts (a connection's password, an API key): masked
    /// in everything the run records or returns, like the ones activities register.
    /// </summary>
    public IReadOnlyCollection<string>? Secrets { get; init; }
    /// <summary>This run's wall-clock budget; overrides <see cref="FlowEngineOptions.RunTimeout"/>.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>
/// Compiles and runs flows. Thread-safe: one engine serves many concurrent instances; compiled
/// flows and prepared scripts are shared, instance state is not.
/// </summary>
public sealed class FlowEngine
{
    private readonly FlowCompiler _compiler;

    public FlowEngine(FlowEngineOptions? options = null)
    {
        Options = options ?? new FlowEngineOptions();
        Expressions = new ExpressionCompiler();
        _compiler = new FlowCompiler(Options.Registry, Expressions);
    }

    public FlowEngineOptions Options { get; }
    public ExpressionCompiler Expressions { get; }

    /// <summary>Every problem in a flow (errors and warnings), without throwing.</summary>
    public IReadOnlyList<FormatProblem> Validate(FlowDefinition flow) => _compiler.Compile(flow).Problems;

    /// <summary>Compiles a flow; throws <see cref="FlowValidationException"/> listing every error.</summary>
    public CompiledFlow Compile(FlowDefinition flow)
    {
        var (compiled, problems) = _compiler.Compile(flow);
        return compiled ?? throw new FlowValidationException(problems);
    }

    /// <summary>One-line run for tests and tools: parse, compile, run.</summary>
    public Task<FlowRunResult> RunJsonAsync(string flowJson, JsonObject? input = null, CancellationToken cancellationToken = default) =>
        RunAsync(Compile(FlowJson.Parse(flowJson)), input, cancellationToken: cancellationToken);

    public Task<FlowRunResult> RunAsync(CompiledFlow flow, JsonObject? input = null, string? instanceId = null,
        string? correlationId = null, CancellationToken cancellationToken = default) =>
        RunAsync(flow, input, new RunOptions { InstanceId = instanceId, CorrelationId = correlationId }, cancellationToken);

    public Task<FlowRunResult> RunAsync(CompiledFlow flow, JsonObject? input, RunOptions options, CancellationToken cancellationToken = default) =>
        RunAsync(flow, input, options.InstanceId, options.CorrelationId, callDepth: 0, journalPrefix: "", parent: null, cancellationToken, options.Properties,
            options);

    internal async Task<FlowRunResult> RunAsync(CompiledFlow flow, JsonObject? input, string? instanceId, string? correlationId,
        int callDepth, string journalPrefix, FlowExecution? parent, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? properties = null, RunOptions? options = null)
    {
        var now = Options.Clock.GetUtcNow();
        var state = new FlowInstanceState
        {
            InstanceId = instanceId ?? InstanceIds.New(now),
            FlowId = flow.Definition.Id,
            FlowVersion = flow.Definition.Version,
            CorrelationId = correlationId,
            Input = PrepareInput(flow.Definition, input),
            CreatedAt = now,
            UpdatedAt = now,
        };
        foreach (var (key, value) in parent?.State.Properties ?? properties ?? new Dictionary<string, string>())
            state.Properties[key] = value;
        foreach (var variable in flow.Definition.Variables)
            state.Variables[variable.Name] = variable.Default is null ? null : ValueConverter.ConvertToType(variable.Default.DeepClone(), variable.Type);
        if (callDepth == 0) EngineTelemetry.RunStarted(state.FlowId);
        using var execution = new FlowExecution(this, flow, state, callDepth, journalPrefix, cancellationToken, options?.Timeout);
        if (parent is not null) execution.InheritSecrets(parent.Secrets);
        if (options?.Secrets is { Count: > 0 } secrets) execution.RegisterSecrets(secrets);
        execution.ScheduleStart();
        await execution.RunAsync();
        parent?.AppendChildJournal(execution);
        return new FlowRunResult(state, execution.Journal, execution.Logs);
    }

    /// <summary>
    /// A new instance with its start work queued but not run, so a host can persist it first and
    /// run it with <see cref="ContinueAsync"/> (which also recovers it after a crash).
    /// </summary>
    public FlowInstanceState CreateInstance(CompiledFlow flow, JsonObject? input, RunOptions? options = null)
    {
        var now = Options.Clock.GetUtcNow();
        var state = NewInstance(flow, input, options, options?.InstanceId ?? InstanceIds.New(now), now);
        EngineTelemetry.RunStarted(state.FlowId);
        return state;
    }

    /// <summary>
    /// The state <see cref="CreateInstance"/> gave as <paramref name="created"/>, made again from the same arguments (same id
    /// and times; not counted as another run): a host keeps the arguments instead of a copy of every starting state, and
    /// makes it again only in the rare case it needs it after the run has changed the first one.
    /// </summary>
    public FlowInstanceState RecreateInstance(CompiledFlow flow, JsonObject? input, RunOptions? options, FlowInstanceState created) =>
        NewInstance(flow, input, options, created.InstanceId, created.CreatedAt);

    private static FlowInstanceState NewInstance(CompiledFlow flow, JsonObject? input, RunOptions? options, string instanceId, DateTimeOffset now)
    {
        var state = new FlowInstanceState
        {
            InstanceId = instanceId,
            FlowId = flow.Definition.Id,
            FlowVersion = flow.Definition.Version,
            CorrelationId = options?.CorrelationId,
            Input = PrepareInput(flow.Definition, input),
            TriggerPayload = options?.TriggerPayload?.DeepClone(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        foreach (var (key, value) in options?.Properties ?? new Dictionary<string, string>()) state.Properties[key] = value;
        foreach (var variable in flow.Definition.Variables)
            state.Variables[variable.Name] = variable.Default is null ? null : ValueConverter.ConvertToType(variable.Default.DeepClone(), variable.Type);
        state.Scopes[0] = new ScopeState { Id = 0, Tokens = flow.StartNodes.Length };
        foreach (var node in flow.StartNodes) state.Queue.Add(new WorkItem(node.Id, 0, WorkKind.Execute));
        return state;
    }

    /// <summary>
    /// Runs the queued work of a running instance: a fresh one from <see cref="CreateInstance"/>, or one
    /// whose worker stopped mid-run (its nodes since the last save run again: at-least-once).
    /// </summary>
    /// <param name="timeout">This run's wall-clock budget; null for <see cref="FlowEngineOptions.RunTimeout"/>.</param>
    public async Task<FlowRunResult> ContinueAsync(CompiledFlow flow, FlowInstanceState state, CancellationToken cancellationToken = default,
        TimeSpan? timeout = null)
    {
        if (state.Status != FlowStatus.Running)
            throw new FlowStateException($"instance {state.InstanceId} is {state.Status.ToString().ToLowerInvariant()}, not running");
        using var execution = new FlowExecution(this, flow, state, 0, "", cancellationToken, timeout);
        // A retry of a node that faulted while resuming: its stimulus again (see RetryPoint.Resumed).
        if (state.Redeliver is { } stimulus && flow.ById.ContainsKey(stimulus.Bookmark.NodeId))
        {
            state.Redeliver = null;
            execution.ScheduleResume(stimulus.Bookmark, stimulus.Payload?.DeepClone());
        }
        await execution.RunAsync();
        return new FlowRunResult(state, execution.Journal, execution.Logs);
    }

    /// <summary>
    /// Continues a suspended instance (typically deserialized in another process) through one of
    /// its bookmarks, with the stimulus payload.
    /// </summary>
    /// <param name="timeout">This run's wall-clock budget; null for <see cref="FlowEngineOptions.RunTimeout"/>.</param>
    public Task<FlowRunResult> ResumeAsync(CompiledFlow flow, FlowInstanceState state, string bookmarkId, JsonNode? payload,
        CancellationToken cancellationToken = default, TimeSpan? timeout = null) =>
        ResumeAsync(flow, state, bookmarkId, payload, 0, "", null, cancellationToken, timeout);

    internal async Task<FlowRunResult> ResumeAsync(CompiledFlow flow, FlowInstanceState state, string bookmarkId, JsonNode? payload,
        int callDepth, string journalPrefix, FlowExecution? parent, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        if (state.Status != FlowStatus.Suspended)
            throw new FlowStateException($"instance {state.InstanceId} is {state.Status.ToString().ToLowerInvariant()}, not suspended");
        if (state.FlowId != flow.Definition.Id)
            throw new FlowStateException($"instance {state.InstanceId} belongs to flow '{state.FlowId}', not '{flow.Definition.Id}'");
        var bookmark = state.Bookmarks.Find(b => b.Id == bookmarkId)
                       ?? throw new FlowStateException($"instance {state.InstanceId} has no bookmark '{bookmarkId}'");
        if (!flow.ById.ContainsKey(bookmark.NodeId))
            throw new FlowStateException($"bookmark '{bookmarkId}' waits in node '{bookmark.NodeId}', which this version of the flow no longer has");
        using var execution = new FlowExecution(this, flow, state, callDepth, journalPrefix, cancellationToken, timeout);
        if (parent is not null) execution.InheritSecrets(parent.Secrets);
        execution.ScheduleResume(bookmark, payload);
        await execution.RunAsync();
        parent?.AppendChildJournal(execution);
        return new FlowRunResult(state, execution.Journal, execution.Logs);
    }

    /// <summary>Bookmarks of a state matching a stimulus (name + correlation payload).</summary>
    public static IReadOnlyList<Bookmark> FindBookmarks(FlowInstanceState state, string name, JsonNode? payload)
    {
        var hash = Bookmark.ComputeHash(name, payload);
        return state.Bookmarks.Where(b => b.Hash == hash).ToList();
    }

    /// <summary>
    /// Checks flow inputs against the declaration: applies defaults, converts types, and rejects
    /// missing required inputs and unknown names, all listed at once.
    /// </summary>
    public static JsonObject PrepareInput(FlowDefinition flow, JsonObject? input)
    {
        input ??= [];
        var problems = new List<FlowInputProblem>();
        var result = new JsonObject();
        foreach (var parameter in flow.Inputs)
        {
            input.TryGetPropertyValue(parameter.Name, out var value);
            if (JsonValues.IsNull(value))
            {
                if (parameter.Default is not null) value = parameter.Default.DeepClone();
                else if (parameter.Required) { problems.Add(new(parameter.Name, $"input '{parameter.Name}' is required")); continue; }
            }
            try
            {
                var converted = ValueConverter.ConvertToType(value, parameter.Type);
                result[parameter.Name] = converted?.Parent is null ? converted : converted.DeepClone();
            }
            catch (ValueConversionException e)
            {
                problems.Add(new(parameter.Name, $"input '{parameter.Name}' is {parameter.Type}: {e.Message}"));
            }
        }
        foreach (var (name, _) in input)
            if (FlowParameter.Named(flow.Inputs, name) is null)
                problems.Add(new(name, $"unknown input '{name}'" + (flow.Inputs.Count == 0 ? "; the flow takes no inputs" : $"; the flow takes {string.Join(", ", flow.Inputs.Select(p => p.Name))}")));
        if (problems.Count > 0) throw new FlowInputException(problems);
        return result;
    }
}
