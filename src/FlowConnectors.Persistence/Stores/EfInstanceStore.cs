using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

internal sealed class EfInstanceStore(IDbContextFactory<FlowConnectorsDbContext> factory, TimeProvider? clock = null) : IInstanceStore
{
    private const int MaxPage = 1000;
    private static readonly string Running = FlowStatus.Running.ToString();
    private static readonly string Suspended = FlowStatus.Suspended.ToString();
    private static readonly string[] Ended = [FlowStatus.Finished.ToString(), FlowStatus.Faulted.ToString(), FlowStatus.Cancelled.ToString()];
    // The names the engine and the scheduler use; Persistence does not reference the scheduler.
    private const string DelayBookmark = "delay";
    private const string BookmarkTimer = "bookmark";
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    // Group commit: instances created at the same time are written in one transaction.
    private readonly GroupCommit<NewInstanceRows> _creates = new(batch => InstanceInserts.WriteAsync(factory, batch));
    // Saves of stored instances, group-committed the same way.
    private readonly GroupCommit<InstanceSaveRows> _saves = new(batch => InstanceSaves.WriteAsync(factory, batch));
    // Leases of resumes, group-committed too.
    private readonly GroupCommit<LeaseRequest> _leases = new(batch => InstanceSaves.LeaseManyAsync(factory, batch));

    /// <summary>
    /// Inserts the instance with its bookmarks and journal in one transaction. Calls that arrive
    /// while another is writing are queued and written together in the next transaction (group
    /// commit): SQLite has one writer at a time, so under load one commit for many instances is
    /// what keeps up. The rows are appended with prepared INSERTs (<see cref="InstanceInserts"/>), not
    /// through EF's change tracker. Each call returns only once its instance is committed; if a shared
    /// transaction fails, its instances are written again one by one, so one bad instance fails
    /// only its own call.
    /// </summary>
    public async Task CreateAsync(FlowInstanceState state, int flowVersion, IReadOnlyList<JournalEntry> journal, CancellationToken ct = default,
        string? leaseOwner = null, DateTimeOffset? leaseExpiresAt = null, InboxMessage? outbox = null)
    {
        ct.ThrowIfCancellationRequested();
        var now = _clock.GetUtcNow();
        // Built and serialized once, on the caller's thread; the caller waits until the write, so state and journal hold still.
        var row = new InstanceEntity
        {
            Id = state.InstanceId,
            FlowId = state.FlowId,
            FlowVersion = flowVersion,
            Status = "",
            StateJson = "",
            CreatedAt = state.CreatedAt == default ? now : state.CreatedAt,
            LeaseOwner = leaseOwner,
            LeaseExpiresAt = leaseOwner is null ? null : leaseExpiresAt,
            RunAttempts = leaseOwner is null ? 0 : 1,
        };
        var stateJson = Mirror(row, state, now);
        // An instance stored already ended never changes again: its journal may refer to its state instead of copying it.
        // Its parts are read from the state object, unless the stored JSON has secrets masked (then from that JSON).
        CompactJson.IEndedState? parts = !IsTerminal(state.Status) || journal.Count == 0 ? null
            : state.SerializesAsIs ? new CompactJson.MemoryState(state) : EndedStateParts(stateJson);
        await _creates.SubmitAsync(new NewInstanceRows(row, BookmarkRows(state).ToList(), DelayTimers(state).Select(t => TimerRow(t, null)).ToList(),
            JournalRows(state.InstanceId, 0, journal, parts).ToList(), outbox is null ? null : EfInboxStore.Row(outbox, now)));
    }

    /// <summary>
    /// Saves the state with prepared statements (<see cref="InstanceSaves"/>), group-committed with the saves of other
    /// instances that arrive meanwhile: one transaction for many resumes. A save refused because the instance ended or
    /// its lease is another's fails only its own call.
    /// </summary>
    public async Task SaveAsync(FlowInstanceState state, IReadOnlyList<JournalEntry> newJournalEntries, CancellationToken ct = default, InboxMessage? outbox = null,
        string? leaseOwner = null, long? processedMessageId = null)
    {
        ct.ThrowIfCancellationRequested();
        var now = _clock.GetUtcNow();
        // Built and serialized once, on the caller's thread; the caller waits until the write, so state and journal hold still.
        var save = new InstanceSaveRows
        {
            InstanceId = state.InstanceId,
            FlowId = state.FlowId,
            StateJson = CompactJson.WriteState(state.ToUtf8Json()),
            Status = state.Status.ToString(),
            Fault = state.Fault?.ToString(),
            FaultNodeId = state.Fault?.NodeId,
            CorrelationId = state.CorrelationId,
            UpdatedAt = state.UpdatedAt == default ? now : state.UpdatedAt,
            LeaseOwner = leaseOwner,
            // A run that suspended or ended gives its lease back in the same statement, not in one more round trip.
            ReleaseLease = leaseOwner is not null && state.Status != FlowStatus.Running,
            Bookmarks = BookmarkRows(state).ToList(),
            Timers = DelayTimers(state).Select(t => TimerRow(t, null)).ToList(),
            Journal = JournalRows(state.InstanceId, 0, newJournalEntries).ToList(),
            Outbox = outbox is null ? null : EfInboxStore.Row(outbox, now),
            ProcessedMessageId = processedMessageId,
        };
        await _saves.SubmitAsync(save);
        if (save.Error is { } refused) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(refused);
    }

    /// <summary>
    /// The lease taken and the instance read in one <c>UPDATE … RETURNING</c>, group-committed with the leases other
    /// resumes take meanwhile (<see cref="InstanceSaves.LeaseManyAsync"/>); the state is deserialized on the caller's thread.
    /// </summary>
    public async Task<StoredInstance?> TryLeaseAndGetAsync(string instanceId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken ct = default,
        bool countAttempt = false)
    {
        ct.ThrowIfCancellationRequested();
        var request = new LeaseRequest { InstanceId = instanceId, Owner = owner, Now = now, ExpiresAt = now + duration, CountAttempt = countAttempt };
        await _leases.SubmitAsync(request);
        return request.Row is not { } row ? null
            : new StoredInstance(FlowInstanceState.FromJson(CompactJson.ReadState(row.StateJson)), row.FlowVersion, row.LeaseOwner, row.LeaseExpiresAt, row.RunAttempts);
    }

    /// <summary>
    /// The instance's bookmark timers become exactly one per Delay bookmark of the state (with its retries
    /// kept while the bookmark waits), in the caller's transaction: a suspended instance is never on disk
    /// without the timer that resumes it.
    /// </summary>
    private static async Task SyncTimersAsync(FlowConnectorsDbContext db, FlowInstanceState state, CancellationToken ct)
    {
        var wanted = DelayTimers(state).ToDictionary(t => t.Id, StringComparer.Ordinal);
        var bookmarkIds = wanted.Values.Select(t => t.BookmarkId).ToList();
        await db.Timers.Where(t => t.InstanceId == state.InstanceId && t.Kind == BookmarkTimer && !bookmarkIds.Contains(t.BookmarkId))
            .ExecuteDeleteAsync(ct);
        if (wanted.Count == 0) return;
        var ids = wanted.Keys.ToList();
        var existing = await db.Timers.Where(t => ids.Contains(t.Id)).ToListAsync(ct);
        foreach (var timer in wanted.Values)
        {
            if (existing.Find(t => t.Id == timer.Id) is { } row) TimerRow(timer, row);
            else db.Timers.Add(TimerRow(timer, null));
        }
    }

    /// <summary>The timer each Delay bookmark (a Delay node, or a Wait for Callback timeout) of a waiting instance needs.</summary>
    internal static IEnumerable<TimerRecord> DelayTimers(FlowInstanceState state) =>
        IsTerminal(state.Status)
            ? []
            : state.Bookmarks
                .Where(b => b.Name == DelayBookmark && (string?)b.Payload?["resumeAt"] is not null)
                .DistinctBy(b => b.Id)
                .Select(b => new TimerRecord(b.Id, DateTimeOffset.Parse((string)b.Payload!["resumeAt"]!, System.Globalization.CultureInfo.InvariantCulture),
                    BookmarkTimer, state.InstanceId, b.Id, null, null));

    private static TimerEntity TimerRow(TimerRecord timer, TimerEntity? row)
    {
        row ??= new TimerEntity { Id = timer.Id, Kind = timer.Kind };
        row.DueAt = timer.DueAt;
        row.Kind = timer.Kind;
        row.InstanceId = timer.InstanceId;
        row.BookmarkId = timer.BookmarkId;
        row.TriggerId = timer.TriggerId;
        row.DataJson = StoreJson.Write(timer.Data);
        return row;
    }

    public async Task<bool> ReopenAsync(FlowInstanceState state, int flowVersion, IReadOnlyList<JournalEntry> journal, CancellationToken ct = default)
    {
        var faulted = FlowStatus.Faulted.ToString();
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var row = await db.Instances.FirstOrDefaultAsync(i => i.Id == state.InstanceId, ct);
        if (row is null || row.Status != faulted) return false;
        Mirror(row, state, _clock.GetUtcNow());
        row.FlowVersion = flowVersion;
        row.Revision++;
        row.RunAttempts = 0;
        await db.Bookmarks.Where(b => b.InstanceId == state.InstanceId).ExecuteDeleteAsync(ct);
        db.Bookmarks.AddRange(BookmarkRows(state));
        await SyncTimersAsync(db, state, ct);
        if (journal.Count > 0)
        {
            var last = await db.JournalEntries.Where(j => j.InstanceId == state.InstanceId).MaxAsync(j => (int?)j.Sequence, ct) ?? 0;
            db.JournalEntries.AddRange(JournalRows(state.InstanceId, last, journal));
        }
        try
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another retry (or an end) wrote the instance in between: it is not faulted as read any more.
            return false;
        }
    }

    public async Task AppendJournalAsync(string instanceId, IReadOnlyList<JournalEntry> entries, CancellationToken ct = default)
    {
        if (entries.Count == 0) return;
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var last = await db.JournalEntries.Where(j => j.InstanceId == instanceId).MaxAsync(j => (int?)j.Sequence, ct) ?? 0;
        db.JournalEntries.AddRange(JournalRows(instanceId, last, entries));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<bool> EndAsync(string instanceId, FlowStatus status, FlowFault fault, CancellationToken ct = default, InstanceChange? change = null,
        InboxMessage? outbox = null)
    {
        if (status is not (FlowStatus.Cancelled or FlowStatus.Faulted)) throw new ArgumentOutOfRangeException(nameof(status), "an instance is ended as cancelled or faulted");
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var row = await db.Instances.FirstOrDefaultAsync(i => i.Id == instanceId, ct);
            if (row is null || Ended.Contains(row.Status)) return false;
            var state = FlowInstanceState.FromJson(CompactJson.ReadState(row.StateJson));
            state.Status = status;
            state.Fault = fault;
            state.Bookmarks.Clear();
            state.Queue.Clear();
            state.Retry = null;
            if (change is not null) state.Record(change);
            state.UpdatedAt = _clock.GetUtcNow();
            Mirror(row, state, state.UpdatedAt);
            row.Revision++;
            row.RunAttempts = 0;
            await db.Bookmarks.Where(b => b.InstanceId == instanceId).ExecuteDeleteAsync(ct);
            await db.Timers.Where(t => t.InstanceId == instanceId).ExecuteDeleteAsync(ct);
            if (outbox is not null) db.InboxMessages.Add(EfInboxStore.Row(outbox, state.UpdatedAt));
            try
            {
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
                return true;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                // A worker saved in between: read its state and end that one.
            }
        }
    }

    public async Task<IReadOnlyList<TimerRecord>> RestoreMissingTimersAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var missing = await db.Bookmarks.AsNoTracking()
            .Where(b => b.Name == DelayBookmark && !db.Timers.Any(t => t.Id == b.Id)
                        && db.Instances.Any(i => i.Id == b.InstanceId && i.Status == Suspended))
            .Select(b => new { b.InstanceId, b.Id, b.PayloadJson })
            .ToListAsync(ct);
        var restored = new List<TimerRecord>();
        foreach (var bookmark in missing)
        {
            if (StoreJson.Read(bookmark.PayloadJson)?["resumeAt"] is not JsonValue at || !at.TryGetValue(out string? text)
                || !DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var due)) continue;
            var timer = new TimerRecord(bookmark.Id, due, BookmarkTimer, bookmark.InstanceId, bookmark.Id, null, null);
            db.Timers.Add(TimerRow(timer, null));
            restored.Add(timer);
        }
        if (restored.Count > 0) await db.SaveChangesAsync(ct);
        return restored;
    }

    public async Task<StoredInstance?> GetAsync(string instanceId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.Instances.AsNoTracking()
            .Where(i => i.Id == instanceId)
            .Select(i => new { i.StateJson, i.FlowVersion, i.LeaseOwner, i.LeaseExpiresAt, i.RunAttempts })
            .FirstOrDefaultAsync(ct);
        return row is null ? null : new StoredInstance(FlowInstanceState.FromJson(CompactJson.ReadState(row.StateJson)), row.FlowVersion, row.LeaseOwner, row.LeaseExpiresAt, row.RunAttempts);
    }

    public async Task<IReadOnlyList<InstanceSummary>> ListAsync(InstanceQuery query, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = db.Instances.AsNoTracking();
        if (query.Status is { } status)
        {
            var name = status.ToString();
            rows = rows.Where(i => i.Status == name);
        }
        if (query.FlowId is { } flowId) rows = rows.Where(i => i.FlowId == flowId);
        if (query.CorrelationId is { } correlationId) rows = rows.Where(i => i.CorrelationId == correlationId);
        var page = await rows
            .OrderByDescending(i => i.CreatedAt).ThenBy(i => i.Id)
            .Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 0, MaxPage))
            .Select(i => new { i.Id, i.FlowId, i.FlowVersion, i.Status, i.CorrelationId, i.Fault, i.CreatedAt, i.UpdatedAt })
            .ToListAsync(ct);
        return page.Select(i => new InstanceSummary(i.Id, i.FlowId, i.FlowVersion, Enum.Parse<FlowStatus>(i.Status), i.CorrelationId,
            i.Fault, i.CreatedAt, i.UpdatedAt)).ToList();
    }

    public async Task<IReadOnlyList<InstanceSummary>> ListFaultedAsync(FaultedInstanceQuery query, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var faulted = nameof(FlowStatus.Faulted);
        var rows = db.Instances.AsNoTracking().Where(i => i.Status == faulted);
        if (query.FlowId is { } flowId) rows = rows.Where(i => i.FlowId == flowId);
        if (query.FlowVersion is { } version) rows = rows.Where(i => i.FlowVersion == version);
        // Rows saved before FaultNodeId existed have none: included, the caller checks their stored fault.
        if (query.NodeId is { } nodeId) rows = rows.Where(i => i.FaultNodeId == nodeId || i.FaultNodeId == null);
        if (query.From is { } from) rows = rows.Where(i => i.UpdatedAt >= from);
        if (query.To is { } to) rows = rows.Where(i => i.UpdatedAt <= to);
        var page = await rows
            .OrderBy(i => i.UpdatedAt).ThenBy(i => i.Id)
            .Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 0, MaxPage))
            .Select(i => new { i.Id, i.FlowId, i.FlowVersion, i.Status, i.CorrelationId, i.Fault, i.CreatedAt, i.UpdatedAt })
            .ToListAsync(ct);
        return page.Select(i => new InstanceSummary(i.Id, i.FlowId, i.FlowVersion, FlowStatus.Faulted, i.CorrelationId, i.Fault, i.CreatedAt, i.UpdatedAt)).ToList();
    }

    public async Task<IReadOnlyList<JournalEntry>> GetJournalAsync(string instanceId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.JournalEntries.AsNoTracking().Where(j => j.InstanceId == instanceId).OrderBy(j => j.Sequence).ToListAsync(ct);
        // Entries of an instance stored already ended may refer to its state (CompactJson): read it once, if needed.
        CompactJson.StateParts? parts = null;
        if (rows.Any(j => CompactJson.RefersToState(j.InputsJson) || CompactJson.RefersToState(j.OutputsJson)))
        {
            var stateJson = await db.Instances.AsNoTracking().Where(i => i.Id == instanceId).Select(i => i.StateJson).FirstOrDefaultAsync(ct);
            parts = stateJson is null ? null : CompactJson.Parts(stateJson);
        }
        return rows.Select(j => new JournalEntry
        {
            NodeId = j.NodeId,
            ActivityType = j.ActivityType,
            StartedAt = j.StartedAt,
            Duration = TimeSpan.FromMilliseconds(j.DurationMs),
            Inputs = CompactJson.ReadMap(j.InputsJson, () => parts),
            Outputs = CompactJson.ReadMap(j.OutputsJson, () => parts),
            Outcome = j.Outcome,
            Error = j.Error,
            RunBy = j.RunBy,
        }).ToList();
    }

    public async Task<IReadOnlyList<BookmarkMatch>> FindBookmarksAsync(string hash, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await PlainReads.ListAsync(db, FindSql, [hash],
            r => new BookmarkMatch(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3)), ct);
    }

    /// <summary>
    /// One indexed read: the instance's status column and its bookmark with that hash (instance id and hash, under the
    /// bookmark table's key), with the bookmark's data column; the state is read only for a bookmark stored before that
    /// column existed.
    /// </summary>
    public async Task<BookmarkCheck?> CheckBookmarkAsync(string instanceId, string hash, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await PlainReads.ListAsync(db, CheckSql, [instanceId, hash],
            r => (Status: r.GetString(0), BookmarkId: r.IsDBNull(1) ? null : r.GetString(1), DataJson: r.IsDBNull(2) ? null : r.GetString(2)), ct);
        if (rows.Count == 0) return null;
        var row = rows[0];
        if (row.BookmarkId is not null && row.DataJson is null) return BookmarkCheck.Of((await GetAsync(instanceId, ct))?.State, hash);
        return new BookmarkCheck(Enum.Parse<FlowStatus>(row.Status), row.BookmarkId is not null, row.DataJson is null ? null : StoreJson.Read(row.DataJson),
            row.BookmarkId);
    }

    // Plain statements, not LINQ (even compiled): the callback endpoint checks every callback, and the inbox worker looks up
    // every stimulus it was not handed with its bookmark; EF's query pipeline (query context, enumerator, materializer,
    // command diagnostics) cost more CPU than the read itself (issue 15, resume path, perf 2026-12-05).
    private const string CheckSql =
        "SELECT i.\"Status\", b.\"Id\", b.\"DataJson\" FROM \"Instances\" AS i " +
        "LEFT JOIN \"Bookmarks\" AS b ON b.\"InstanceId\" = i.\"Id\" AND b.\"Hash\" = $2 WHERE i.\"Id\" = $1 LIMIT 1";

    private const string FindSql =
        "SELECT \"InstanceId\", \"Id\", \"Name\", \"NodeId\" FROM \"Bookmarks\" WHERE \"Hash\" = $1 ORDER BY \"CreatedAt\", \"InstanceId\", \"Id\"";

    public async Task<bool> TryAcquireLeaseAsync(string instanceId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken ct = default,
        bool countAttempt = false)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var expires = now + duration;
        var added = countAttempt ? 1 : 0;
        // One conditional UPDATE: atomic across processes, whichever database serializes the writers.
        var taken = await db.Instances
            .Where(i => i.Id == instanceId && (i.LeaseOwner == null || i.LeaseExpiresAt == null || i.LeaseExpiresAt < now || i.LeaseOwner == owner))
            .ExecuteUpdateAsync(s => s
                .SetProperty(i => i.LeaseOwner, owner)
                .SetProperty(i => i.LeaseExpiresAt, expires)
                .SetProperty(i => i.RunAttempts, i => i.RunAttempts + added), ct);
        return taken == 1;
    }

    public async Task<int> ReleaseLeasesOfAsync(string nodeId, string currentOwner, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var prefix = nodeId + "/";
        // The run queue's claims of those processes (stimuli, timers) go back too.
        await db.InboxMessages.Where(m => m.ClaimedBy != null && m.ClaimedBy.StartsWith(prefix) && m.ClaimedBy != currentOwner)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimedBy, (string?)null).SetProperty(m => m.ClaimedUntil, (DateTimeOffset?)null), ct);
        await db.Timers.Where(t => t.ClaimedBy != null && t.ClaimedBy.StartsWith(prefix) && t.ClaimedBy != currentOwner)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.ClaimedBy, (string?)null).SetProperty(t => t.ClaimedUntil, (DateTimeOffset?)null), ct);
        return await db.Instances
            .Where(i => i.LeaseOwner != null && i.LeaseOwner.StartsWith(prefix) && i.LeaseOwner != currentOwner)
            .ExecuteUpdateAsync(s => s
                .SetProperty(i => i.LeaseOwner, (string?)null)
                .SetProperty(i => i.LeaseExpiresAt, (DateTimeOffset?)null), ct);
    }

    public async Task<IReadOnlyList<string>> RenewLeasesAsync(string owner, IReadOnlyCollection<string> instanceIds, DateTimeOffset expiresAt,
        CancellationToken ct = default)
    {
        if (instanceIds.Count == 0) return [];
        await using var db = await factory.CreateDbContextAsync(ct);
        var ids = instanceIds.ToList();
        await db.Instances
            .Where(i => ids.Contains(i.Id) && i.LeaseOwner == owner)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.LeaseExpiresAt, expiresAt), ct);
        var held = await db.Instances.AsNoTracking()
            .Where(i => ids.Contains(i.Id) && i.LeaseOwner == owner && !Ended.Contains(i.Status))
            .Select(i => i.Id)
            .ToListAsync(ct);
        // Not yet stored (a short synchronous run) is not lost: only stored instances can be taken or ended.
        var stored = await db.Instances.AsNoTracking().Where(i => ids.Contains(i.Id)).Select(i => i.Id).ToListAsync(ct);
        return stored.Except(held, StringComparer.Ordinal).ToList();
    }

    public async Task ReleaseLeaseAsync(string instanceId, string owner, CancellationToken ct = default, bool forgetAttempt = false)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var held = db.Instances.Where(i => i.Id == instanceId && i.LeaseOwner == owner);
        if (forgetAttempt)
            await held.ExecuteUpdateAsync(s => s
                .SetProperty(i => i.LeaseOwner, (string?)null)
                .SetProperty(i => i.LeaseExpiresAt, (DateTimeOffset?)null)
                .SetProperty(i => i.RunAttempts, i => i.RunAttempts > 0 ? i.RunAttempts - 1 : 0), ct);
        else
            await held.ExecuteUpdateAsync(s => s
                .SetProperty(i => i.LeaseOwner, (string?)null)
                .SetProperty(i => i.LeaseExpiresAt, (DateTimeOffset?)null), ct);
    }

    public async Task<IReadOnlyList<string>> FindOrphanedAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Instances.AsNoTracking()
            .Where(i => i.Status == Running && (i.LeaseOwner == null || i.LeaseExpiresAt == null || i.LeaseExpiresAt < now))
            .OrderBy(i => i.UpdatedAt).ThenBy(i => i.Id)
            .Select(i => i.Id)
            .ToListAsync(ct);
    }

    /// <summary>Copies the state into the row (its JSON stored compact); returns the JSON, as UTF-8.</summary>
    private static byte[] Mirror(InstanceEntity row, FlowInstanceState state, DateTimeOffset now)
    {
        if (row.FlowId != state.FlowId) throw new InvalidOperationException($"instance '{state.InstanceId}' belongs to flow '{row.FlowId}', not '{state.FlowId}'");
        var stateJson = state.ToStoredUtf8Json();
        row.StateJson = CompactJson.WriteState(stateJson);
        row.Status = state.Status.ToString();
        row.Fault = state.Fault?.ToString();
        row.FaultNodeId = state.Fault?.NodeId;
        row.CorrelationId = state.CorrelationId;
        row.UpdatedAt = state.UpdatedAt == default ? now : state.UpdatedAt;
        return stateJson;
    }

    // Past this many node outputs a journal value is not searched for in the whole state (only whole maps are referred to).
    private const int MaxSearchedNodes = 64;

    private static CompactJson.StateParts? EndedStateParts(byte[] stateJson)
    {
        try
        {
            return JsonNode.Parse(stateJson, documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 4096 }) is JsonObject o ? new CompactJson.StateParts(o) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static bool IsTerminal(FlowStatus status) => status is FlowStatus.Finished or FlowStatus.Faulted or FlowStatus.Cancelled;

    /// <summary>A finished, faulted or cancelled instance waits for nothing, whatever its state still lists.</summary>
    private static IEnumerable<BookmarkEntity> BookmarkRows(FlowInstanceState state) =>
        IsTerminal(state.Status)
            ? []
            : state.Bookmarks.DistinctBy(b => b.Id).Select(b => new BookmarkEntity
            {
                InstanceId = state.InstanceId,
                Id = b.Id,
                Hash = b.Hash,
                Name = b.Name,
                NodeId = b.NodeId,
                PayloadJson = StoreJson.Write(b.Payload),
                DataJson = StoreJson.Write(b.Data) ?? NoData,
                CreatedAt = b.CreatedAt,
            }).ToList();

    /// <summary>A bookmark without private data: JSON null, never SQL NULL (which marks rows stored before the column).</summary>
    private const string NoData = "null";

    private static IEnumerable<JournalEntryEntity> JournalRows(string instanceId, int lastSequence, IReadOnlyList<JournalEntry> entries,
        CompactJson.IEndedState? parts = null)
    {
        if (parts is null) return JournalRows(instanceId, lastSequence, entries, (e, _) => StoreJson.WriteMap(e.Inputs), (e, _) => StoreJson.WriteMap(e.Outputs));
        var searchValues = parts.NodeCount <= MaxSearchedNodes;
        return JournalRows(instanceId, lastSequence, entries,
            (e, _) => CompactJson.WriteMap(e.Inputs, e.NodeId, parts, searchValues),
            (e, _) => CompactJson.WriteMap(e.Outputs, e.NodeId, parts, searchValues));
    }

    private static IEnumerable<JournalEntryEntity> JournalRows(string instanceId, int lastSequence, IReadOnlyList<JournalEntry> entries,
        Func<JournalEntry, int, string?> inputs, Func<JournalEntry, int, string?> outputs) =>
        entries.Select((e, index) => new JournalEntryEntity
        {
            InstanceId = instanceId,
            Sequence = lastSequence + index + 1,
            NodeId = e.NodeId,
            ActivityType = e.ActivityType,
            StartedAt = e.StartedAt,
            DurationMs = e.Duration.TotalMilliseconds,
            InputsJson = inputs(e, index),
            OutputsJson = outputs(e, index),
            Outcome = e.Outcome,
            Error = e.Error,
            RunBy = e.RunBy,
        }).ToList();
}
