namespace FlowConnectors.Runtime;

/// <summary>Settings of the durable runtime; the server fills them from its own (section "FlowConnectors").</summary>
public sealed class RuntimeOptions
{
    /// <summary>Where the node id and the callback secret are kept when not configured.</summary>
    public string DataFolder { get; set; } = "data";
    /// <summary>How long one worker may hold an instance before another may take it over.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>How often background workers look for work (inbox, orphaned instances).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);
    /// <summary>The wall-clock budget of one run; a run still going then is stopped and its instance faulted.</summary>
    public TimeSpan RunTimeout { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>A run a caller waits for is stored only when it ends, unless it runs longer than this.</summary>
    public TimeSpan RunVisibleAfter { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Runs executing at once; 0: four per processor core (at least 8).</summary>
    public int MaxConcurrentRuns { get; set; }
    /// <summary>Runs of one flow executing at once; 0: one per processor core (at least 2).</summary>
    public int MaxConcurrentRunsPerFlow { get; set; }
    /// <summary>Runs a caller waits for that may wait for a slot; beyond it <see cref="RunQueueFullException"/>.</summary>
    public int MaxQueuedRuns { get; set; } = 1000;
    /// <summary>An instance whose runs killed the process this many times is faulted as poisoned.</summary>
    public int MaxCrashRecoveries { get; set; } = 3;
    /// <summary>Failed processing attempts of a stored stimulus before it is dead-lettered.</summary>
    public int MaxDeliveryAttempts { get; set; } = 5;
    /// <summary>Deepest nesting accepted in an event or callback payload.</summary>
    public int MaxPayloadDepth { get; set; } = 32;
    /// <summary>Largest stimulus payload accepted, in bytes.</summary>
    public long MaxPayloadBytes { get; set; } = 1024 * 1024;
    /// <summary>
    /// Stimuli the inbox worker holds in memory at most, in bytes of their stored text (body, payload, headers): beyond it a
    /// callback is stored for later and the worker claims no more until some are done. One larger than this is still taken
    /// when nothing else is held, so the bound is this plus one stimulus.
    /// </summary>
    public long InboxBytesInHand { get; set; } = 64 * 1024 * 1024;
    /// <summary>How long an event nobody waits for is kept for an instance that starts waiting later.</summary>
    public TimeSpan EventRetention { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>This node's stable name; empty: created on first start and kept in the data folder.</summary>
    public string? NodeId { get; set; }
    /// <summary>Base64 key (32 bytes or more) callback tokens are derived from; empty: created and kept in the data folder.</summary>
    public string? CallbackSecret { get; set; }
}
