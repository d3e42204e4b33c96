using System.Data.Common;
using FlowConnectors.Engine;
using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FlowConnectors.Persistence.Stores;

/// <summary>
/// The run queue on the database: claims with <c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL (a conditional update
/// on SQLite, which has one node), hand-back on stop, and <c>LISTEN/NOTIFY</c> on channel
/// <see cref="Channel"/> to wake every node's workers when work is enqueued.
/// </summary>
internal sealed class EfRunQueue(IDbContextFactory<FlowConnectorsDbContext> factory, PersistenceOptions options, ILogger<EfRunQueue>? logger = null)
    : IRunQueue, IAsyncDisposable
{
    public const string Channel = "flowconnectors_work";
    private static readonly string Pending = InboxStatus.Pending.ToString();
    private static readonly string Running = FlowStatus.Running.ToString();
    private readonly ILogger _logger = logger ?? NullLogger<EfRunQueue>.Instance;
    private readonly Lock _gate = new();
    private readonly List<Action> _subscribers = [];
    private readonly FlowConnectors.Runtime.ThrottledLog _listenFailures = new(TimeProvider.System);
    private readonly CancellationTokenSource _stop = new();
    private Task? _listener;

    public async Task<IReadOnlyList<InboxMessage>> ClaimInboxAsync(string owner, int max, DateTimeOffset now, DateTimeOffset claimUntil,
        long maxBytes = long.MaxValue, bool oldestOfAnySize = false, CancellationToken ct = default)
    {
        if (max <= 0) return [];
        await using var db = await factory.CreateDbContextAsync(ct);
        List<long> ids;
        if (db is PostgresDbContext)
        {
            // The rows are locked (and others' skipped) first; then their running total of sizes cuts the claim short.
            ids = await ClaimIdsAsync<long>(db, $"""
                UPDATE "InboxMessages" m SET "ClaimedBy" = @owner, "ClaimedUntil" = @until
                FROM (SELECT "Id" FROM (
                        SELECT "Id", sum("Size") OVER (ORDER BY "Id") AS "Total", row_number() OVER (ORDER BY "Id") AS "Row"
                        FROM (SELECT "Id", {EfInboxStore.SizeSql} AS "Size" FROM "InboxMessages"
                              WHERE "Status" = @pending AND ("ClaimedUntil" IS NULL OR "ClaimedUntil" < @now)
                              ORDER BY "Id" LIMIT @max FOR UPDATE SKIP LOCKED) locked) sized
                      WHERE "Total" <= @maxBytes OR ("Row" = 1 AND @oldestOfAnySize)) c
                WHERE m."Id" = c."Id"
                RETURNING m."Id"
                """, owner, now, claimUntil, max, ("pending", Pending), ct, ("maxBytes", maxBytes), ("oldestOfAnySize", oldestOfAnySize));
        }
        else
        {
            // One node: the write gate serializes this process's writers, and the update re-checks the claim.
            var candidates = await InboxCandidatesAsync(db, now, max, ct);
            var total = 0L;
            var fitting = 0;
            while (fitting < candidates.Count && (total + candidates[fitting].Size <= maxBytes || (fitting == 0 && oldestOfAnySize)))
                total += candidates[fitting++].Size;
            candidates.RemoveRange(fitting, candidates.Count - fitting);
            if (candidates.Count == 0) return [];
            var chosen = candidates.ConvertAll(c => c.Id);
            await db.InboxMessages
                .Where(m => chosen.Contains(m.Id) && m.Status == Pending && (m.ClaimedUntil == null || m.ClaimedUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimedBy, owner).SetProperty(m => m.ClaimedUntil, claimUntil), ct);
            ids = await db.InboxMessages.AsNoTracking()
                .Where(m => chosen.Contains(m.Id) && m.ClaimedBy == owner && m.ClaimedUntil == claimUntil)
                .Select(m => m.Id).ToListAsync(ct);
        }
        if (ids.Count == 0) return [];
        var rows = await db.InboxMessages.AsNoTracking().Where(m => ids.Contains(m.Id)).OrderBy(m => m.Id).ToListAsync(ct);
        return rows.Select(EfInboxStore.ToRecord).ToList();
    }

    /// <summary>SQLite: the oldest claimable messages with their sizes (read from the row headers, not the values).</summary>
    private static async Task<List<(long Id, long Size)>> InboxCandidatesAsync(FlowConnectorsDbContext db, DateTimeOffset now, int max, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = $"""
                SELECT "Id", {EfInboxStore.SizeSql} FROM "InboxMessages"
                WHERE "Status" = $pending AND ("ClaimedUntil" IS NULL OR "ClaimedUntil" < $now) ORDER BY "Id" LIMIT $max
                """;
            Add(command, "$pending", Pending);
            // SQLite keeps times as UTC ticks (see ProviderContexts).
            Add(command, "$now", now.UtcTicks);
            Add(command, "$max", max);
            var candidates = new List<(long, long)>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) candidates.Add((reader.GetInt64(0), reader.GetInt64(1)));
            return candidates;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        static void Add(DbCommand command, string name, object value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }

    public async Task<IReadOnlyCollection<long>> ExtendInboxClaimsAsync(string owner, IReadOnlyCollection<long> ids, DateTimeOffset claimUntil, CancellationToken ct = default)
    {
        if (ids.Count == 0) return [];
        await using var db = await factory.CreateDbContextAsync(ct);
        return await ClaimedRows.ExtendAsync(db.InboxMessages, owner, ids, claimUntil, ct);
    }

    public async Task<IReadOnlyList<string>> ClaimOrphanedAsync(string owner, int max, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken ct = default)
    {
        if (max <= 0) return [];
        await using var db = await factory.CreateDbContextAsync(ct);
        if (db is PostgresDbContext)
        {
            return await ClaimIdsAsync<string>(db, """
                UPDATE "Instances" i SET "LeaseOwner" = @owner, "LeaseExpiresAt" = @until
                FROM (SELECT "Id" FROM "Instances"
                      WHERE "Status" = @running AND ("LeaseOwner" IS NULL OR "LeaseExpiresAt" IS NULL OR "LeaseExpiresAt" < @now)
                      ORDER BY "UpdatedAt", "Id" LIMIT @max FOR UPDATE SKIP LOCKED) c
                WHERE i."Id" = c."Id"
                RETURNING i."Id"
                """, owner, now, leaseUntil, max, ("running", Running), ct);
        }
        var candidates = await db.Instances.AsNoTracking()
            .Where(i => i.Status == Running && (i.LeaseOwner == null || i.LeaseExpiresAt == null || i.LeaseExpiresAt < now))
            .OrderBy(i => i.UpdatedAt).ThenBy(i => i.Id).Take(max).Select(i => i.Id).ToListAsync(ct);
        if (candidates.Count == 0) return [];
        await db.Instances
            .Where(i => candidates.Contains(i.Id) && i.Status == Running && (i.LeaseOwner == null || i.LeaseExpiresAt == null || i.LeaseExpiresAt < now))
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.LeaseOwner, owner).SetProperty(i => i.LeaseExpiresAt, leaseUntil), ct);
        return await db.Instances.AsNoTracking()
            .Where(i => candidates.Contains(i.Id) && i.LeaseOwner == owner && i.LeaseExpiresAt == leaseUntil)
            .Select(i => i.Id).ToListAsync(ct);
    }

    public async Task<int> HandBackAsync(string owner, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var instances = await db.Instances.Where(i => i.LeaseOwner == owner)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.LeaseOwner, (string?)null).SetProperty(i => i.LeaseExpiresAt, (DateTimeOffset?)null), ct);
        await db.InboxMessages.Where(m => m.ClaimedBy == owner)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimedBy, (string?)null).SetProperty(m => m.ClaimedUntil, (DateTimeOffset?)null), ct);
        await db.Timers.Where(t => t.ClaimedBy == owner)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.ClaimedBy, (string?)null).SetProperty(t => t.ClaimedUntil, (DateTimeOffset?)null), ct);
        await NotifyAsync(db, ct);
        return instances;
    }

    public IDisposable SubscribeToWork(Action wake)
    {
        lock (_gate)
        {
            _subscribers.Add(wake);
            if (_listener is null && !options.IsSqlite) _listener = Task.Run(() => ListenAsync(_stop.Token));
        }
        return new Subscription(this, wake);
    }

    public async Task NotifyWorkAsync(CancellationToken ct = default)
    {
        if (options.IsSqlite) return;
        await using var db = await factory.CreateDbContextAsync(ct);
        await NotifyAsync(db, ct);
    }

    /// <summary>NOTIFY on the work channel (PostgreSQL only), on the caller's context.</summary>
    internal static async Task NotifyAsync(FlowConnectorsDbContext db, CancellationToken ct)
    {
        if (db is not PostgresDbContext) return;
        await db.Database.ExecuteSqlRawAsync($"SELECT pg_notify('{Channel}', '')", ct);
    }

    /// <summary>One connection per node LISTENs; it reconnects after a failure, and the poll covers the gap.</summary>
    private async Task ListenAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(options.ConnectionString);
                await connection.OpenAsync(ct);
                connection.Notification += (_, _) => Wake();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection)) await listen.ExecuteNonQueryAsync(ct);
                // Work enqueued while this node was not listening is found by the next poll; wake once to look now.
                Wake();
                while (!ct.IsCancellationRequested) await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is DbException or IOException or InvalidOperationException or TimeoutException)
            {
                // Tried again every second while the database is down: one line per 30 s, with the count.
                if (_listenFailures.TryEnter(out var heldBack))
                    _logger.LogWarning("run queue: LISTEN {Channel} failed ({Message}); polling until it is back ({HeldBack} more failed attempts since the last such line)",
                        Channel, e.Message, heldBack);
                try { await Task.Delay(TimeSpan.FromSeconds(1), ct); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private void Wake()
    {
        Action[] subscribers;
        lock (_gate) subscribers = _subscribers.ToArray();
        foreach (var wake in subscribers) wake();
    }

    private static async Task<List<T>> ClaimIdsAsync<T>(FlowConnectorsDbContext db, string sql, string owner, DateTimeOffset now, DateTimeOffset until, int max,
        (string Name, string Value)? status, CancellationToken ct, params (string Name, object Value)[] more)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("now", now.ToUniversalTime());
        command.Parameters.AddWithValue("until", until.ToUniversalTime());
        command.Parameters.AddWithValue("max", max);
        if (status is { } extra) command.Parameters.AddWithValue(extra.Name, extra.Value);
        foreach (var (name, value) in more) command.Parameters.AddWithValue(name, value);
        var ids = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetFieldValue<T>(0));
        return ids;
    }

    /// <summary>Claims due timers (see <see cref="ITimerStore.ClaimDueAsync"/>); PostgreSQL skips rows another node is claiming.</summary>
    internal static async Task<List<string>> ClaimTimerIdsAsync(FlowConnectorsDbContext db, string owner, DateTimeOffset now, int max, DateTimeOffset until,
        CancellationToken ct)
    {
        if (db is PostgresDbContext)
            return await ClaimIdsAsync<string>(db, """
                UPDATE "Timers" t SET "ClaimedBy" = @owner, "ClaimedUntil" = @until
                FROM (SELECT "Id" FROM "Timers"
                      WHERE "DueAt" <= @now AND ("ClaimedUntil" IS NULL OR "ClaimedUntil" < @now)
                      ORDER BY "DueAt", "Id" LIMIT @max FOR UPDATE SKIP LOCKED) c
                WHERE t."Id" = c."Id"
                RETURNING t."Id"
                """, owner, now, until, max, null, ct);
        var candidates = await db.Timers.AsNoTracking()
            .Where(t => t.DueAt <= now && (t.ClaimedUntil == null || t.ClaimedUntil < now))
            .OrderBy(t => t.DueAt).ThenBy(t => t.Id).Take(max).Select(t => t.Id).ToListAsync(ct);
        if (candidates.Count == 0) return [];
        await db.Timers.Where(t => candidates.Contains(t.Id) && (t.ClaimedUntil == null || t.ClaimedUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.ClaimedBy, owner).SetProperty(t => t.ClaimedUntil, until), ct);
        return await db.Timers.AsNoTracking().Where(t => candidates.Contains(t.Id) && t.ClaimedBy == owner && t.ClaimedUntil == until)
            .Select(t => t.Id).ToListAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_listener is not null)
        {
            try { await _listener; }
            catch (OperationCanceledException) { }
        }
        _stop.Dispose();
    }

    private sealed class Subscription(EfRunQueue queue, Action wake) : IDisposable
    {
        public void Dispose()
        {
            lock (queue._gate) queue._subscribers.Remove(wake);
        }
    }
}
