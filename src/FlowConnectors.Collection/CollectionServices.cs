using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Formats;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Collection;

/// <summary>Where the shipped templates are.</summary>
public sealed record CollectionOptions(string TemplatesFolder);

/// <summary>What installing a connector folder did: the problems, and whether it is installed.</summary>
public sealed record CollectionInstallResult(bool Succeeded, IReadOnlyList<FormatProblem> Problems);

/// <summary>
/// The host's connector installation (the server's installer keeps its folder, pinned versions and automations in step);
/// the collection service installs the connectors it compiles from templates through it.
/// </summary>
public interface ICollectionConnectorInstaller
{
    Task<CollectionInstallResult> InstallAsync(string folder, CancellationToken ct);
    Task UninstallAsync(string key, CancellationToken ct);
}

/// <summary>
/// The host's durable timers for daily collection schedules (a time of day in an IANA zone): they survive restarts and
/// follow DST. The host hands a timer that fires back to <see cref="ICollectionImports.FireAsync"/>.
/// </summary>
public interface ICollectionSchedules
{
    /// <summary>Why a daily time (<c>HH:mm</c>) in this zone cannot be scheduled (an unknown zone), or null.</summary>
    string? Problem(string time, string timeZone);
    /// <summary>The next occurrences after a moment, each in the zone's local time with its UTC offset.</summary>
    IReadOnlyList<DateTimeOffset> Next(string time, string timeZone, DateTimeOffset after, int count);
    /// <summary>Schedules the trigger daily at the time in the zone.</summary>
    Task ScheduleAsync(string triggerId, string time, string timeZone, CancellationToken ct);
    /// <summary>Cancels every timer of the trigger.</summary>
    Task CancelAsync(string triggerId, CancellationToken ct);
    /// <summary>When the trigger fires next, or null.</summary>
    Task<DateTimeOffset?> NextDueAsync(string triggerId, CancellationToken ct);
}

/// <summary>What a host drives in the collection service: fired schedules, and stopping running imports.</summary>
public interface ICollectionImports
{
    /// <summary>True for the trigger ids of collection schedules.</summary>
    bool Handles(string triggerId);
    /// <summary>A schedule fired: an import starts unless one is running.</summary>
    Task FireAsync(string triggerId, CancellationToken ct);
    /// <summary>Stops running imports (they end failed, keeping what they stored) within the host's shutdown time.</summary>
    Task StopAsync(CancellationToken ct);
}

/// <summary>The activities a connector compiled from a template uses (<c>Collection.StoreUsers</c>) beside the connector ones.</summary>
public static class CollectionActivities
{
    /// <summary>Adds this module's activities to a registry (a validator's or a host's); returns it.</summary>
    public static ActivityRegistry AddCollection(this ActivityRegistry registry) => registry.AddAssembly(typeof(StoreUsers).Assembly);

    /// <summary>The connector runtime's activities plus the collection ones, for the engine that runs an import.</summary>
    internal static ActivityRegistry Registry { get; } = ConnectorRuntime.CreateRegistry().AddCollection();
}

public static class CollectionServiceCollectionExtensions
{
    /// <summary>
    /// Registers the collection service. The host registers <see cref="ICollectionStore"/>, <see cref="ICollectionConnectorInstaller"/>,
    /// <see cref="ICollectionSchedules"/>, the <see cref="ConnectorRuntime"/> and a <see cref="TimeProvider"/>, and stops running imports
    /// through <see cref="ICollectionImports"/> when it shuts down.
    /// </summary>
    public static IServiceCollection AddFlowCollection(this IServiceCollection services, Func<IServiceProvider, CollectionOptions> options)
    {
        services.AddSingleton(options);
        services.AddSingleton<CollectionService>();
        services.AddSingleton<ICollectionImports>(provider => provider.GetRequiredService<CollectionService>());
        return services;
    }
}
