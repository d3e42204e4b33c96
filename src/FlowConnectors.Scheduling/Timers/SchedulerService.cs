using FlowConnectors.Engine.Runtime;
using FlowConnectors.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Scheduling;

/// <summary>
/// Hosts the durable scheduler as the runtime's timers (<see cref="IDurableTimers"/>): Delay and Wait-for-Callback
/// timeouts resume their bookmark, schedule triggers start their flow, other triggers' timers go to their
/// <see cref="ITriggerTimerHandler"/>. Timers live in the database, so they fire after a restart; one missed
/// while the server was down fires once on start.
/// </summary>
public sealed class SchedulerService : BackgroundService
{
    private readonly IServiceProvider _services;

    internal SchedulerService(ITimerStore timers, TimeProvider clock, IServiceProvider services, ILogger<DurableScheduler> logger)
    {
        _services = services;
        var runtime = services.GetRequiredService<RuntimeOptions>();
        // Claimed timers are this node's for as long as an instance lease; other nodes look at the store often enough
        // to take over a dead node's timers soon after its claims run out.
        var poll = runtime.LeaseDuration / 2;
        poll = poll < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : poll > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : poll;
        Scheduler = new DurableScheduler(timers, clock, FireAsync, new DurableSchedulerOptions
        {
            RetryDelay = TimeSpan.FromMilliseconds(200),
            Owner = services.GetRequiredService<NodeIdentity>().LeaseOwner,
            ClaimDuration = runtime.LeaseDuration,
            PollInterval = poll,
            // Firing a Delay timer is a resume: mostly database round trips (its share of the lease and save group commits), so
            // many go on at once and fired/s is about this many over one resume's latency; the runs themselves stay within the
            // run limits, where a resume goes before new starts.
            Parallelism = FireParallelism,
            BatchSize = FireParallelism * 4,
            TransientCause = services.GetService<IStoreFailures>() is { } failures ? failures.TransientCause : null,
        }, logger);
    }

    private static readonly int FireParallelism = Math.Max(32, Environment.ProcessorCount * 16);

    public DurableScheduler Scheduler { get; }

    /// <summary>Registers the scheduler as the runtime's <see cref="IDurableTimers"/>, run as a hosted service.</summary>
    public static IServiceCollection Register(IServiceCollection services)
    {
        services.AddSingleton(provider => new SchedulerService(provider.GetRequiredService<ITimerStore>(), provider.GetRequiredService<TimeProvider>(),
            provider, provider.GetRequiredService<ILogger<DurableScheduler>>()));
        services.AddSingleton<IDurableTimers>(provider => provider.GetRequiredService<SchedulerService>().Scheduler);
        services.AddHostedService(provider => provider.GetRequiredService<SchedulerService>());
        return services;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Scheduler.RunAsync(stoppingToken);

    private async Task FireAsync(TimerRecord timer, CancellationToken ct)
    {
        var host = _services.GetRequiredService<WorkflowHost>();
        if (timer.Kind == TimerKinds.Trigger && timer.TriggerId is { } triggerId)
        {
            if (_services.GetServices<ITriggerTimerHandler>().FirstOrDefault(h => h.Handles(triggerId)) is { } handler)
            {
                await handler.FireAsync(triggerId, ct);
                return;
            }
            var trigger = (await _services.GetRequiredService<ITriggerStore>().ListAsync(null, ct)).FirstOrDefault(t => t.Id == triggerId);
            if (trigger is not { Enabled: true }) return;
            // One instance per due time, whichever node fires it and however often: its id comes from the trigger and the
            // due time, so a timer fired again (its node died after the start, before the delete) finds it stored.
            var instanceId = ScheduleTriggers.InstanceIdFor(triggerId, timer.DueAt);
            if (await _services.GetRequiredService<IInstanceStore>().GetAsync(instanceId, ct) is not null) return;
            await host.StartAsync(trigger.FlowId, null, null, new RunOptions { InstanceId = instanceId, Properties = ScheduleTriggers.RunProperties(timer) },
                TimeSpan.Zero, ct);
            return;
        }
        await host.FireTimerAsync(timer);
    }
}
