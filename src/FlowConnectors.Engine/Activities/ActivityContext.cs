using System.Text.Json.Nodes;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Activities;

/// <summary>What an executing activity may see and do. One context per node execution.</summary>
public sealed class ActivityContext
{
    private readonly FlowExecution _execution;
    private readonly int _scopeId;

    internal ActivityContext(FlowExecution execution, string nodeId, string activityType, int scopeId, bool isContinuation)
    {
        _execution = execution;
        NodeId = nodeId;
        ActivityType = activityType;
        _scopeId = scopeId;
        IsContinuation = isContinuation;
    }

    public string NodeId { get; }
    public string ActivityType { get; }
    public string InstanceId => _execution.State.InstanceId;
    public string FlowId => _execution.State.FlowId;
    public CancellationToken CancellationToken => _execution.CancellationToken;
    public TimeProvider Clock => _execution.Engine.Options.Clock;
    public IServiceProvider Services => _execution.Engine.Options.Services;

    /// <summary>What the trigger that started this instance received; null when no trigger started it.</summary>
    public JsonNode? TriggerPayload => _execution.State.TriggerPayload;

    /// <summary>
    /// True when the node gives <paramref name="inputName"/> as an expression (<c>js</c> or <c>template</c>): its value is
    /// known only at run time, so nothing checked it when the flow was saved or published.
    /// </summary>
    public bool InputIsExpression(string inputName) => _execution.InputIsExpression(NodeId, inputName);

    /// <summary>A host property of this instance (see <see cref="FlowInstanceState.Properties"/>).</summary>
    public string? GetProperty(string name) => _execution.State.Properties.GetValueOrDefault(name);

    /// <summary>
    /// How many node executions this instance has started, this one included: a run again from the same
    /// saved state (after a crash) gives each node the same step.
    /// </summary>
    public long Step => _execution.State.Steps;

    /// <summary>
    /// A key for this node's work, derived from the instance, the node and the loop passes it runs in: the same when
    /// the work runs again (a retry, a crash recovery), so a vendor that honours <c>Idempotency-Key</c> does it once.
    /// </summary>
    public string IdempotencyKey => _execution.IdempotencyKey(NodeId, _scopeId);

    /// <summary>True when a loop activity runs again because its body finished.</summary>
    public bool IsContinuation { get; }

    /// <summary>Activity-private state for this node in this scope; persisted with the instance.</summary>
    public JsonNode? NodeState
    {
        get => _execution.GetNodeState(NodeId, _scopeId);
        set => _execution.SetNodeState(NodeId, _scopeId, value);
    }

    /// <summary>
    /// Activity-private objects for this node in this scope that live in memory only — never persisted,
    /// gone when the instance suspends or the run stops (an <see cref="IDisposable"/> is disposed then), so
    /// an activity must work without them: caches and work started ahead, such as a prefetched page.
    /// </summary>
    public object? TransientState
    {
        get => _execution.GetTransientState(NodeId, _scopeId);
        set => _execution.SetTransientState(NodeId, _scopeId, value);
    }

    public JsonNode? GetVariable(string name) => _execution.GetVariable(name);

    /// <summary>
    /// The outputs another node produced last in this instance (null when it has not run). Read
    /// directly, without converting them for a script: for loop bodies handling large pages.
    /// </summary>
    public IReadOnlyDictionary<string, JsonNode?>? GetNodeOutputs(string nodeId) =>
        _execution.State.NodeOutputs.TryGetValue(nodeId, out var outputs) ? outputs : null;

    /// <summary>Sets a declared variable, converting to its declared type.</summary>
    public void SetVariable(string name, JsonNode? value) => _execution.SetVariable(name, value);

    /// <summary>Sets a declared flow output, converting to its declared type.</summary>
    public void SetFlowOutput(string name, JsonNode? value) => _execution.SetFlowOutput(name, value);

    /// <summary>Creates a bookmark in this node; return <see cref="ActivityResult.Suspend"/> afterwards.</summary>
    public Bookmark CreateBookmark(string name, JsonNode? payload = null, JsonNode? data = null) =>
        _execution.CreateBookmark(NodeId, _scopeId, name, payload, data);

    /// <summary>Suspends on a typed stimulus: the bookmark's name and payload are the record's, so its hash is the record's.</summary>
    public Bookmark CreateBookmark(Stimuli.Stimulus stimulus, JsonNode? data = null) =>
        _execution.CreateBookmark(NodeId, _scopeId, stimulus.Name, stimulus.Correlation(), data);

    public void Log(string level, string message) => _execution.Log(NodeId, level, message);

    /// <summary>Marks a value as secret: it is replaced by <c>***</c> in journals, logs and errors.</summary>
    public void RegisterSecret(string value) => _execution.RegisterSecret(value);

    /// <summary>Registers every secret another run knew (a connector card run on this run's behalf).</summary>
    public void RegisterSecrets(IEnumerable<string> values) => _execution.RegisterSecrets(values);

    /// <summary>
    /// Runs JavaScript against the flow model. With <paramref name="functionBody"/> the code may
    /// use <c>return</c>; otherwise its completion value is the result.
    /// </summary>
    public JsonNode? EvaluateScript(string code, IReadOnlyList<KeyValuePair<string, JsonNode?>>? locals = null, bool functionBody = false)
    {
        var compiler = _execution.Engine.Expressions;
        var prepared = functionBody ? compiler.PrepareFunctionBody(code) : compiler.PrepareExpression(code);
        return _execution.Expressions.Scripts.Evaluate(prepared, locals);
    }

    /// <summary>The outcome the last script run picked with <c>setOutcome(name)</c>, if any.</summary>
    public string? ScriptOutcome => _execution.Expressions.Scripts.RequestedOutcome;

    /// <summary>Renders a Scriban template against the flow model.</summary>
    public string RenderTemplate(string template, IReadOnlyList<KeyValuePair<string, JsonNode?>>? locals = null) =>
        _execution.Expressions.Templates.Render(_execution.Engine.Expressions.ParseTemplate(template), locals);

    internal FlowExecution Execution => _execution;
    internal int ScopeId => _scopeId;
}
