using FlowConnectors.Connectors.Budgets;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Http;

namespace FlowConnectors.Connectors.Runtime;

/// <summary>
/// The connector runtime of a host, composed of services with one job each: the installed connectors
/// (<see cref="Installed"/>), connections (<see cref="Connections"/>), cards, drafts and dropdowns
/// (<see cref="Actions"/>), webhook event cards (<see cref="Webhooks"/>) and polling cards (<see cref="Poller"/>).
/// </summary>
public sealed class ConnectorRuntime : IAsyncDisposable
{
    public const string ConnectionProperty = "connection";
    public const string ConnectorProperty = "connector";

    public ConnectorRuntime(IEnumerable<ConnectorPackage> connectors, ConnectorRuntimeOptions options)
    {
        Options = options;
        Registry = CreateRegistry();
        // The handler applies connections to requests; it reaches the registry and connections built below.
        var httpHandler = new ConnectorHttpHandler(this);
        Budgets = new RateBudgets(options.Budgets, options.Clock);
        Installed = new ConnectorRegistry(options, Registry, httpHandler, Budgets);
        Connections = new ConnectionService(options, Installed, httpHandler);
        Actions = new ActionInvoker(Installed, Connections);
        Connections.Actions = Actions;
        Webhooks = new WebhookService(Installed, Connections, Actions, options.Clock);
        Poller = new Poller(Installed, Actions);
        foreach (var package in connectors) Installed.Install(package);
    }

    public ConnectorRuntimeOptions Options { get; }
    public ActivityRegistry Registry { get; }
    /// <summary>Every connection's rate-limit budgets (connector.json <c>rateLimits</c>).</summary>
    public RateBudgets Budgets { get; }
    public ConnectorRegistry Installed { get; }
    public ConnectionService Connections { get; }
    public ActionInvoker Actions { get; }
    public WebhookService Webhooks { get; }
    public Poller Poller { get; }

    /// <summary>The engine's activities plus HTTP and connector activities.</summary>
    public static ActivityRegistry CreateRegistry() =>
        ActivityRegistry.CreateDefault().AddAssembly(typeof(IConnectionHttpHandler).Assembly).AddAssembly(typeof(ConnectorRuntime).Assembly);

    public static string ClientNameOf(string connectorKey) => "connector:" + connectorKey;

    public ValueTask DisposeAsync() => Installed.DisposeAsync();
}
