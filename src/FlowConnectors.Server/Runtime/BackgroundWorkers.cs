using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;

namespace FlowConnectors.Server.Runtime;

/// <summary>
/// Delivers stored stimuli and recovers instances whose worker died (timers are the scheduler's). Failures are logged and retried on the next pass; the loop never stops.
/// </summary>
internal sealed class BackgroundWorkers(
    WorkflowHost host,
    IInboxStore inbox,
    IInstanceStore instances,
    ServerOptions options,
    TimeProvider clock,
    ILogger<BackgroundWorkers> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>Asks for a pass now (a stimulus was just stored).</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecoverAsync();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var message in await inbox.ListPendingAsync(50, stoppingToken))
                    await Guard(() => host.ProcessInboxMessageAsync(message), $"inbox message {message.Id}");
                await RecoverAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError("background pass failed: {Message}", e.Message);
            }
            try { await _wake.WaitAsync(options.PollInterval, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    /// <summary>Instances left running with an expired lease resume from their last saved state.</summary>
    private async Task RecoverAsync()
    {
        foreach (var id in await instances.FindOrphanedAsync(clock.GetUtcNow()))
            await Guard(() => host.ExecuteAsync(id, null), $"recovery of instance {id}");
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
