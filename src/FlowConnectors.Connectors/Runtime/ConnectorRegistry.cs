using System.Collections.Immutable;
using FlowConnectors.Connectors.Budgets;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Connectors.Runtime;

/// <summary>
/// The installed connectors: the current version of each, and older versions pinned as <c>key@version</c>.
/// Each connector gets its own engine so a card's <c>CallFlow("httpHelper")</c> finds that connector's helper.
/// </summary>
public sealed class ConnectorRegistry
{
    // Swapped whole on install/uninstall so readers never lock; a run keeps the LoadedConnector it started with.
    private ImmutableDictionary<string, LoadedConnector> _connectors = ImmutableDictionary.Create<string, LoadedConnector>(StringComparer.Ordinal);
    private readonly Lock _installLock = new();
    // Replaced connectors' services are disposed with the runtime: runs that started on them may still be going.
    private readonly List<ServiceProvider> _retired = [];
    private readonly ConnectorRuntimeOptions _options;
    private readonly ActivityRegistry _activities;
    private readonly IConnectionHttpHandler _httpHandler;
    private readonly RateBudgets _budgets;

    internal ConnectorRegistry(ConnectorRuntimeOptions options, ActivityRegistry activities, IConnectionHttpHandler httpHandler, RateBudgets budgets)
    {
        _options = options;
        _activities = activities;
        _httpHandler = httpHandler;
        _budgets = budgets;
    }

    /// <summary>
    /// Adds a connector, or replaces the one with the same key (new runs use the new package; runs
    /// in progress finish on the old one). Returns the package it replaced, if any. The package is
    /// also reachable as <c>key@version</c>, and stays so after a newer version replaces it, so
    /// automations pinned to a version keep running until they are moved.
    /// </summary>
    public ConnectorPackage? Install(ConnectorPackage package)
    {
        var loaded = Load(package);
        lock (_installLock)
        {
            _connectors.TryGetValue(package.Manifest.Key, out var previous);
            var pinned = PinnedKey(package.Manifest.Key, package.Manifest.Version);
            _connectors.TryGetValue(pinned, out var samePinned);
            _connectors = _connectors.SetItem(package.Manifest.Key, loaded).SetItem(pinned, loaded);
            // A replaced version stays loaded while an older key@version still names it.
            foreach (var gone in new[] { previous, samePinned }.OfType<LoadedConnector>().Distinct())
                if (!_connectors.Values.Contains(gone)) _retired.Add(gone.Services);
            return previous?.Package;
        }
    }

    /// <summary>Loads an older version only as <c>key@version</c> (for automations pinned to it); the current version stays.</summary>
    public void InstallPinned(ConnectorPackage package)
    {
        var pinned = PinnedKey(package.Manifest.Key, package.Manifest.Version);
        // Already loaded (usually as the current version): nothing to build.
        if (_connectors.ContainsKey(pinned)) return;
        var loaded = Load(package);
        lock (_installLock)
        {
            if (_connectors.ContainsKey(pinned)) { _retired.Add(loaded.Services); return; }
            _connectors = _connectors.SetItem(pinned, loaded);
        }
    }

    /// <summary>Removes a connector and its pinned versions; false when none has that key.</summary>
    public bool Uninstall(string key)
    {
        lock (_installLock)
        {
            if (!_connectors.TryGetValue(key, out var previous)) return false;
            var removed = _connectors.Where(c => c.Key == key || c.Key.StartsWith(key + "@", StringComparison.Ordinal)).ToList();
            _connectors = _connectors.RemoveRange(removed.Select(c => c.Key));
            foreach (var services in removed.Select(c => c.Value.Services).Distinct()) _retired.Add(services);
            return true;
        }
    }

    /// <summary><c>key@version</c>: how an automation pins a connector version (Connector.Action's <c>connector</c> input).</summary>
    public static string PinnedKey(string key, string version) => $"{key}@{version}";

    /// <summary>The versions of a connector loaded side by side (the current one included), by version text.</summary>
    public IReadOnlyList<string> LoadedVersions(string key) =>
        _connectors.Where(c => c.Key.StartsWith(key + "@", StringComparison.Ordinal)).Select(c => c.Value.Package.Manifest.Version).Order(StringComparer.Ordinal).ToList();

    public bool IsInstalled(string key) => _connectors.ContainsKey(key);

    private LoadedConnector Load(ConnectorPackage package)
    {
        // Each connector has its own services: its named HttpClient carries its resilience settings.
        var services = new ServiceCollection();
        services.AddSingleton(_options.Clock);
        services.AddSingleton<IConnectionHttpHandler>(_httpHandler);
        services.AddFlowHttpClient(ConnectorRuntime.ClientNameOf(package.Manifest.Key), HttpSettingsReader.Read(package.Manifest.Http), _options.Network);
        // Inside the retries, so every attempt draws from the budget and every answer teaches it.
        services.AddHttpClient(ConnectorRuntime.ClientNameOf(package.Manifest.Key)).AddHttpMessageHandler(() => new ConnectionCallHandler(package.Manifest, _budgets));
        if (_options.ConfigureHttpClient is { } configure) configure(services.AddHttpClient(ConnectorRuntime.ClientNameOf(package.Manifest.Key)));
        var provider = services.BuildServiceProvider();
        var flows = new ConnectorFlowProvider(package);
        var engine = new FlowEngine(new FlowEngineOptions
        {
            Registry = _activities,
            // Compiled once per flow and shared by top-level runs and CallFlow (httpHelper on every card run).
            Flows = flows,
            Clock = _options.Clock,
            Services = provider,
            MaxSteps = _options.MaxSteps,
            Journal = _options.Journal,
        });
        return new LoadedConnector(package, engine, flows, provider);
    }

    public IReadOnlyList<ConnectorPackage> Connectors => _connectors.Where(c => c.Key == c.Value.Package.Manifest.Key).Select(c => c.Value.Package).OrderBy(p => p.Manifest.Key, StringComparer.Ordinal).ToList();

    public ConnectorPackage GetConnector(string key) => Loaded(key).Package;

    /// <summary>
    /// An installed connector's package and the services its flows run with (its named HttpClient, rate budgets), taken
    /// together so that an install in between cannot mix versions: for hosts running its flows on an engine of their own.
    /// </summary>
    public (ConnectorPackage Package, IServiceProvider Services) PackageAndServices(string key)
    {
        var loaded = Loaded(key);
        return (loaded.Package, loaded.Services);
    }

    internal LoadedConnector Loaded(string key) =>
        _connectors.TryGetValue(key, out var loaded) ? loaded : throw new ConnectorException($"connector '{key}' is not installed");

    /// <summary>The connector an executing flow belongs to.</summary>
    internal LoadedConnector For(ActivityContext context)
    {
        var key = context.GetProperty(ConnectorRuntime.ConnectorProperty) ?? throw new ActivityFaultException("this flow does not belong to a connector");
        return Loaded(key);
    }

    internal async ValueTask DisposeAsync()
    {
        List<ServiceProvider> providers;
        lock (_installLock)
        {
            providers = [.. _retired.Concat(_connectors.Values.Select(c => c.Services)).Distinct()];
            _retired.Clear();
            _connectors = _connectors.Clear();
        }
        foreach (var provider in providers) await provider.DisposeAsync();
    }
}
