using System.ComponentModel.DataAnnotations;

namespace FlowConnectors.Persistence;

/// <summary>How much of a run's journal is kept once the run has ended.</summary>
public enum JournalDetail
{
    /// <summary>Every entry, for every run.</summary>
    Full,
    /// <summary>The journal of a faulted run is kept whole; that of a finished or cancelled run is dropped.</summary>
    ErrorsOnly,
    /// <summary>No journal is kept once a run ends (the instance, its outputs and its fault stay).</summary>
    None,
}

/// <summary>One flow's own retention; what it leaves null comes from <see cref="RetentionSettings"/>.</summary>
public sealed class FlowRetention
{
    [Range(0d, 36500d)]
    public double? FinishedDays { get; set; }
    [Range(0d, 36500d)]
    public double? FaultedDays { get; set; }
    [Range(0, int.MaxValue)]
    public int? MaxRuns { get; set; }
    public JournalDetail? Journal { get; set; }
}

/// <summary>
/// How long ended runs are kept (<c>FlowConnectors:Retention</c>). The defaults bound the database: a finished or
/// cancelled run is deleted 7 days after it ended, a faulted one after 30, and a flow keeps at most its 10,000
/// newest ended runs. Running and waiting instances are never deleted. Zero turns a limit off; a negative one is refused
/// at start (the server's settings check, <c>RangeAttribute</c>).
/// </summary>
public sealed class RetentionSettings
{
    /// <summary>Days a finished or cancelled run is kept after it ended; 0 keeps them.</summary>
    [Range(0d, 36500d)]
    public double FinishedDays { get; set; } = 7;
    /// <summary>Days a faulted run is kept after it faulted; 0 keeps them. Its incident is kept regardless.</summary>
    [Range(0d, 36500d)]
    public double FaultedDays { get; set; } = 30;
    /// <summary>Ended runs kept per flow, newest first; 0 for no limit.</summary>
    [Range(0, int.MaxValue)]
    public int MaxRunsPerFlow { get; set; } = 10_000;
    public JournalDetail Journal { get; set; } = JournalDetail.Full;
    /// <summary>Per flow id, settings that replace the ones above for that flow.</summary>
    public Dictionary<string, FlowRetention> Flows { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Rows deleted per statement: small batches keep each write short, so runs never wait long behind pruning.</summary>
    [Range(1, int.MaxValue)]
    public int BatchSize { get; set; } = 500;
    /// <summary>Time between pruning passes.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "24.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>Off: nothing is pruned (incidents are still collected).</summary>
    public bool Enabled { get; set; } = true;

    internal double FinishedDaysOf(string flowId) => Flows.TryGetValue(flowId, out var own) && own.FinishedDays is { } days ? days : FinishedDays;
    internal double FaultedDaysOf(string flowId) => Flows.TryGetValue(flowId, out var own) && own.FaultedDays is { } days ? days : FaultedDays;
    internal int MaxRunsOf(string flowId) => Flows.TryGetValue(flowId, out var own) && own.MaxRuns is { } max ? max : MaxRunsPerFlow;
}
