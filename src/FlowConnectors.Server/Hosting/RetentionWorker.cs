using System.Diagnostics;
using FlowConnectors.Persistence;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// Counts faulted instances into their incidents, then prunes ended runs (FlowConnectors:Retention) in small batches
/// with a pause between them, so the runs' own writes get the database in between; on SQLite it then gives the freed
/// pages back to the file system. One pass per <see cref="RetentionSettings.Interval"/>; failures are logged and
/// retried next pass.
/// </summary>
internal sealed class RetentionWorker(IRetentionStore store, ServerOptions options, TimeProvider clock, ILogger<RetentionWorker> logger) : BackgroundService
{
    private const int IncidentBatch = 500;
    private const int VacuumPagesPerStep = 2_000;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);
    private readonly SemaphoreSlim _collecting = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not during start-up: the first pass waits a moment, behind recovery and the first requests.
        try { await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken); }
        catch (OperationCanceledException) { return; }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PassAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError("retention pass failed: {Message}", e.Message);
            }
            try { await Task.Delay(options.Retention.Interval, stoppingToken); }
            catch (OperationCanceledException) { break; }
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
            logger.LogInformation("retention: deleted {Instances} runs, {Journal} journal entries and {Inbox} inbox messages, gave back {Pages} pages, in {Elapsed} ms",
                instances, journal, inbox, pages, watch.ElapsedMilliseconds);
    }
}
