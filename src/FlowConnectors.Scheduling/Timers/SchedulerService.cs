using FlowConnectors.Engine.Runtime;
using FlowConnectors.Persistence;
using FlowConnectors.Scheduling;

namespace FlowConnectors.Server.Runtime;

/// <summary>
/// Hosts the durable scheduler: Delay and Wait-for-Callback timeouts resume their bookmark, schedule
/// triggers start their flow. Timers live in the database, so they fire after a restart; one missed
/// while the server was down fires once on start.
/// </summary>
internal sealed class SchedulerService : BackgroundService
{
    private readonly IServiceProvider _services;

    public SchedulerService(ITimerStore timers, TimeProvider clock, IServiceProvider services, ILogger<DurableScheduler> logger)
    {
        _services = services;
        Scheduler = new DurableScheduler(timers, clock, FireAsync, new DurableSchedulerOptions { RetryDelay = TimeSpan.FromMilliseconds(200) }, logger);
    }

    public DurableScheduler Scheduler { get; }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Scheduler.RunAsync(stoppingToken);

    private async Task FireAsync(TimerRecord timer, CancellationToken ct)
    {
        var host = _services.GetRequiredService<WorkflowHost>();
        if (timer.Kind == TimerKinds.Trigger && CollectionService.IsCollectionTrigger(timer.TriggerId))
        {
            // A data-collection schedule: the import runs in the background, the scheduler goes on.
            await _services.GetRequiredService<CollectionService>().FireAsync(timer.TriggerId!, ct);
            return;
        }
        if (timer.Kind == TimerKinds.Trigger)
        {
            var trigger = (await _services.GetRequiredService<ITriggerStore>().ListAsync(null, ct)).FirstOrDefault(t => t.Id == timer.TriggerId);
            if (trigger is not { Enabled: true }) return;
            await host.StartAsync(trigger.FlowId, null, null, new RunOptions { Properties = ScheduleTriggers.RunProperties(timer) }, TimeSpan.Zero, ct);
            return;
        }
        await host.FireTimerAsync(timer);
    }
}
