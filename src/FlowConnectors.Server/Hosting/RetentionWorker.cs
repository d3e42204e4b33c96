using System.Diagnostics;
using FlowConnectors.Persistence;
using FlowConnectors.Runtime;
using Medallion.Threading;
using Medallion.Threading.Postgres;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// Counts faulted instances into their incidents, then prunes ended runs (FlowConnectors:Retention) in small batches
/// with a pause between them, so the runs' own writes get the database in between; on SQLite it then gives the freed
/// pages back to the file system. One pass per <see cref="RetentionSettings.Interval"/>; failures are logged and
/// retried next pass.
/// On PostgreSQL the passes run once across the cluster, not once per node: a pass needs the cluster's retention lock
/// (a PostgreSQL advisory lock, through DistributedLock.Postgres). The node that takes it keeps it between passes, so
/// another node never repeats a pass just after it; the others skip theirs while it lives, and one of them takes the
/// lock over at its next pass when the holder stops or dies (its session, and with it the lock, ends).
/// SQLite serves one node and needs no lock.
/// </summary>
internal sealed class RetentionWorker(IRetentionStore store, ServerOptions options, NodeIdentity node, TimeProvider clock, ILogger<RetentionWorker> logger) : BackgroundService
{
    private const string LockName = "flowconnectors:retention";
    private IDistributedSynchronizationHandle? _clusterLock;

    private const int IncidentBatch = 500;
    private const int VacuumPagesPerStep = 2_000;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);
    private readonly SemaphoreSlim _collecting = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not during start-up: the first pass waits a moment, behind recovery and the first requests.
        try { await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken); }
        catch (OperationCanceledException) { return; }
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (await HoldsClusterLockAsync(stoppingToken)) await PassAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One pass per interval: a storage failure is named without its stack trace; anything else keeps it (EF Core does not
                    // log a failed query itself).
                    if (FlowConnectors.Persistence.StorageFailures.Describe(e) is { } storage) logger.LogWarning("retention pass failed: {Cause}", storage.Description);
                    else logger.LogError(e, "retention pass failed: {Message}", e.Message);
                }
                try { await Task.Delay(options.Retention.Interval, stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }
        finally
        {
            // Released at once on a graceful stop, so another node takes the passes over at its next one.
            await ReleaseClusterLockAsync();
        }
    }

    /// <summary>Whether this node runs the cluster's retention pass: always on SQLite; on PostgreSQL while it holds the lock.</summary>
    private async Task<bool> HoldsClusterLockAsync(CancellationToken ct)
    {
        if (options.Database != "postgres") return true;
        if (_clusterLock is { } held)
        {
            if (!held.HandleLostToken.IsCancellationRequested) return true;
            logger.LogWarning("retention: node {Node} lost the cluster's retention lock (its database session ended)", node.NodeId);
            await ReleaseClusterLockAsync();
        }
        var clusterLock = new PostgresDistributedLock(new PostgresAdvisoryLockKey(LockName, allowHashing: true), options.ConnectionString!);
        _clusterLock = await clusterLock.TryAcquireAsync(TimeSpan.Zero, ct);
        if (_clusterLock is null) return false;
        logger.LogInformation("retention: node {Node} took the cluster's retention lock and runs the passes; the other nodes skip theirs", node.NodeId);
        return true;
    }

    private async Task ReleaseClusterLockAsync()
    {
        if (_clusterLock is not { } held) return;
        _clusterLock = null;
        try { await held.DisposeAsync(); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Its session is gone either way (and the lock with it).
            logger.LogDebug("retention: releasing the cluster's retention lock: {Message}", e.Message);
        }
    }

    /// <summary>Counts every faulted instance not yet in an incident (also called before incidents are listed).</summary>
    public async Task CollectIncidentsAsync(CancellationToken ct)
    {
        await _collecting.WaitAsync(ct);
        try
        {
            while (await store.CollectIncidentsAsync(IncidentBatch, ct) > 0) { }
        }
        finally
        {
            _collecting.Release();
        }
    }

    private async Task PassAsync(CancellationToken ct)
    {
        await CollectIncidentsAsync(ct);
        var settings = options.Retention;
        if (!settings.Enabled) return;
        var watch = Stopwatch.StartNew();
        int instances = 0, journal = 0, inbox = 0;
        while (!ct.IsCancellationRequested)
        {
            var pruned = await store.PruneAsync(settings, clock.GetUtcNow(), ct);
            if (!pruned.Any) break;
            instances += pruned.Instances;
            journal += pruned.JournalEntries;
            inbox += pruned.InboxMessages;
            await Task.Delay(Pause, ct);
        }
        long pages = 0;
        for (long freed; (freed = await store.ReclaimSpaceAsync(VacuumPagesPerStep, ct)) > 0;)
        {
            pages += freed;
            await Task.Delay(Pause, ct);
        }
        if (instances + journal + inbox > 0 || pages > 0)
            logger.LogInformation("retention: deleted {Instances} runs, {Journal} journal entries and {Inbox} inbox messages, gave back {Pages} pages, in {Elapsed} ms (pass run by node {Node})",
                instances, journal, inbox, pages, watch.ElapsedMilliseconds, node.NodeId);
    }
}
