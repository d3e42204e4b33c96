using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Stimuli;
using FlowConnectors.Persistence;
using FlowConnectors.Runtime;
using FlowConnectors.Scheduling;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Cli.Durable;

/// <summary>
/// The server's durable runtime over a SQLite file (<c>--store sqlite:path</c>), run in this process: the same
/// run path, stores, bookmarks, timers and journal as the server, without its background loops. Its node id,
/// callback secret and data-protection keys live in <c>&lt;path&gt;.data/</c> beside the database.
/// </summary>
internal sealed class DurableStore : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly PersistenceOptions _database;

    private DurableStore(ServiceProvider services, PersistenceOptions database) => (_services, _database) = (services, database);

    public WorkflowHost Host => _services.GetRequiredService<WorkflowHost>();
    public IInstanceStore Instances => _services.GetRequiredService<IInstanceStore>();
    public ActivityRegistry Registry => _services.GetRequiredService<ActivityRegistry>();

    /// <summary>Opens (creating and migrating when new) the store <paramref name="spec"/> names: <c>sqlite:&lt;path&gt;</c>.</summary>
    public static async Task<DurableStore> OpenAsync(string spec, WorkingDirectory directory, Http.Network.NetworkPolicy network)
    {
        if (!spec.StartsWith("sqlite:", StringComparison.Ordinal) || spec.Length == "sqlite:".Length)
            throw new CliException($"--store expects sqlite:<path>, got '{spec}'");
        var path = Path.GetFullPath(directory.Resolve(spec["sqlite:".Length..]));
        var data = path + ".data";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Directory.CreateDirectory(data);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"the store {spec} cannot be created: {e.Message}");
        }
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Error));
        services.AddSingleton(TimeProvider.System);
        services.AddDataProtection().SetApplicationName("FlowConnectors").PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(data, DataFiles.KeyRing)));
        Http.HttpServices.AddFlowHttp(services, network: network);
        var database = PersistenceOptions.Sqlite(path);
        services.AddFlowPersistence(database);
        services.AddSingleton(CliActivities.Create().AddAssembly(typeof(DurableScheduler).Assembly));
        services.AddSingleton(provider => new ConnectorRuntime([], new ConnectorRuntimeOptions
        {
            Connections = provider.GetRequiredService<IConnectionStore>(),
            Network = network,
        }));
        // The scheduler as the runtime's timers, without its loop: 'flowc resume --timers' fires the due ones.
        services.AddSingleton<IDurableTimers>(provider => new DurableScheduler(provider.GetRequiredService<ITimerStore>(), TimeProvider.System,
            (timer, _) => provider.GetRequiredService<WorkflowHost>().FireTimerAsync(timer)));
        services.AddFlowRuntime(new RuntimeOptions { DataFolder = data }, background: false);
        var provider = services.BuildServiceProvider();
        try
        {
            await PersistenceInitializer.MigrateAsync(provider);
            await provider.GetRequiredService<WorkflowHost>().ReclaimLeasesAsync();
        }
        catch (System.Data.Common.DbException e)
        {
            await provider.DisposeAsync();
            throw new CliException($"the store {spec} cannot be opened: {e.Message}");
        }
        return new DurableStore(provider, database);
    }

    /// <summary>Stores the flow as a new published version (or reuses the latest when it is the same) and starts it, waiting for it to end or suspend.</summary>
    public async Task<StartResult> RunAsync(FlowDefinition flow, JsonObject input, CancellationToken ct)
    {
        var flows = _services.GetRequiredService<IFlowStore>();
        var json = FlowJson.Save(flow);
        var latest = await flows.GetAsync(flow.Id, null, ct);
        var stored = latest is not null && latest.Json == json ? latest : await flows.SaveVersionAsync(flow.Id, flow.Name, json, null, ct);
        if (!stored.Published) await flows.PublishAsync(flow.Id, stored.Version, ct);
        return await Host.StartAsync(flow.Id, stored.Version, input, new RunOptions(), TimeSpan.FromDays(1), ct);
    }

    /// <summary>The bookmark of <paramref name="instanceId"/> a stimulus finds (by hash), resumed through the one run path.</summary>
    public async Task<RunOutcome> DeliverAsync(string instanceId, Stimulus stimulus, JsonNode? payload)
    {
        var stored = await Instances.GetAsync(instanceId) ?? throw new CliException($"instance '{instanceId}' does not exist in this store");
        var bookmark = stored.State.Bookmarks.Find(b => b.Hash == stimulus.Hash)
                       ?? throw new CliException($"instance '{instanceId}' does not wait for {stimulus.Describe()}; {WaitsFor(stored.State)}");
        return await Host.ExecuteAsync(instanceId, (bookmark.Id, payload));
    }

    /// <summary>Fires the instance's timers that are due now; how many.</summary>
    public async Task<int> FireDueTimersAsync(string instanceId)
    {
        var timers = _services.GetRequiredService<ITimerStore>();
        var due = (await timers.ListAsync()).Where(t => t.InstanceId == instanceId && t.DueAt <= DateTimeOffset.UtcNow).OrderBy(t => t.DueAt).ToList();
        foreach (var timer in due)
        {
            await Host.FireTimerAsync(timer);
            await timers.DeleteAsync(timer.Id);
        }
        return due.Count;
    }

    /// <summary>What the instance waits for, in words, from each bookmark's stimulus; a callback shows its token (the store is yours).</summary>
    public string WaitsFor(FlowInstanceState state) =>
        state.Status != FlowStatus.Suspended
            ? $"it is {state.Status.ToString().ToLowerInvariant()}"
            : "it waits for " + string.Join("; or ", state.Bookmarks.Select(b => Registry.ReadStimulus(b) switch
            {
                CallbackStimulus callback => $"a callback (--callback {callback.Token})",
                TimerStimulus timer => $"{timer.Describe()} (--timers once due)",
                { } stimulus => stimulus.Describe(),
                null => b.Name,
            } + $" in node '{b.NodeId}'"));

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        // Closes this store's pooled handles (the file is then free to move or delete); other stores' pools are theirs.
        Microsoft.Data.Sqlite.SqliteConnection.ClearPool(new Microsoft.Data.Sqlite.SqliteConnection(_database.ConnectionString));
    }
}
