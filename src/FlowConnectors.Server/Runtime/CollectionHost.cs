using System.Globalization;
using FlowConnectors.Collection;
using FlowConnectors.Runtime;
using FlowConnectors.Scheduling;
using FlowConnectors.Server.Hosting;

namespace FlowConnectors.Server.Runtime;

/// <summary>The server's side of the collection module: its installer, its durable timers, and its host lifetime.</summary>
internal static class CollectionHost
{
    public static IServiceCollection AddCollectionHost(this IServiceCollection services)
    {
        services.AddFlowCollection(provider => new CollectionOptions(Path.Combine(provider.GetRequiredService<ServerOptions>().FlowsFolder, "templates")));
        services.AddSingleton<ICollectionConnectorInstaller, InstallerAdapter>();
        services.AddSingleton<ICollectionSchedules, DurableSchedules>();
        services.AddSingleton<ImportsLifetime>();
        services.AddSingleton<ITriggerTimerHandler>(provider => provider.GetRequiredService<ImportsLifetime>());
        services.AddHostedService(provider => provider.GetRequiredService<ImportsLifetime>());
        return services;
    }

    private sealed class InstallerAdapter(ConnectorInstaller installer) : ICollectionConnectorInstaller
    {
        public async Task<CollectionInstallResult> InstallAsync(string folder, CancellationToken ct)
        {
            var installed = await installer.InstallAsync(folder, ct);
            return new CollectionInstallResult(installed.Succeeded, installed.Problems);
        }

        public Task UninstallAsync(string key, CancellationToken ct) => installer.UninstallAsync(key, ct);
    }

    /// <summary>Daily schedules as durable trigger timers: they survive restarts and follow DST.</summary>
    private sealed class DurableSchedules(ITimerStore timers, Lazy<IDurableTimers> scheduler, TimeProvider clock) : ICollectionSchedules
    {
        private static ScheduleSpec Spec(string time, string timeZone) => ScheduleSpec.ForDailyAt(TimeOnly.ParseExact(time, "HH:mm", CultureInfo.InvariantCulture), timeZone);

        public string? Problem(string time, string timeZone)
        {
            try
            {
                Spec(time, timeZone);
                return null;
            }
            catch (ScheduleFormatException e)
            {
                return e.Reason;
            }
        }

        public IReadOnlyList<DateTimeOffset> Next(string time, string timeZone, DateTimeOffset after, int count)
        {
            var schedule = (DailyAtSchedule)Spec(time, timeZone).Schedule;
            var list = new List<DateTimeOffset>(count);
            var at = after;
            while (list.Count < count && schedule.NextAfter(at) is { } next)
            {
                list.Add(TimeZoneInfo.ConvertTime(next, schedule.Zone));
                at = next;
            }
            return list;
        }

        public async Task ScheduleAsync(string triggerId, string time, string timeZone, CancellationToken ct)
        {
            if (ScheduleTriggers.CreateTimer(triggerId, Spec(time, timeZone), clock.GetUtcNow()) is { } timer)
                await scheduler.Value.ScheduleAsync(timer, ct);
        }

        public async Task CancelAsync(string triggerId, CancellationToken ct)
        {
            foreach (var stale in (await timers.ListAsync(ct)).Where(t => t.TriggerId == triggerId))
                await scheduler.Value.CancelAsync(stale.Id, ct);
        }

        public async Task<DateTimeOffset?> NextDueAsync(string triggerId, CancellationToken ct) =>
            (await timers.ListAsync(ct)).Where(t => t.TriggerId == triggerId).Select(t => (DateTimeOffset?)t.DueAt).Min();
    }

    /// <summary>Hands fired collection timers to the imports, and stops running imports before the store goes away.</summary>
    private sealed class ImportsLifetime(ICollectionImports imports) : IHostedService, ITriggerTimerHandler
    {
        public bool Handles(string triggerId) => imports.Handles(triggerId);
        public Task FireAsync(string triggerId, CancellationToken ct) => imports.FireAsync(triggerId, ct);
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => imports.StopAsync(cancellationToken);
    }
}
