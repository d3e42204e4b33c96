using System.Diagnostics.Metrics;
using FlowConnectors.Persistence;
using FlowConnectors.Runtime;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// The server's gauges: runs waiting for a slot (queue depth) and running here, and the bytes of stimuli held here, read live; inbox depth, timer lag and
/// instances by status, read from the database every <see cref="TelemetryOptions.GaugeInterval"/> (a scrape never
/// waits on the database). Each carries the node id, so the servers of a cluster — or of one test process — differ.
/// </summary>
internal sealed class ServerMetrics : BackgroundService
{
    public const string Name = "FlowConnectors.Server";
    private readonly Meter _meter;
    private readonly IRetentionStore _store;
    private readonly ServerOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<ServerMetrics> _logger;
    private volatile RuntimeGauges? _sampled;

    public ServerMetrics(IMeterFactory meters, RunLimiter limiter, IServiceProvider services, NodeIdentity identity, IRetentionStore store,
        ServerOptions options, TimeProvider clock, ILogger<ServerMetrics> logger)
    {
        _store = store;
        _options = options;
        _clock = clock;
        _logger = logger;
        _meter = meters.Create(Name);
        var node = new KeyValuePair<string, object?>("flowconnectors.node", identity.NodeId);
        _meter.CreateObservableGauge("flowconnectors.queue.depth", () => new Measurement<long>(limiter.Waiting, node), "{run}",
            "Runs waiting for a run slot (MaxConcurrentRuns, MaxConcurrentRunsPerFlow)");
        // Resolved on first read: the host depends on services that are built after the metrics.
        _meter.CreateObservableGauge("flowconnectors.runs.active", () => new Measurement<long>(services.GetRequiredService<WorkflowHost>().ActiveRuns, node), "{run}",
            "Runs this process executes or has queued");
        _meter.CreateObservableGauge("flowconnectors.inbox.held", () => new Measurement<long>(services.GetRequiredService<BackgroundWorkers>().BytesInHand, node), "By",
            "Bytes of stored stimuli this process holds in memory to process (bounded by InboxBytesInHand)");
        _meter.CreateObservableGauge<long>("flowconnectors.inbox.depth", () => _sampled is { } s
            ? new[] { new Measurement<long>(s.InboxPending, node, new("flowconnectors.inbox.status", "pending")),
               new Measurement<long>(s.InboxWaiting, node, new("flowconnectors.inbox.status", "waiting")) }
            : Array.Empty<Measurement<long>>(), "{message}", "Stored stimuli to process (pending) or waiting for their bookmark");
        _meter.CreateObservableGauge<double>("flowconnectors.timer.lag", () => _sampled is { } s ? new[] { new Measurement<double>(s.TimerLag.TotalSeconds, node) } : Array.Empty<Measurement<double>>(), "s",
            "How long the oldest due timer is overdue (0 when none is)");
        _meter.CreateObservableGauge<long>("flowconnectors.instances", () => _sampled is { } s
            ? new[] { new Measurement<long>(s.InstancesRunning, node, new("flowconnectors.status", "running")),
               new Measurement<long>(s.InstancesSuspended, node, new("flowconnectors.status", "suspended")) }
            : Array.Empty<Measurement<long>>(), "{instance}", "Instances not ended, by status");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _sampled = await _store.ReadGaugesAsync(_clock.GetUtcNow(), stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning("sampling the runtime gauges failed: {Message}", e.Message);
            }
            try { await Task.Delay(_options.Telemetry.GaugeInterval, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }
}
