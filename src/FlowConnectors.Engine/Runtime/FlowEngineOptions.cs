using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Expressions;

namespace FlowConnectors.Engine.Runtime;

/// <summary>Everything an engine is configured with; no global switches.</summary>
public sealed class FlowEngineOptions
{
    // Built on first use: every FlowEngineOptions that names its own registry (connectors, imports)
    // would otherwise compile the default registry's factories only to throw them away.
    public ActivityRegistry Registry { get => field ??= ActivityRegistry.CreateDefault(); init; }
    /// <summary>Where CallFlow finds other flows by id.</summary>
    public IFlowProvider? Flows { get; init; }
    public TimeProvider Clock { get; init; } = TimeProvider.System;
    public IServiceProvider Services { get; init; } = EmptyServiceProvider.Instance;
    public ScriptLimits ScriptLimits { get; init; } = ScriptLimits.Default;
    /// <summary>
    /// Node executions per instance (and per resume) before the instance faults: a loop without an exit stops
    /// here. Sized for a server (a flow paging through 100,000 items fits); a batch job can raise it.
    /// </summary>
    public long MaxSteps { get; init; } = 100_000;
    /// <summary>
    /// Journal entries kept per run (one run, continue or resume); later ones are counted, not kept, and one
    /// summary entry (node <c>journal</c>, outcome <c>dropped</c>) says how many. The entry of the node that
    /// faults the flow is always kept.
    /// </summary>
    public int MaxJournalEntries { get; init; } = 10_000;
    /// <summary>
    /// The wall-clock budget of one run (run, continue or resume), null for none. When it runs out, scripts and
    /// templates stop, HTTP calls are cancelled, and the instance faults naming the node: "the run exceeded its
    /// time limit of 30 s". Cancelling the token passed to a run stops it the same way, as cancelled.
    /// </summary>
    public TimeSpan? RunTimeout { get; init; }
    /// <summary>
    /// A top-level run that has computed this long without awaiting anything moves on to the thread pool, once,
    /// between two nodes. A host that starts a run on its caller's thread (no hop for a run that ends at once) gets
    /// the run's task back then, so a caller waiting with a timeout is still answered in time. Null: never.
    /// </summary>
    public TimeSpan? YieldAfter { get; init; }
    /// <summary>How deep CallFlow may nest.</summary>
    public int MaxCallDepth { get; init; } = 16;
    public bool Journal { get; init; } = true;
    /// <summary>
    /// Log entries kept per run; later ones are counted, not kept, and one warning says how many (a loop over
    /// thousands of pages logs a line per request, and a long import must not grow with them).
    /// </summary>
    public int MaxLogEntries { get; init; } = 10_000;

    /// <summary>
    /// A node's retry waits up to this long in the run (the instance stays in memory); a longer wait suspends the
    /// instance on a durable timer (a <c>delay</c> bookmark, as the Delay activity does) and the node runs again when
    /// it is due, in whichever process resumes it.
    /// </summary>
    public TimeSpan RetryInProcessLimit { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Where retry jitter draws from (a number in [0, 1)); tests pass a fixed source.</summary>
    public Func<double> RetryRandom { get; init; } = Random.Shared.NextDouble;

    /// <summary>The logger run logs and node scopes go to, created from <see cref="Services"/> on first use (EngineTelemetry).</summary>
    internal Microsoft.Extensions.Logging.ILogger? RunLogger { get; set; }

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();
        public object? GetService(Type serviceType) => null;
    }
}

/// <summary>Finds flows by id for CallFlow (a folder, a connector, the server's store).</summary>
public interface IFlowProvider
{
    ValueTask<Flows.FlowDefinition?> FindAsync(string flowId, CancellationToken cancellationToken);
}

/// <summary>
/// A provider whose flows do not change once loaded (a connector package), so CallFlow may reuse
/// one compilation per flow instead of compiling its target again on every call.
/// </summary>
public interface ICompiledFlowProvider : IFlowProvider
{
    /// <summary>
    /// The flow compiled by <paramref name="engine"/>, or null when there is no such flow;
    /// throws <see cref="Flows.FlowValidationException"/> when it is invalid.
    /// </summary>
    ValueTask<CompiledFlow?> FindCompiledAsync(string flowId, FlowEngine engine, CancellationToken cancellationToken);
}

/// <summary>Flows held in memory, keyed by id.</summary>
public sealed class InMemoryFlowProvider(IEnumerable<Flows.FlowDefinition> flows) : IFlowProvider
{
    private readonly Dictionary<string, Flows.FlowDefinition> _flows = flows.ToDictionary(f => f.Id, StringComparer.Ordinal);

    public ValueTask<Flows.FlowDefinition?> FindAsync(string flowId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_flows.GetValueOrDefault(flowId));
}
