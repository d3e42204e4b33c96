using System.Collections;
using Microsoft.Extensions.Options;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// Every log line this process writes carries the node id in its scope (<c>ServerNode</c>; <c>NodeId</c> is a flow node's id), so the lines of a cluster's
/// nodes can be told apart once collected together. A console shows scopes with
/// <c>Logging:Console:FormatterOptions:IncludeScopes=true</c> (scripts/cluster.sh sets it); structured exporters get it as a field.
/// </summary>
internal sealed class NodeScopedLoggerFactory(ILoggerFactory inner, string nodeId) : ILoggerFactory
{
    private readonly NodeScope _scope = new(nodeId);

    /// <summary>Wraps the logger factory ASP.NET Core would have built with this node's scope.</summary>
    public static void Use(IServiceCollection services) =>
        services.AddSingleton<ILoggerFactory>(provider => new NodeScopedLoggerFactory(
            new LoggerFactory(provider.GetServices<ILoggerProvider>(), provider.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
                provider.GetService<IOptions<LoggerFactoryOptions>>(), provider.GetService<IExternalScopeProvider>()),
            provider.GetRequiredService<FlowConnectors.Runtime.NodeIdentity>().NodeId));

    public ILogger CreateLogger(string categoryName) => new NodeScopedLogger(inner.CreateLogger(categoryName), _scope);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class NodeScopedLogger(ILogger inner, NodeScope scope) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel)) return;
            using (inner.BeginScope(scope)) inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }

    /// <summary>The scope's state: one field, <c>ServerNode</c>, printed as <c>node &lt;id&gt;</c>.</summary>
    private sealed class NodeScope(string nodeId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?> _field = new("ServerNode", nodeId);

        public KeyValuePair<string, object?> this[int index] => index == 0 ? _field : throw new ArgumentOutOfRangeException(nameof(index));
        public int Count => 1;
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() { yield return _field; }
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => $"node {nodeId}";
    }
}
