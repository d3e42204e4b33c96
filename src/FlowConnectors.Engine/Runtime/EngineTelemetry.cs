using System.Diagnostics;
using System.Diagnostics.Metrics;
using FlowConnectors.Engine.Activities;
using Microsoft.Extensions.Logging;
using DiagnosticsActivity = System.Diagnostics.Activity;
using DiagnosticsContext = System.Diagnostics.ActivityContext;

namespace FlowConnectors.Engine.Runtime;

/// <summary>
/// The engine's traces, metrics and log scopes, on System.Diagnostics only (exporters are the host's business).
/// A run of an instance is a span (<c>flow run</c>, or <c>flow resume</c> for a later stretch) and each node a
/// span inside it. The first run stores its trace context in the instance (<see cref="TraceParentProperty"/>),
/// so every later stretch — a resume after a callback, a recovery after a crash — belongs to the same trace,
/// with a link to whatever request caused it.
/// </summary>
public static class EngineTelemetry
{
    public const string Name = "FlowConnectors.Engine";
    /// <summary>The instance property holding the W3C traceparent of the instance's trace.</summary>
    public const string TraceParentProperty = "otel.traceparent";
    public const string FlowTag = "flowconnectors.flow.id";
    public const string InstanceTag = "flowconnectors.instance.id";
    public const string NodeTag = "flowconnectors.node.id";
    public const string ActivityTypeTag = "flowconnectors.activity.type";
    public const string StatusTag = "flowconnectors.status";

    internal static readonly ActivitySource Source = new(Name);
    internal static readonly Meter Meter = new(Name);
    private static readonly Counter<long> RunsStarted = Meter.CreateCounter<long>("flowconnectors.runs.started", "{run}", "Instances started, per flow");
    private static readonly Counter<long> RunsFinished = Meter.CreateCounter<long>("flowconnectors.runs.finished", "{run}", "Instances that finished, per flow");
    private static readonly Counter<long> RunsFaulted = Meter.CreateCounter<long>("flowconnectors.runs.faulted", "{run}", "Instances that faulted, per flow");
    private static readonly Counter<long> RunsCancelled = Meter.CreateCounter<long>("flowconnectors.runs.cancelled", "{run}", "Instances that were cancelled, per flow");
    private static readonly Histogram<double> NodeDuration = Meter.CreateHistogram<double>("flowconnectors.node.duration", "s",
        "How long a node ran (to its result or its suspension), per flow, activity type and status");

    internal static void RunStarted(string flowId) => RunsStarted.Add(1, new KeyValuePair<string, object?>(FlowTag, flowId));

    /// <summary>Starts the span of one stretch of a top-level run; null when nobody listens.</summary>
    internal static DiagnosticsActivity? StartRun(FlowInstanceState state, bool resumed)
    {
        if (!Source.HasListeners()) return null;
        var incoming = DiagnosticsActivity.Current;
        DiagnosticsContext parent = default;
        ActivityLink[]? links = null;
        if (state.Properties.TryGetValue(TraceParentProperty, out var stored)
            && DiagnosticsContext.TryParse(stored, null, isRemote: true, out var instanceTrace))
        {
            parent = instanceTrace;
            if (incoming is not null && incoming.TraceId != instanceTrace.TraceId) links = [new ActivityLink(incoming.Context)];
        }
        else if (incoming is not null)
        {
            parent = incoming.Context;
        }
        var span = Source.StartActivity(resumed ? "flow resume" : "flow run", ActivityKind.Internal, parent, null, links);
        if (span is null) return null;
        span.SetTag(FlowTag, state.FlowId);
        span.SetTag(InstanceTag, state.InstanceId);
        if (!state.Properties.ContainsKey(TraceParentProperty) && span.IdFormat == ActivityIdFormat.W3C && span.Id is { } id)
            state.Properties[TraceParentProperty] = id;
        return span;
    }

    /// <summary>Ends a top-level stretch: its span, and the run counters when the instance ended.</summary>
    internal static void EndRun(DiagnosticsActivity? span, FlowInstanceState state)
    {
        var flow = new KeyValuePair<string, object?>(FlowTag, state.FlowId);
        switch (state.Status)
        {
            case FlowStatus.Finished: RunsFinished.Add(1, flow); break;
            case FlowStatus.Faulted: RunsFaulted.Add(1, flow); break;
            case FlowStatus.Cancelled: RunsCancelled.Add(1, flow); break;
        }
        if (span is null) return;
        span.SetTag(StatusTag, state.Status.ToString().ToLowerInvariant());
        if (state.Status == FlowStatus.Faulted) span.SetStatus(ActivityStatusCode.Error, state.Fault?.ToString());
        span.Stop();
    }

    /// <summary>One node's span and log scope while its activity starts; <see cref="Leave"/> after the activity returned its task.</summary>
    internal readonly struct NodeScope(DiagnosticsActivity? span, DiagnosticsActivity? previous, IDisposable? logScope, long started, string flowId, string activityType)
    {
        public DiagnosticsActivity? Span => span;
        public long Started => started;
        public string FlowId => flowId;
        public string ActivityType => activityType;

        /// <summary>
        /// Back to the run's context on the scheduler's thread; the activity's own continuation keeps the node's
        /// span and scope (both are async-local and were captured when it started).
        /// </summary>
        public void Leave()
        {
            logScope?.Dispose();
            if (span is not null && DiagnosticsActivity.Current == span) DiagnosticsActivity.Current = previous;
        }
    }

    internal static NodeScope EnterNode(FlowEngineOptions options, FlowInstanceState state, string nodeId, string activityType, long started)
    {
        var previous = DiagnosticsActivity.Current;
        DiagnosticsActivity? span = null;
        if (Source.HasListeners())
        {
            span = Source.StartActivity(nodeId, ActivityKind.Internal);
            if (span is not null)
            {
                span.SetTag(FlowTag, state.FlowId);
                span.SetTag(InstanceTag, state.InstanceId);
                span.SetTag(NodeTag, nodeId);
                span.SetTag(ActivityTypeTag, activityType);
            }
        }
        var logScope = LoggerOf(options)?.BeginScope(new RunLogScope(state.FlowId, state.InstanceId, nodeId));
        return new NodeScope(span, previous, logScope, started, state.FlowId, activityType);
    }

    /// <summary>Ends the node's span and records its duration when the activity's task completes.</summary>
    internal static ValueTask<ActivityResult> Observe(NodeScope scope, ValueTask<ActivityResult> pending)
    {
        if (scope.Span is null && !NodeDuration.Enabled) return pending;
        if (pending.IsCompletedSuccessfully)
        {
            EndNode(scope, pending.Result, null);
            return pending;
        }
        return new ValueTask<ActivityResult>(ObserveAsync(scope, pending.AsTask()));
    }

    private static async Task<ActivityResult> ObserveAsync(NodeScope scope, Task<ActivityResult> pending)
    {
        try
        {
            var result = await pending.ConfigureAwait(false);
            EndNode(scope, result, null);
            return result;
        }
        catch (Exception e)
        {
            EndNode(scope, null, e);
            throw;
        }
    }

    /// <summary>The node's activity threw before it returned a task.</summary>
    internal static void Failed(NodeScope scope, Exception error)
    {
        if (scope.Span is null && !NodeDuration.Enabled) return;
        EndNode(scope, null, error);
    }

    private static void EndNode(NodeScope scope, ActivityResult? result, Exception? error)
    {
        var status = error is not null || result?.ErrorMessage is not null ? "fault"
            : result?.Kind == ActivityResultKind.Suspend ? "suspended" : "ok";
        NodeDuration.Record(Stopwatch.GetElapsedTime(scope.Started).TotalSeconds,
            new KeyValuePair<string, object?>(FlowTag, scope.FlowId),
            new KeyValuePair<string, object?>(ActivityTypeTag, scope.ActivityType),
            new KeyValuePair<string, object?>(StatusTag, status));
        if (scope.Span is not { } span) return;
        span.SetTag(StatusTag, status);
        if (result?.OutcomeName is { } outcome) span.SetTag("flowconnectors.outcome", outcome);
        if (status == "fault") span.SetStatus(ActivityStatusCode.Error, error is ActivityFaultException ? error.Message : result?.ErrorMessage ?? error?.GetType().Name);
        span.Stop();
    }

    // --- logs -------------------------------------------------------------------------------

    private static ILogger? LoggerOf(FlowEngineOptions options)
    {
        if (options.RunLogger is { } logger) return logger;
        if (options.Services.GetService(typeof(ILoggerFactory)) is not ILoggerFactory factory) return null;
        return options.RunLogger = factory.CreateLogger("FlowConnectors.Flows");
    }

    /// <summary>A run's log entry (the Log activity, HTTP requests) also goes to the host's logs, with the run's ids.</summary>
    internal static void Log(FlowEngineOptions options, FlowInstanceState state, string nodeId, string level, string message)
    {
        if (LoggerOf(options) is not { } logger) return;
        var logLevel = level switch
        {
            "debug" => LogLevel.Debug,
            "warning" or "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            _ => LogLevel.Information,
        };
        if (!logger.IsEnabled(logLevel)) return;
        using (logger.BeginScope(new RunLogScope(state.FlowId, state.InstanceId, nodeId)))
            logger.Log(logLevel, "{Message}", message);
    }

    /// <summary>The ids a log line written during a node carries (its scope), as structured properties.</summary>
    private sealed class RunLogScope(string flowId, string instanceId, string nodeId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("FlowId", flowId),
            1 => new("InstanceId", instanceId),
            2 => new("NodeId", nodeId),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public int Count => 3;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++) yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"flow {flowId}, instance {instanceId}, node {nodeId}";
    }
}
