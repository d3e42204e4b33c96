using System.Threading.Channels;
using FlowConnectors.Runtime;
using FlowConnectors.Server.Hosting;

namespace FlowConnectors.Server.Runtime;

/// <summary>
/// Applies other nodes' changes here: a published or switched flow drops this node's cached published version; an
/// installed, replaced or removed connector is copied from the database and loaded (one at a time, off the listener).
/// Trigger caches subscribe in their store. Subscribed when built, before the change feed starts listening. Every
/// <see cref="ReconcileInterval"/> all connectors are compared with the database as well, so a node converges even if
/// a notification was lost (PostgreSQL does not resend one to a listener that was briefly away).
/// </summary>
internal sealed class ClusterChangeListener : BackgroundService
{
    public static readonly TimeSpan ReconcileInterval = TimeSpan.FromSeconds(30);
    private readonly Channel<string?> _connectors = Channel.CreateUnbounded<string?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConnectorInstaller _installer;
    private readonly ILogger<ClusterChangeListener> _logger;
    private readonly IDisposable _subscription;

    private readonly bool _clustered;

    public ClusterChangeListener(IClusterChanges changes, ConnectorInstaller installer, WorkflowHost host, ServerOptions options, ILogger<ClusterChangeListener> logger)
    {
        _clustered = options.Database == "postgres";
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
                    // Notifications may have been missed while the listener was away: nothing cached here is trusted.
                    host.ForgetPublishedVersions();
                    _connectors.Writer.TryWrite(null);
                    break;
            }
        });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // One node (SQLite) has nobody else's changes to miss.
        if (_clustered) _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(ReconcileInterval);
            try
            {
                while (await timer.WaitForNextTickAsync(stoppingToken)) _connectors.Writer.TryWrite(null);
            }
            catch (OperationCanceledException) { }
        }, CancellationToken.None);
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
