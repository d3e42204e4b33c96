using System.Collections.Concurrent;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Connectors.Runtime;

/// <summary>An installed connector: its package, its own engine and its own services (its named HttpClient).</summary>
internal sealed class LoadedConnector(ConnectorPackage package, FlowEngine engine, ConnectorFlowProvider flows, ServiceProvider services)
{
    public ServiceProvider Services { get; } = services;
    public IHttpMessageHandlerFactory HttpHandlers => Services.GetRequiredService<IHttpMessageHandlerFactory>();
    public ConnectorPackage Package { get; } = package;
    public FlowEngine Engine { get; } = engine;

    public CompiledFlow Compile(string flowId) =>
        flows.FindCompiled(flowId, Engine) ?? throw new ConnectorException($"connector '{Package.Manifest.Key}' has no flow '{flowId}'");
}

/// <summary>
/// A connector's flows for CallFlow, compiled once each: a loaded package never changes, so
/// there is no reason to compile httpHelper again on every card run.
/// </summary>
internal sealed class ConnectorFlowProvider(ConnectorPackage package) : ICompiledFlowProvider
{
    private readonly ConcurrentDictionary<string, CompiledFlow> _compiled = new(StringComparer.Ordinal);
    private FlowEngine? _owner;

    public ValueTask<Engine.Flows.FlowDefinition?> FindAsync(string flowId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(package.FindFlow(flowId)?.Definition);

    public ValueTask<CompiledFlow?> FindCompiledAsync(string flowId, FlowEngine engine, CancellationToken cancellationToken) =>
        ValueTask.FromResult(FindCompiled(flowId, engine));

    public CompiledFlow? FindCompiled(string flowId, FlowEngine engine)
    {
        if (package.FindFlow(flowId) is not { } flow) return null;
        // The cache holds compilations of one engine (the connector's); any other engine compiles its own.
        var owner = Interlocked.CompareExchange(ref _owner, engine, null) ?? engine;
        if (!ReferenceEquals(owner, engine)) return engine.Compile(flow.Definition);
        return _compiled.GetOrAdd(flowId, static (_, state) => state.engine.Compile(state.definition), (engine, definition: flow.Definition));
    }
}
