using System.Collections.Immutable;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FlowConnectors.Persistence.Shared;

/// <summary>The handlers of one node; a handler that throws is logged and the others still run.</summary>
internal sealed class ClusterChangeHandlers(ILogger logger)
{
    private ImmutableArray<Action<ClusterChange>> _handlers = [];

    public IDisposable Subscribe(Action<ClusterChange> handler)
    {
        ImmutableInterlocked.Update(ref _handlers, h => h.Add(handler));
        return new Subscription(() => ImmutableInterlocked.Update(ref _handlers, h => h.Remove(handler)));
    }

    public void Dispatch(ClusterChange change)
    {
        foreach (var handler in _handlers)
        {
            try { handler(change); }
            catch (Exception e)
            {
                logger.LogError("dropping cached {Kind} {Key} failed: {Message}", change.Kind, change.Key, e.Message);
            }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private int _disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) dispose();
        }
    }
}

/// <summary>SQLite: one node, so a change only needs to reach this process.</summary>
internal sealed class LocalClusterChanges(ILogger<LocalClusterChanges>? logger = null) : IClusterChanges
{
    // Stores are also built without logging (tools, tests): then failures of handlers are not logged.
    private readonly ClusterChangeHandlers _handlers = new((ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    public Task PublishAsync(ClusterChange change, CancellationToken ct = default)
    {
        _handlers.Dispatch(change);
        return Task.CompletedTask;
    }

    public IDisposable Subscribe(Action<ClusterChange> handler) => _handlers.Subscribe(handler);
}

/// <summary>
/// PostgreSQL: a change is sent with <c>pg_notify</c> on one channel and every node LISTENs on a connection of its
/// own, so each drops the stale entry as soon as the notification arrives. After the listening connection is
/// (re)opened every node drops everything (<see cref="ClusterChangeKinds.All"/>): notifications sent while it was
/// away are lost, by PostgreSQL's design.
/// </summary>
internal sealed class PostgresClusterChanges : BackgroundService, IClusterChanges
{
    private readonly FlowConnectors.Runtime.ThrottledLog _reconnectLog = new(TimeProvider.System);
    public const string Channel = "flowconnectors_changes";
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);
    private readonly string _origin = Guid.NewGuid().ToString("N");
    private readonly NpgsqlDataSource _source;
    private readonly ClusterChangeHandlers _handlers;
    private readonly ILogger<PostgresClusterChanges> _logger;
    private volatile bool _listening;

    public PostgresClusterChanges(PersistenceOptions options, ILogger<PostgresClusterChanges>? logger = null)
    {
        logger ??= Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresClusterChanges>.Instance;
        // Its own small pool: the listening connection is held open for the life of the process.
        _source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(options.ConnectionString) { KeepAlive = 15, ApplicationName = "flowconnectors-changes" }.ConnectionString);
        _handlers = new ClusterChangeHandlers(logger);
        _logger = logger;
    }

    /// <summary>True while this node listens for other nodes' changes (readiness reports it).</summary>
    public bool Listening => _listening;

    public async Task PublishAsync(ClusterChange change, CancellationToken ct = default)
    {
        _handlers.Dispatch(change);
        try
        {
            await using var command = _source.CreateCommand("SELECT pg_notify(@channel, @payload)");
            command.Parameters.AddWithValue("channel", Channel);
            command.Parameters.AddWithValue("payload", $"{_origin}\n{change.Kind}\n{change.Key}");
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The change itself is stored; other nodes see it when their cached entry ages out.
            _logger.LogWarning("could not tell the other nodes that {Kind} {Key} changed: {Message}", change.Kind, change.Key, e.Message);
        }
    }

    public IDisposable Subscribe(Action<ClusterChange> handler) => _handlers.Subscribe(handler);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _source.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                _listening = true;
                _handlers.Dispatch(new ClusterChange(ClusterChangeKinds.All, ""));
                while (!stoppingToken.IsCancellationRequested) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                _listening = false;
                // Tried again every second while the database is down: one line per 30 s, with the count.
                if (_reconnectLog.TryEnter(out var heldBack))
                    _logger.LogWarning("listening for other nodes' changes stopped ({Message}); reconnecting ({HeldBack} more failed attempts since the last such line)",
                        e.Message, heldBack);
                try { await Task.Delay(ReconnectDelay, stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }
        _listening = false;
    }

    private void OnNotification(string payload)
    {
        var parts = payload.Split('\n', 3);
        // This node's own changes were handled when they were published.
        if (parts.Length != 3 || parts[0] == _origin) return;
        _handlers.Dispatch(new ClusterChange(parts[1], parts[2]));
    }

    public override void Dispose()
    {
        base.Dispose();
        _source.Dispose();
    }
}
