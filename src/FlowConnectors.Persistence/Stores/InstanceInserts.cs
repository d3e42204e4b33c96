using System.Data;
using System.Data.Common;
using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

/// <summary>The rows of one new instance, built (and its state serialized) on the caller's thread.</summary>
internal sealed record NewInstanceRows(InstanceEntity Instance, List<BookmarkEntity> Bookmarks, List<TimerEntity> Timers, List<JournalEntryEntity> Journal,
    InboxMessageEntity? Outbox = null);

/// <summary>
/// The hot path's write: new instances with their bookmarks, timers and journals, appended with plain
/// prepared INSERTs in one transaction per batch. EF Core's change tracking and SQL generation cost
/// more CPU and allocation than the database's own work for these rows, and nothing is read back.
/// The transaction is a <see cref="DirectTransaction"/>: on SQLite it queues on the same write gate as every other
/// writer of this process. The SQL is the same for both providers: <c>$n</c> is SQLite's named parameter
/// "$n" and PostgreSQL's positional one; times are UTC ticks on SQLite (as the model stores them) and
/// UTC <c>timestamptz</c> on PostgreSQL.
/// </summary>
internal static class InstanceInserts
{
    private const string InstanceSql =
        "INSERT INTO \"Instances\" (\"Id\", \"FlowId\", \"FlowVersion\", \"Status\", \"CorrelationId\", \"StateJson\", \"Fault\", \"CreatedAt\", " +
        "\"UpdatedAt\", \"LeaseOwner\", \"LeaseExpiresAt\", \"RunAttempts\", \"FaultNodeId\", \"Revision\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0)";

    private const string BookmarkSql =
        "INSERT INTO \"Bookmarks\" (\"InstanceId\", \"Id\", \"Hash\", \"Name\", \"NodeId\", \"PayloadJson\", \"CreatedAt\", \"DataJson\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

    private const string TimerSql =
        "INSERT INTO \"Timers\" (\"Id\", \"DueAt\", \"Kind\", \"InstanceId\", \"BookmarkId\", \"TriggerId\", \"DataJson\") VALUES ($1, $2, $3, $4, $5, $6, $7)";

    private const string JournalSql =
        "INSERT INTO \"JournalEntries\" (\"InstanceId\", \"Sequence\", \"NodeId\", \"ActivityType\", \"StartedAt\", \"DurationMs\", \"InputsJson\", " +
        "\"OutputsJson\", \"Outcome\", \"Error\", \"RunBy\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

    private const string InboxColumns =
        "\"Kind\", \"Hash\", \"HeadersJson\", \"Body\", \"PayloadJson\", \"ReceivedAt\", \"Status\", \"Attempts\", \"Error\", \"InstanceId\"";

    internal const string InboxSql = "INSERT INTO \"InboxMessages\" (" + InboxColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

    /// <summary>An inbox message stored on its own, with the claim of the node that stored it (if it processes it at once).</summary>
    private const string ClaimedInboxSql = "INSERT INTO \"InboxMessages\" (" + InboxColumns + ", \"ClaimedBy\", \"ClaimedUntil\") " +
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING \"Id\"";

    // The column types, for PostgreSQL (its prepared statements are typed; SQLite binds by value).
    private static readonly DbType[] InstanceTypes = [DbType.String, DbType.String, DbType.Int32, DbType.String, DbType.String, DbType.String, DbType.String,
        DbType.DateTimeOffset, DbType.DateTimeOffset, DbType.String, DbType.DateTimeOffset, DbType.Int32, DbType.String];
    private static readonly DbType[] BookmarkTypes = [DbType.String, DbType.String, DbType.String, DbType.String, DbType.String, DbType.String, DbType.DateTimeOffset, DbType.String];
    private static readonly DbType[] TimerTypes = [DbType.String, DbType.DateTimeOffset, DbType.String, DbType.String, DbType.String, DbType.String, DbType.String];
    internal static readonly DbType[] InboxTypes = [DbType.String, DbType.String, DbType.String, DbType.Binary, DbType.String, DbType.DateTimeOffset, DbType.String,
        DbType.Int32, DbType.String, DbType.String];
    private static readonly DbType[] ClaimedInboxTypes = [.. InboxTypes, DbType.String, DbType.DateTimeOffset];
    private static readonly DbType[] JournalTypes = [DbType.String, DbType.Int32, DbType.String, DbType.String, DbType.DateTimeOffset, DbType.Double, DbType.String,
        DbType.String, DbType.String, DbType.String, DbType.String];

    /// <summary>Inserts every instance of <paramref name="batch"/> in one transaction (all or nothing).</summary>
    public static async Task WriteAsync(IDbContextFactory<FlowConnectorsDbContext> factory, IReadOnlyList<NewInstanceRows> batch, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var sqlite = db is SqliteDbContext;
        await using var transaction = await DirectTransaction.BeginAsync(db, ct);
        var connection = transaction.Connection;
        var tx = transaction.Transaction;
        using var instance = new Statement(connection, tx, InstanceSql, InstanceTypes, sqlite);
        Statement? bookmark = null, timer = null, journal = null, outbox = null;
        try
        {
            foreach (var rows in batch)
            {
                var i = rows.Instance;
                instance.Set(0, i.Id).Set(1, i.FlowId).Set(2, i.FlowVersion).Set(3, i.Status).Set(4, i.CorrelationId).Set(5, i.StateJson).Set(6, i.Fault)
                    .Set(7, Time(i.CreatedAt, sqlite)).Set(8, Time(i.UpdatedAt, sqlite)).Set(9, i.LeaseOwner).Set(10, Time(i.LeaseExpiresAt, sqlite))
                    .Set(11, i.RunAttempts).Set(12, i.FaultNodeId);
                await instance.RunAsync(ct);
                foreach (var b in rows.Bookmarks)
                {
                    bookmark ??= new Statement(connection, tx, BookmarkSql, BookmarkTypes, sqlite);
                    bookmark.Set(0, b.InstanceId).Set(1, b.Id).Set(2, b.Hash).Set(3, b.Name).Set(4, b.NodeId).Set(5, b.PayloadJson).Set(6, Time(b.CreatedAt, sqlite)).Set(7, b.DataJson);
                    await bookmark.RunAsync(ct);
                }
                foreach (var t in rows.Timers)
                {
                    timer ??= new Statement(connection, tx, TimerSql, TimerTypes, sqlite);
                    timer.Set(0, t.Id).Set(1, Time(t.DueAt, sqlite)).Set(2, t.Kind).Set(3, t.InstanceId).Set(4, t.BookmarkId).Set(5, t.TriggerId).Set(6, t.DataJson);
                    await timer.RunAsync(ct);
                }
                foreach (var j in rows.Journal)
                {
                    journal ??= new Statement(connection, tx, JournalSql, JournalTypes, sqlite);
                    journal.Set(0, j.InstanceId).Set(1, j.Sequence).Set(2, j.NodeId).Set(3, j.ActivityType).Set(4, Time(j.StartedAt, sqlite)).Set(5, j.DurationMs)
                        .Set(6, j.InputsJson).Set(7, j.OutputsJson).Set(8, j.Outcome).Set(9, j.Error).Set(10, j.RunBy);
                    await journal.RunAsync(ct);
                }
                if (rows.Outbox is { } m)
                {
                    // A pending error-flow start, stored with the fault it reports.
                    outbox ??= new Statement(connection, tx, InboxSql, InboxTypes, sqlite);
                    outbox.Set(0, m.Kind).Set(1, m.Hash).Set(2, m.HeadersJson).Set(3, m.Body).Set(4, m.PayloadJson).Set(5, Time(m.ReceivedAt, sqlite))
                        .Set(6, m.Status).Set(7, m.Attempts).Set(8, m.Error).Set(9, m.InstanceId);
                    await outbox.RunAsync(ct);
                }
            }
            await transaction.CommitAsync(ct);
        }
        catch (DbException e)
        {
            // The same failure EF reports for a failed save (a duplicate id, a constraint), so callers see one exception type.
            throw new DbUpdateException($"the instance rows could not be inserted: {e.Message}", e);
        }
        finally
        {
            bookmark?.Dispose();
            timer?.Dispose();
            journal?.Dispose();
            outbox?.Dispose();
        }
    }

    /// <summary>Inserts the messages in one transaction (all or nothing) and sets each row's new id.</summary>
    public static async Task WriteInboxAsync(IDbContextFactory<FlowConnectorsDbContext> factory, IReadOnlyList<InboxMessageEntity> batch, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var sqlite = db is SqliteDbContext;
        await using var transaction = await DirectTransaction.BeginAsync(db, ct);
        using var insert = new Statement(transaction.Connection, transaction.Transaction, ClaimedInboxSql, ClaimedInboxTypes, sqlite);
        try
        {
            foreach (var m in batch)
            {
                insert.Set(0, m.Kind).Set(1, m.Hash).Set(2, m.HeadersJson).Set(3, m.Body).Set(4, m.PayloadJson).Set(5, Time(m.ReceivedAt, sqlite))
                    .Set(6, m.Status).Set(7, m.Attempts).Set(8, m.Error).Set(9, m.InstanceId).Set(10, m.ClaimedBy).Set(11, Time(m.ClaimedUntil, sqlite));
                m.Id = Convert.ToInt64(await insert.ScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            }
            await transaction.CommitAsync(ct);
        }
        catch (DbException e)
        {
            throw new DbUpdateException($"the inbox message could not be stored: {e.Message}", e);
        }
        // Every node's workers wake for pending work (PostgreSQL LISTEN/NOTIFY, once per batch); nothing on SQLite.
        if (batch.Any(m => m.Status == nameof(InboxStatus.Pending))) await EfRunQueue.NotifyAsync(db, ct);
    }

    private static object? Time(DateTimeOffset? value, bool sqlite) =>
        value is not { } time ? null : sqlite ? time.UtcTicks : time.ToUniversalTime();

    /// <summary>One INSERT, prepared at its first execution and re-executed with new values for every row of the batch.</summary>
    private sealed class Statement : IDisposable
    {
        private readonly DbCommand _command;
        private bool _prepared;

        public Statement(DbConnection connection, DbTransaction transaction, string sql, DbType[] types, bool sqlite)
        {
            _command = connection.CreateCommand();
            _command.CommandText = sql;
            _command.Transaction = transaction;
            PositionalParameters.Add(_command, types, sqlite);
        }

        public Statement Set(int index, object? value)
        {
            _command.Parameters[index].Value = value ?? DBNull.Value;
            return this;
        }

        public async Task RunAsync(CancellationToken ct)
        {
            if (!_prepared)
            {
                await _command.PrepareAsync(ct);
                _prepared = true;
            }
            await _command.ExecuteNonQueryAsync(ct);
        }

        public async Task<object?> ScalarAsync(CancellationToken ct)
        {
            if (!_prepared)
            {
                await _command.PrepareAsync(ct);
                _prepared = true;
            }
            return await _command.ExecuteScalarAsync(ct);
        }

        public void Dispose() => _command.Dispose();
    }
}
