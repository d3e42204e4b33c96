using System.Data;
using System.Data.Common;
using FlowConnectors.Engine;
using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

/// <summary>
/// One save of a stored instance, built (and its state serialized) on the caller's thread: the row's new values, the
/// bookmarks that replace the stored ones, the Delay timers it must have, the journal entries appended, a pending
/// error-flow start and the stimulus it acknowledges. <see cref="Error"/> is set when this save was refused (the
/// instance ended, or its lease is no longer the saver's); the other saves of its batch go on.
/// </summary>
internal sealed class InstanceSaveRows
{
    public required string InstanceId { get; init; }
    public required string FlowId { get; init; }
    public required string StateJson { get; init; }
    public required string Status { get; init; }
    public string? Fault { get; init; }
    public string? FaultNodeId { get; init; }
    public string? CorrelationId { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>Fenced: the save applies only while this owner holds the lease.</summary>
    public string? LeaseOwner { get; init; }
    /// <summary>The lease is given back in the same statement (a fenced run that suspended or ended).</summary>
    public bool ReleaseLease { get; init; }
    public required List<BookmarkEntity> Bookmarks { get; init; }
    public required List<TimerEntity> Timers { get; init; }
    /// <summary>Entries appended after the instance's last one (their sequence is found by the INSERT).</summary>
    public required List<JournalEntryEntity> Journal { get; init; }
    public InboxMessageEntity? Outbox { get; init; }
    /// <summary>The stimulus this run consumed, marked processed in the same transaction.</summary>
    public long? ProcessedMessageId { get; init; }
    public Exception? Error { get; set; }
}

/// <summary>A lease to take, and the stored instance it gave (null: another owner holds it, or there is none).</summary>
internal sealed class LeaseRequest
{
    public required string InstanceId { get; init; }
    public required string Owner { get; init; }
    public DateTimeOffset Now { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    public bool CountAttempt { get; init; }
    public (string StateJson, int FlowVersion, string? LeaseOwner, DateTimeOffset? LeaseExpiresAt, int RunAttempts)? Row { get; set; }
}

/// <summary>
/// The resume path's statements, prepared per provider, without EF Core's change tracking: a lease taken and the
/// instance read back in one <c>UPDATE … RETURNING</c>, and saves of many instances in one transaction (each a fenced
/// <c>UPDATE</c> of the row, its bookmarks replaced, its Delay timers upserted, its journal appended and its stimulus
/// marked processed). The transaction is begun through EF, so on SQLite it queues on the process's write gate with
/// every other writer. The SQL is the same for both providers (see <see cref="InstanceInserts"/>).
/// </summary>
internal static class InstanceSaves
{
    private const string EndedList = "('Finished', 'Faulted', 'Cancelled')";

    private const string LeaseSql =
        "UPDATE \"Instances\" SET \"LeaseOwner\" = $1, \"LeaseExpiresAt\" = $2, \"RunAttempts\" = \"RunAttempts\" + $3 " +
        "WHERE \"Id\" = $4 AND (\"LeaseOwner\" IS NULL OR \"LeaseExpiresAt\" IS NULL OR \"LeaseExpiresAt\" < $5 OR \"LeaseOwner\" = $1) " +
        "RETURNING \"StateJson\", \"FlowVersion\", \"LeaseOwner\", \"LeaseExpiresAt\", \"RunAttempts\"";

    private static readonly DbType[] LeaseTypes = [DbType.String, DbType.DateTimeOffset, DbType.Int32, DbType.String, DbType.DateTimeOffset];

    private const string UpdateSql =
        "UPDATE \"Instances\" SET \"StateJson\" = $3, \"Status\" = $4, \"Fault\" = $5, \"FaultNodeId\" = $6, \"CorrelationId\" = $7, \"UpdatedAt\" = $8, " +
        "\"Revision\" = \"Revision\" + 1, \"RunAttempts\" = 0, " +
        "\"LeaseOwner\" = CASE WHEN $9 = 1 THEN NULL ELSE \"LeaseOwner\" END, \"LeaseExpiresAt\" = CASE WHEN $9 = 1 THEN NULL ELSE \"LeaseExpiresAt\" END " +
        "WHERE \"Id\" = $1 AND \"FlowId\" = $2 AND \"Status\" NOT IN " + EndedList;

    private const string FencedUpdateSql = UpdateSql + " AND \"LeaseOwner\" = $10";

    private static readonly DbType[] UpdateTypes = [DbType.String, DbType.String, DbType.String, DbType.String, DbType.String, DbType.String, DbType.String,
        DbType.DateTimeOffset, DbType.Int32];
    private static readonly DbType[] FencedUpdateTypes = [.. UpdateTypes, DbType.String];

    private const string WhySql = "SELECT \"Status\", \"LeaseOwner\", \"FlowId\" FROM \"Instances\" WHERE \"Id\" = $1";
    private const string DeleteBookmarksSql = "DELETE FROM \"Bookmarks\" WHERE \"InstanceId\" = $1";
    private const string DeleteTimersSql = "DELETE FROM \"Timers\" WHERE \"InstanceId\" = $1 AND \"Kind\" = 'bookmark'";

    private const string BookmarkSql =
        "INSERT INTO \"Bookmarks\" (\"InstanceId\", \"Id\", \"Hash\", \"Name\", \"NodeId\", \"PayloadJson\", \"CreatedAt\", \"DataJson\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

    private static readonly DbType[] BookmarkTypes = [DbType.String, DbType.String, DbType.String, DbType.String, DbType.String, DbType.String, DbType.DateTimeOffset, DbType.String];

    // A timer row that exists keeps its claim: only its schedule is brought up to date.
    private const string TimerSql =
        "INSERT INTO \"Timers\" (\"Id\", \"DueAt\", \"Kind\", \"InstanceId\", \"BookmarkId\", \"TriggerId\", \"DataJson\") VALUES ($1, $2, $3, $4, $5, $6, $7) " +
        "ON CONFLICT (\"Id\") DO UPDATE SET \"DueAt\" = excluded.\"DueAt\", \"Kind\" = excluded.\"Kind\", \"InstanceId\" = excluded.\"InstanceId\", " +
        "\"BookmarkId\" = excluded.\"BookmarkId\", \"TriggerId\" = excluded.\"TriggerId\", \"DataJson\" = excluded.\"DataJson\"";

    private static readonly DbType[] TimerTypes = [DbType.String, DbType.DateTimeOffset, DbType.String, DbType.String, DbType.String, DbType.String, DbType.String];

    private const string JournalSql =
        "INSERT INTO \"JournalEntries\" (\"InstanceId\", \"Sequence\", \"NodeId\", \"ActivityType\", \"StartedAt\", \"DurationMs\", \"InputsJson\", " +
        "\"OutputsJson\", \"Outcome\", \"Error\", \"RunBy\") VALUES ($1, (SELECT COALESCE(MAX(\"Sequence\"), 0) + 1 FROM \"JournalEntries\" WHERE \"InstanceId\" = $1), " +
        "$2, $3, $4, $5, $6, $7, $8, $9, $10)";

    private static readonly DbType[] JournalTypes = [DbType.String, DbType.String, DbType.String, DbType.DateTimeOffset, DbType.Double, DbType.String,
        DbType.String, DbType.String, DbType.String, DbType.String];

    private const string ProcessedSql =
        "UPDATE \"InboxMessages\" SET \"Status\" = 'Processed', \"Error\" = NULL, \"InstanceId\" = $2, \"ClaimedBy\" = NULL, \"ClaimedUntil\" = NULL WHERE \"Id\" = $1";

    private static readonly DbType[] ProcessedTypes = [DbType.Int64, DbType.String];

    /// <summary>
    /// Takes the leases of <paramref name="batch"/> (each free, expired or already its owner's) and reads each instance
    /// back, one <c>UPDATE … RETURNING</c> per instance, all in one transaction: a burst of resumes (due timers, stored
    /// callbacks) costs one commit, not one per instance. A request whose lease another owner holds (or whose instance
    /// does not exist) gets no row.
    /// </summary>
    public static async Task LeaseManyAsync(IDbContextFactory<FlowConnectorsDbContext> factory, IReadOnlyList<LeaseRequest> batch, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var sqlite = db is SqliteDbContext;
        // On SQLite the transaction holds the write gate: it is serialized with this process's other writers.
        await using var transaction = await DirectTransaction.BeginAsync(db, ct);
        await using var command = Command(db, transaction, LeaseSql, LeaseTypes, sqlite);
        await command.PrepareAsync(ct);
        foreach (var request in batch)
        {
            request.Row = null;
            Set(command, 0, request.Owner);
            Set(command, 1, Time(request.ExpiresAt, sqlite));
            Set(command, 2, request.CountAttempt ? 1 : 0);
            Set(command, 3, request.InstanceId);
            Set(command, 4, Time(request.Now, sqlite));
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) continue;
            request.Row = (reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : ReadTime(reader, 3, sqlite), reader.GetInt32(4));
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// Writes every save of <paramref name="batch"/> in one transaction. A save refused because its instance ended or
    /// its lease is another's gets its <see cref="InstanceSaveRows.Error"/> and writes nothing; the others commit.
    /// A database failure throws, and nothing of the batch is written.
    /// </summary>
    public static async Task WriteAsync(IDbContextFactory<FlowConnectorsDbContext> factory, IReadOnlyList<InstanceSaveRows> batch, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var sqlite = db is SqliteDbContext;
        await using var transaction = await DirectTransaction.BeginAsync(db, ct);
        // Each statement is prepared at its first use in the transaction and re-executed with new values after that.
        var statements = new Dictionary<string, DbCommand>(StringComparer.Ordinal);
        async Task<DbCommand> Prepared(string sql, DbType[] types)
        {
            if (statements.TryGetValue(sql, out var command)) return command;
            statements[sql] = command = Command(db, transaction, sql, types, sqlite);
            await command.PrepareAsync(ct);
            return command;
        }
        try
        {
            foreach (var save in batch)
            {
                save.Error = null;
                var update = save.LeaseOwner is null ? await Prepared(UpdateSql, UpdateTypes) : await Prepared(FencedUpdateSql, FencedUpdateTypes);
                Set(update, 0, save.InstanceId);
                Set(update, 1, save.FlowId);
                Set(update, 2, save.StateJson);
                Set(update, 3, save.Status);
                Set(update, 4, save.Fault);
                Set(update, 5, save.FaultNodeId);
                Set(update, 6, save.CorrelationId);
                Set(update, 7, Time(save.UpdatedAt, sqlite));
                Set(update, 8, save.ReleaseLease ? 1 : 0);
                if (save.LeaseOwner is not null) Set(update, 9, save.LeaseOwner);
                if (await RunAsync(update, ct) == 0)
                {
                    save.Error = await WhyRefusedAsync(await Prepared(WhySql, [DbType.String]), save, ct);
                    continue;
                }
                // The instance's bookmarks are replaced by the state's: the set is always exactly what the state holds.
                var deleteBookmarks = await Prepared(DeleteBookmarksSql, [DbType.String]);
                Set(deleteBookmarks, 0, save.InstanceId);
                await RunAsync(deleteBookmarks, ct);
                foreach (var b in save.Bookmarks)
                {
                    var bookmark = await Prepared(BookmarkSql, BookmarkTypes);
                    Set(bookmark, 0, b.InstanceId);
                    Set(bookmark, 1, b.Id);
                    Set(bookmark, 2, b.Hash);
                    Set(bookmark, 3, b.Name);
                    Set(bookmark, 4, b.NodeId);
                    Set(bookmark, 5, b.PayloadJson);
                    Set(bookmark, 6, Time(b.CreatedAt, sqlite));
                    Set(bookmark, 7, b.DataJson);
                    await RunAsync(bookmark, ct);
                }
                await SyncTimersAsync(db, transaction, save, sqlite, Prepared, ct);
                foreach (var j in save.Journal)
                {
                    var journal = await Prepared(JournalSql, JournalTypes);
                    Set(journal, 0, j.InstanceId);
                    Set(journal, 1, j.NodeId);
                    Set(journal, 2, j.ActivityType);
                    Set(journal, 3, Time(j.StartedAt, sqlite));
                    Set(journal, 4, j.DurationMs);
                    Set(journal, 5, j.InputsJson);
                    Set(journal, 6, j.OutputsJson);
                    Set(journal, 7, j.Outcome);
                    Set(journal, 8, j.Error);
                    Set(journal, 9, j.RunBy);
                    await RunAsync(journal, ct);
                }
                if (save.Outbox is { } m)
                {
                    // A pending error-flow start, stored with the fault it reports.
                    var outbox = await Prepared(InstanceInserts.InboxSql, InstanceInserts.InboxTypes);
                    Set(outbox, 0, m.Kind);
                    Set(outbox, 1, m.Hash);
                    Set(outbox, 2, m.HeadersJson);
                    Set(outbox, 3, m.Body);
                    Set(outbox, 4, m.PayloadJson);
                    Set(outbox, 5, Time(m.ReceivedAt, sqlite));
                    Set(outbox, 6, m.Status);
                    Set(outbox, 7, m.Attempts);
                    Set(outbox, 8, m.Error);
                    Set(outbox, 9, m.InstanceId);
                    await RunAsync(outbox, ct);
                }
                if (save.ProcessedMessageId is { } messageId)
                {
                    var processed = await Prepared(ProcessedSql, ProcessedTypes);
                    Set(processed, 0, messageId);
                    Set(processed, 1, save.InstanceId);
                    await RunAsync(processed, ct);
                }
            }
            await transaction.CommitAsync(ct);
        }
        catch (DbException e)
        {
            // The same failure EF reports for a failed save, so callers see one exception type.
            throw new DbUpdateException($"the instance could not be saved: {e.Message}", e);
        }
        finally
        {
            foreach (var command in statements.Values) await command.DisposeAsync();
        }
    }

    /// <summary>
    /// The instance's bookmark timers become exactly one per Delay bookmark of the state: those of bookmarks it no
    /// longer has go, the others are stored (keeping a claim on one that already exists).
    /// </summary>
    private static async Task SyncTimersAsync(FlowConnectorsDbContext db, DirectTransaction transaction, InstanceSaveRows save, bool sqlite,
        Func<string, DbType[], Task<DbCommand>> prepared, CancellationToken ct)
    {
        if (save.Timers.Count == 0)
        {
            var delete = await prepared(DeleteTimersSql, [DbType.String]);
            Set(delete, 0, save.InstanceId);
            await RunAsync(delete, ct);
            return;
        }
        // Rare (an instance waiting on Delays): its own statement, with one parameter per timer kept.
        var kept = string.Join(", ", save.Timers.Select((_, n) => "$" + (n + 2)));
        await using (var delete = Command(db, transaction, DeleteTimersSql + " AND \"BookmarkId\" NOT IN (" + kept + ")",
                         Enumerable.Repeat(DbType.String, save.Timers.Count + 1).ToArray(), sqlite))
        {
            Set(delete, 0, save.InstanceId);
            for (var n = 0; n < save.Timers.Count; n++) Set(delete, n + 1, save.Timers[n].BookmarkId);
            await delete.ExecuteNonQueryAsync(ct);
        }
        foreach (var t in save.Timers)
        {
            var timer = await prepared(TimerSql, TimerTypes);
            Set(timer, 0, t.Id);
            Set(timer, 1, Time(t.DueAt, sqlite));
            Set(timer, 2, t.Kind);
            Set(timer, 3, t.InstanceId);
            Set(timer, 4, t.BookmarkId);
            Set(timer, 5, t.TriggerId);
            Set(timer, 6, t.DataJson);
            await RunAsync(timer, ct);
        }
    }

    private static async Task<Exception> WhyRefusedAsync(DbCommand why, InstanceSaveRows save, CancellationToken ct)
    {
        Set(why, 0, save.InstanceId);
        await using var reader = await why.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return new InvalidOperationException($"instance '{save.InstanceId}' does not exist: create it first");
        var status = reader.GetString(0);
        var holder = reader.IsDBNull(1) ? null : reader.GetString(1);
        var flowId = reader.GetString(2);
        // An end is final: a worker finishing a run that was cancelled (or faulted by the host) meanwhile loses.
        if (status is "Finished" or "Faulted" or "Cancelled") return new InstanceEndedException(save.InstanceId, status.ToLowerInvariant());
        // A worker whose lease was taken over (or handed back) must not overwrite the state the new holder runs from.
        if (save.LeaseOwner is not null && holder != save.LeaseOwner) return new LeaseLostException(save.InstanceId, holder);
        return new InvalidOperationException($"instance '{save.InstanceId}' belongs to flow '{flowId}', not '{save.FlowId}'");
    }

    private static DbCommand Command(FlowConnectorsDbContext db, DirectTransaction transaction, string sql, DbType[] types, bool sqlite)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction.Transaction;
        PositionalParameters.Add(command, types, sqlite);
        return command;
    }

    private static void Set(DbCommand command, int index, object? value) => command.Parameters[index].Value = value ?? DBNull.Value;

    private static Task<int> RunAsync(DbCommand command, CancellationToken ct) => command.ExecuteNonQueryAsync(ct);

    private static object? Time(DateTimeOffset? value, bool sqlite) =>
        value is not { } time ? null : sqlite ? time.UtcTicks : time.ToUniversalTime();

    private static DateTimeOffset ReadTime(DbDataReader reader, int column, bool sqlite) =>
        sqlite ? new DateTimeOffset(reader.GetInt64(column), TimeSpan.Zero) : reader.GetFieldValue<DateTimeOffset>(column);
}
