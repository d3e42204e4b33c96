using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine;
using FlowConnectors.Persistence;
using FlowConnectors.Scheduling;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Runtime.Tests;

/// <summary>
/// The durable runtime over real SQLite (Persistence's stores), with the real scheduler as its timers but no
/// background loops: each test drives the one run path itself.
/// </summary>
public sealed class RuntimeFixture : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "flowc-runtime-tests-" + Guid.NewGuid().ToString("N"));
    private PersistenceOptions? _database;
    private ServiceProvider? _services;

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("not started");
    internal WorkflowHost Host => Services.GetRequiredService<WorkflowHost>();
    public IInstanceStore Instances => Services.GetRequiredService<IInstanceStore>();
    public ITimerStore Timers => Services.GetRequiredService<ITimerStore>();
    public RuntimeOptions Options { get; } = new() { MaxCrashRecoveries = 3 };
    /// <summary>The activities flows may use; a test may add its own before <see cref="InitializeAsync"/>.</summary>
    public ActivityRegistry Registry { get; } = ConnectorRuntime.CreateRegistry().AddAssembly(typeof(DurableScheduler).Assembly);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        Options.DataFolder = _folder;
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(TimeProvider.System);
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(_folder, "keys")));
        services.AddFlowPersistence(_database = PersistenceOptions.Sqlite(Path.Combine(_folder, "runtime.db")));
        services.AddSingleton(Registry);
        services.AddSingleton(provider => new ConnectorRuntime([], new ConnectorRuntimeOptions { Connections = provider.GetRequiredService<IConnectionStore>() }));
        services.AddSingleton<IDurableTimers>(provider => new DurableScheduler(provider.GetRequiredService<ITimerStore>(), TimeProvider.System,
            (timer, _) => provider.GetRequiredService<WorkflowHost>().FireTimerAsync(timer)));
        services.AddFlowRuntime(Options, background: false);
        _services = services.BuildServiceProvider();
        await PersistenceInitializer.MigrateAsync(_services);
    }

    /// <summary>
    /// A flow that hands out a callback, waits for it and outputs its payload's <c>answer</c>; with <paramref name="gateType"/>,
    /// a node of that activity runs between the callback and the output (a spec's gate that holds the run).
    /// </summary>
    public static string AskFlow(string id, string? gateType = null)
    {
        var gate = gateType is null ? "" : $$"""{ "id": "gate", "type": "{{gateType}}", "inputs": {} },""";
        var afterWait = gateType is null ? """{ "from": "wait:received", "to": "out" }"""
            : """{ "from": "wait:received", "to": "gate" }, { "from": "gate:done", "to": "out" }""";
        return $$"""
            { "format": 1, "id": "{{id}}", "outputs": [ { "name": "answer", "type": "string" } ],
              "nodes": [ { "id": "cb", "type": "CreateCallback", "inputs": {} },
                         { "id": "wait", "type": "WaitForCallback", "inputs": { "token": { "js": "nodes.cb.token" } } },
                         {{gate}}
                         { "id": "out", "type": "SetOutput", "inputs": { "name": "answer", "value": { "js": "nodes.wait.payload.answer" } } } ],
              "connections": [ { "from": "cb:done", "to": "wait" }, {{afterWait}} ] }
            """;
    }

    /// <summary>Stores and publishes a flow given as JSON; returns its id.</summary>
    public async Task<string> PublishAsync(string json)
    {
        var flow = FlowJson.Parse(json);
        var flows = Services.GetRequiredService<IFlowStore>();
        var stored = await flows.SaveVersionAsync(flow.Id, flow.Name, FlowJson.Save(flow), null);
        await flows.PublishAsync(flow.Id, stored.Version);
        return flow.Id;
    }

    /// <summary>Polls the stored instance until it meets <paramref name="condition"/> with no lease held (a minute at most).</summary>
    public async Task<StoredInstance> WaitForInstanceAsync(string instanceId, Func<StoredInstance, bool> condition)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (await Instances.GetAsync(instanceId) is { } stored && condition(stored) && stored.LeaseOwner is null) return stored;
            if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException($"instance {instanceId} did not reach the expected state");
            await Task.Delay(20);
        }
    }

    /// <summary>Polls the stored inbox message until it meets <paramref name="condition"/> (a minute at most).</summary>
    public async Task<InboxMessage> WaitForInboxMessageAsync(long id, Func<InboxMessage, bool> condition)
    {
        var inbox = Services.GetRequiredService<IInboxStore>();
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (await inbox.GetAsync(id) is { } message && condition(message)) return message;
            if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException($"inbox message {id} did not reach the expected state");
            await Task.Delay(20);
        }
    }

    /// <summary>A callback for <paramref name="bookmark"/> as the callback endpoint stores it, answering <paramref name="answer"/>.</summary>
    public static InboxMessage CallbackMessage(Bookmark bookmark, string answer) => new()
    {
        Kind = bookmark.Name,
        Hash = bookmark.Hash,
        Payload = new System.Text.Json.Nodes.JsonObject { ["answer"] = answer },
        ReceivedAt = DateTimeOffset.UtcNow,
    };

    public async Task DisposeAsync()
    {
        if (_services is not null) await _services.DisposeAsync();
        // Only this fixture's pool: clearing every pool closes handles other test classes are still using or resetting
        // (Microsoft.Data.Sqlite reclaims their leaked connections without a reset; a flaky Persistence spec once, 13th pass).
        if (_database is not null)
            Microsoft.Data.Sqlite.SqliteConnection.ClearPool(new Microsoft.Data.Sqlite.SqliteConnection(_database.ConnectionString));
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
