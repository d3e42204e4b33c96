using System.Threading.Channels;
using FlowConnectors.Runtime;

namespace FlowConnectors.Server.Runtime;

/// <summary>
/// Applies other nodes' changes here: a published or switched flow drops this node's cached published version; an
/// installed, replaced or removed connector is copied from the database and loaded (one at a time, off the listener).
/// Trigger caches subscribe in their store. Subscribed when built, before the change feed starts listening.
/// </summary>
internal sealed class ClusterChangeListener : BackgroundService
{
    private readonly Channel<string?> _connectors = Channel.CreateUnbounded<string?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConnectorInstaller _installer;
    private readonly ILogger<ClusterChangeListener> _logger;
    private readonly IDisposable _subscription;

    public ClusterChangeListener(IClusterChanges changes, ConnectorInstaller installer, WorkflowHost host, ILogger<ClusterChangeListener> logger)
    {
        _installer = installer;
        _logger = logger;
        _subscription = changes.Subscribe(change =>
        {
            switch (change.Kind)
            {
                case ClusterChangeKinds.Flow:
                    host.FlowPublished(change.Key);
                    break;
                case ClusterChangeKinds.Connector:
                    _connectors.Writer.TryWrite(change.Key);
                    break;
                case ClusterChangeKinds.All:
                    // Published versions cached here age out on their own (WorkflowHost re-reads them after a few seconds).
                    _connectors.Writer.TryWrite(null);
                    break;
            }
        });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var key in _connectors.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await _installer.RefreshAsync(key, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogError("connector {Key} could not be brought up to date from the database: {Message}", key ?? "(all)", e.Message);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    public override void Dispose()
    {
        _subscription.Dispose();
        base.Dispose();
    }
}
