using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using FlowConnectors.Engine.Stimuli;

namespace FlowConnectors.Runtime;

/// <summary>
/// Delivers stored stimuli and recovers instances whose worker died (timers are the scheduler's); keeps the
/// leases of this process's runs alive, expires events nobody waited for and restores Delay timers that are
/// missing. Failures are logged and retried on the next pass; the loop never stops.
/// </summary>
public sealed class BackgroundWorkers(
    WorkflowHost host,
    IInboxStore inbox,
    IInstanceStore instances,
    RuntimeOptions options,
    TimeProvider clock,
    ILogger<BackgroundWorkers> logger) : BackgroundService
{
    private static readonly TimeSpan HousekeepingInterval = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>Asks for a pass now (a stimulus was just stored).</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Leases are renewed well before they run out, on their own timer: a long inbox pass must not let them lapse.
        _ = Task.Run(() => RenewLeasesAsync(stoppingToken), CancellationToken.None);
        await Guard(() => host.RestoreMissingTimersAsync(stoppingToken), "restoring missing timers");
        await RecoverAsync(stoppingToken);
        var housekeepingAt = clock.GetUtcNow() + HousekeepingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var message in await inbox.ListPendingAsync(50, stoppingToken))
                    await Guard(() => host.ProcessInboxMessageAsync(message), $"inbox message {message.Id}");
                await RecoverAsync(stoppingToken);
                if (clock.GetUtcNow() >= housekeepingAt)
                {
                    housekeepingAt = clock.GetUtcNow() + HousekeepingInterval;
                    await Guard(() => host.RestoreMissingTimersAsync(stoppingToken), "restoring missing timers");
                    await Guard(ExpireEventsAsync, "expiring events");
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError("background pass failed: {Message}", e.Message);
            }
            try { await _wake.WaitAsync(options.PollInterval, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    /// <summary>
    /// Instances left running with an expired (or reclaimed) lease resume from their last saved state, a few
    /// at a time. An instance that keeps killing the process is faulted as poisoned by the host instead.
    /// </summary>
    private async Task RecoverAsync(CancellationToken stoppingToken)
    {
        var orphaned = await instances.FindOrphanedAsync(clock.GetUtcNow(), stoppingToken);
        if (orphaned.Count == 0) return;
        await Parallel.ForEachAsync(orphaned, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stoppingToken },
            async (id, _) => await Guard(() => host.ExecuteAsync(id, null), $"recovery of instance {id}"));
    }

    private async Task ExpireEventsAsync()
    {
        var expired = await inbox.ExpireWaitingAsync(EventStimulus.BookmarkName, clock.GetUtcNow() - options.EventRetention);
        if (expired > 0) logger.LogInformation("{Count} events nobody waited for expired", expired);
    }

    private async Task RenewLeasesAsync(CancellationToken stoppingToken)
    {
        var interval = options.LeaseDuration / 4 < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : options.LeaseDuration / 4;
        using var timer = new PeriodicTimer(interval > TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await Guard(() => host.RenewLeasesAsync(stoppingToken), "renewing leases");
        }
        catch (OperationCanceledException) { }
    }

    private async Task Guard(Func<Task> work, string what)
    {
        try { await work(); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError("{What} failed: {Message}", what, e.Message);
        }
    }
}
