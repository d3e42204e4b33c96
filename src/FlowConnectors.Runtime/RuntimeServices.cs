using FlowConnectors.Engine.Activities.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlowConnectors.Runtime;

/// <summary>
/// A timer of a trigger that is not a flow's own (a data-collection schedule, say): the host that owns such
/// triggers handles their timers, the scheduler asks each handler before starting a flow.
/// </summary>
public interface ITriggerTimerHandler
{
    bool Handles(string triggerId);
    Task FireAsync(string triggerId, CancellationToken ct);
}

/// <summary>Registers the durable runtime; the stores (Persistence) and the timers (Scheduling) are registered by theirs.</summary>
public static class RuntimeServices
{
    /// <param name="background">Also runs the background workers (inbox, crash recovery, leases) as a hosted service.</param>
    public static IServiceCollection AddFlowRuntime(this IServiceCollection services, RuntimeOptions options, bool background = true)
    {
        services.AddSingleton(options);
        services.AddSingleton<NodeIdentity>();
        services.AddSingleton(_ => new RunLimiter(options));
        services.AddSingleton<ICallbackTokens>(provider => new CallbackTokens(provider.GetRequiredService<NodeIdentity>()));
        services.AddSingleton(provider => new Lazy<IDurableTimers>(provider.GetRequiredService<IDurableTimers>));
        services.AddSingleton<WorkflowHost>();
        services.AddSingleton<InstanceRepairs>();
        services.AddSingleton<TriggerRegistry>();
        services.AddSingleton<BackgroundWorkers>();
        if (background) services.AddHostedService(provider => provider.GetRequiredService<BackgroundWorkers>());
        return services;
    }
}
