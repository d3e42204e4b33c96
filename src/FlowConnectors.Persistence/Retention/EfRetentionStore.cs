using System.Security.Cryptography;
using System.Text;
using FlowConnectors.Engine;
using FlowConnectors.Persistence.Data;
using FlowConnectors.Persistence.Stores;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Retention;

/// <summary>
/// Retention and incidents on EF Core, for SQLite and PostgreSQL. Every statement touches at most one batch of rows
/// and every batch is its own short transaction: on SQLite each holds the single writer slot briefly, so the runs'
/// writes queue behind a batch, never behind a whole pass.
/// </summary>
internal sealed class EfRetentionStore(IDbContextFactory<FlowConnectorsDbContext> factory, PersistenceOptions options) : IRetentionStore
{
    private static readonly string Finished = FlowStatus.Finished.ToString();
    private static readonly string Cancelled = FlowStatus.Cancelled.ToString();
    private static readonly string Faulted = FlowStatus.Faulted.ToString();
    private static readonly string Running = FlowStatus.Running.ToString();
    private static readonly string Suspended = FlowStatus.Suspended.ToString();
    private static readonly string[] Ended = [Finished, Cancelled, Faulted];
    private static readonly string[] DoneInbox = [InboxStatus.Processed.ToString(), InboxStatus.Failed.ToString(), InboxStatus.Expired.ToString()];
    private static readonly string DeadLettered = InboxStatus.DeadLettered.ToString();
    private static readonly string PendingInbox = InboxStatus.Pending.ToString();
    private static readonly string WaitingInbox = InboxStatus.Waiting.ToString();
    private const int MaxMessageLength = 2000;

    public async Task<int> CollectIncidentsAsync(int batchSize, CancellationToken ct = default) =>
        await StoreRetry.OnConflictAsync(() => CollectOnceAsync(Math.Clamp(batchSize, 1, 1000), ct));

    private async Task<int> CollectOnceAsync(int batchSize, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var candidates = await db.Instances.AsNoTracking()
            // The status as an SQL literal: the index of uncounted faults holds faulted instances only (a parameter would not match it).
            .Where(i => i.Status == EF.Constant(Faulted) && !i.IncidentCounted)
            .OrderBy(i => i.UpdatedAt).ThenBy(i => i.Id)
            .Take(batchSize)
            .Select(i => new { i.Id, i.FlowId, i.StateJson, i.Fault, i.UpdatedAt })
            .ToListAsync(ct);
        if (candidates.Count == 0) return 0;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var ids = candidates.Select(c => c.Id).ToList();
        var claimedAll = await db.Instances
            .Where(i => ids.Contains(i.Id) && i.Status == Faulted && !i.IncidentCounted)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.IncidentCounted, true), ct);
        if (claimedAll != ids.Count)
        {
            // Another process counted some of them meanwhile: undo, and claim the rest row by row.
            await transaction.RollbackAsync(ct);
            return await CollectClaimingEachAsync(candidates.Select(c => (c.Id, c.FlowId, c.StateJson, c.Fault, c.UpdatedAt)).ToList(), ct);
        }
        var occurrences = candidates.Select(c => Occurrence(c.Id, c.FlowId, c.StateJson, c.Fault, c.UpdatedAt)).ToList();
        await CountAsync(db, occurrences, ct);
        await transaction.CommitAsync(ct);
        return occurrences.Count;
    }

    private async Task<int> CollectClaimingEachAsync(List<(string Id, string FlowId, string StateJson, string? Fault, DateTimeOffset UpdatedAt)> candidates,
        CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var occurrences = new List<Occurred>();
        foreach (var candidate in candidates)
        {
            // Row by row: whichever process claims an instance first counts it.
            var claimed = await db.Instances
                .Where(i => i.Id == candidate.Id && i.Status == Faulted && !i.IncidentCounted)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.IncidentCounted, true), ct);
            if (claimed == 1) occurrences.Add(Occurrence(candidate.Id, candidate.FlowId, candidate.StateJson, candidate.Fault, candidate.UpdatedAt));
        }
        await CountAsync(db, occurrences, ct);
        await transaction.CommitAsync(ct);
        return occurrences.Count;
    }

    private sealed record Occurred(string Key, string FlowId, string NodeId, string? ActivityType, string Message, DateTimeOffset At, string InstanceId);

    private static Occurred Occurrence(string id, string flowId, string stateJson, string? faultText, DateTimeOffset at)
    {
        var fault = FaultOf(stateJson, faultText);
        var nodeId = fault.NodeId ?? "";
        var message = fault.Message.Length > MaxMessageLength ? fault.Message[..MaxMessageLength] : fault.Message;
        return new Occurred(KeyOf(flowId, nodeId, message), flowId, nodeId, fault.ActivityType, message, at, id);
    }

    /// <summary>Adds the occurrences to their incidents (created on first occurrence) in the caller's transaction.</summary>
    private static async Task CountAsync(FlowConnectorsDbContext db, List<Occurred> occurrences, CancellationToken ct)
    {
        var groups = occurrences.GroupBy(o => o.Key).ToList();
        var keys = groups.Select(g => g.Key).ToList();
        var existing = await db.Incidents.Where(i => keys.Contains(i.Id)).ToDictionaryAsync(i => i.Id, ct);
        foreach (var group in groups)
        {
            var first = group.MinBy(o => o.At)!;
            var last = group.MaxBy(o => o.At)!;
            if (!existing.TryGetValue(group.Key, out var incident))
            {
                db.Incidents.Add(new IncidentEntity
                {
                    Id = group.Key, FlowId = first.FlowId, NodeId = first.NodeId, ActivityType = first.ActivityType, Message = first.Message,
                    Count = group.Count(), FirstAt = first.At, LastAt = last.At, LastInstanceId = last.InstanceId,
                });
                continue;
            }
            incident.Count += group.Count();
            if (first.At < incident.FirstAt) incident.FirstAt = first.At;
            if (last.At >= incident.LastAt)
            {
                incident.LastAt = last.At;
                incident.LastInstanceId = last.InstanceId;
                incident.ActivityType = last.ActivityType ?? incident.ActivityType;
            }
        }
        await db.SaveChangesAsync(ct);
    }

    private static FlowFault FaultOf(string stateJson, string? faultText)
    {
        try
        {
            if (FlowInstanceState.FromJson(Stores.CompactJson.ReadState(stateJson)).Fault is { } fault) return fault;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            // An unreadable state still makes an incident, from the fault text kept beside it.
        }
        return new FlowFault(null, null, faultText ?? "the instance faulted without a message");
    }

    /// <summary>The incident of a flow, node and message.</summary>
    internal static string KeyOf(string flowId, string nodeId, string message) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{flowId}\n{nodeId}\n{message}")));

    public async Task<PruneResult> PruneAsync(RetentionSettings settings, DateTimeOffset now, CancellationToken ct = default)
    {
        var batch = Math.Clamp(settings.BatchSize, 1, 5000);
        var own = settings.Flows.Keys.ToList();
        var instances = await DeleteByAgeAsync(i => !own.Contains(i.FlowId), settings.FinishedDays, settings.FaultedDays, now, batch, ct);
        foreach (var (flowId, flow) in settings.Flows)
            instances += await DeleteByAgeAsync(i => i.FlowId == flowId, flow.FinishedDays ?? settings.FinishedDays, flow.FaultedDays ?? settings.FaultedDays,
                now, batch, ct);
        instances += await DeleteBeyondLimitAsync(settings, batch, ct);
        var journal = await ThinJournalsAsync(settings, batch, ct);
        var inbox = await DeleteOldInboxAsync(settings, now, batch, ct);
        return new PruneResult(instances, journal, inbox);
    }

    private async Task<int> DeleteByAgeAsync(System.Linq.Expressions.Expression<Func<InstanceEntity, bool>> scope, double finishedDays, double faultedDays,
        DateTimeOffset now, int batch, CancellationToken ct)
    {
        var deleted = 0;
        if (finishedDays > 0)
        {
            var before = now - TimeSpan.FromDays(finishedDays);
            deleted += await DeleteAsync(db => db.Instances.Where(scope)
                .Where(i => (i.Status == Finished || i.Status == Cancelled) && i.UpdatedAt < before)
                .OrderBy(i => i.UpdatedAt).Take(batch).Select(i => i.Id), ct);
        }
        if (faultedDays > 0)
        {
            var before = now - TimeSpan.FromDays(faultedDays);
            deleted += await DeleteAsync(db => db.Instances.Where(scope)
                .Where(i => i.Status == Faulted && i.IncidentCounted && i.UpdatedAt < before)
                .OrderBy(i => i.UpdatedAt).Take(batch).Select(i => i.Id), ct);
        }
        return deleted;
    }

    /// <summary>Ended runs of a flow beyond its newest <see cref="RetentionSettings.MaxRunsPerFlow"/>.</summary>
    private async Task<int> DeleteBeyondLimitAsync(RetentionSettings settings, int batch, CancellationToken ct)
    {
        List<(string FlowId, int Excess)> over;
        await using (var db = await factory.CreateDbContextAsync(ct))
        {
            var counts = await db.Instances.AsNoTracking()
                .Where(i => Ended.Contains(i.Status))
                .GroupBy(i => i.FlowId)
                .Select(g => new { FlowId = g.Key, Count = g.Count() })
                .ToListAsync(ct);
            over = counts.Select(c => (c.FlowId, Excess: settings.MaxRunsOf(c.FlowId) is > 0 and var max ? c.Count - max : 0))
                .Where(c => c.Excess > 0).ToList();
        }
        var deleted = 0;
        foreach (var (flowId, excess) in over)
        {
            // The runs beyond the newest `keep` are the `excess` oldest (by CreatedAt, then Id: a total order, so ties fall the
            // same way from either end). They are read from the old end and streamed until a batch is found, so a batch reads
            // about as many rows as it deletes; choosing them by skipping the kept ones from the new end read every row of the
            // flow for every batch. Runs that end meanwhile only add to the excess, and nothing else deletes instances while
            // the pass runs (one retention pass at a time, the age rule before this one).
            var ids = new List<string>(batch);
            await using (var db = await factory.CreateDbContextAsync(ct))
            {
                var oldest = db.Instances.AsNoTracking()
                    .Where(i => i.FlowId == flowId && Ended.Contains(i.Status))
                    .OrderBy(i => i.CreatedAt).ThenBy(i => i.Id)
                    .Take(excess)
                    .Select(i => new { i.Id, Deletable = i.Status != Faulted || i.IncidentCounted });
                await foreach (var run in oldest.AsAsyncEnumerable().WithCancellation(ct))
                {
                    // A fault not yet counted in its incident keeps its place among the ended runs but is not deleted yet.
                    if (!run.Deletable) continue;
                    ids.Add(run.Id);
                    if (ids.Count == batch) break;
                }
            }
            deleted += await DeleteAsync(ids, ct);
        }
        return deleted;
    }

    /// <summary>Deletes the chosen ended instances with their journals, bookmarks and timers, in one transaction.</summary>
    private async Task<int> DeleteAsync(Func<FlowConnectorsDbContext, IQueryable<string>> choose, CancellationToken ct)
    {
        List<string> ids;
        await using (var db = await factory.CreateDbContextAsync(ct)) ids = await choose(db).ToListAsync(ct);
        return await DeleteAsync(ids, ct);
    }

    /// <summary>Deletes these ended instances with their journals, bookmarks and timers, in one transaction.</summary>
    private async Task<int> DeleteAsync(List<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return 0;
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.JournalEntries.Where(j => ids.Contains(j.InstanceId)).ExecuteDeleteAsync(ct);
        await db.Bookmarks.Where(b => ids.Contains(b.InstanceId)).ExecuteDeleteAsync(ct);
        await db.Timers.Where(t => t.InstanceId != null && ids.Contains(t.InstanceId)).ExecuteDeleteAsync(ct);
        // Checked again in the delete: an instance that is not ended (or not counted) stays whatever was read.
        var deleted = await db.Instances.Where(i => ids.Contains(i.Id) && Ended.Contains(i.Status) && (i.Status != Faulted || i.IncidentCounted))
            .ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
        return deleted;
    }

    /// <summary>Drops the journals of ended runs whose flow keeps less than the full journal.</summary>
    private async Task<int> ThinJournalsAsync(RetentionSettings settings, int batch, CancellationToken ct)
    {
        var ownJournal = settings.Flows.Where(f => f.Value.Journal is not null).Select(f => f.Key).ToList();
        var deleted = await ThinAsync(i => !ownJournal.Contains(i.FlowId), settings.Journal, batch, ct);
        foreach (var flowId in ownJournal)
            deleted += await ThinAsync(i => i.FlowId == flowId, settings.Flows[flowId].Journal!.Value, batch, ct);
        return deleted;
    }

    private async Task<int> ThinAsync(System.Linq.Expressions.Expression<Func<InstanceEntity, bool>> scope, JournalDetail detail, int batch, CancellationToken ct)
    {
        if (detail == JournalDetail.Full) return 0;
        var statuses = detail == JournalDetail.None ? Ended : [Finished, Cancelled];
        await using var db = await factory.CreateDbContextAsync(ct);
        var ids = await db.Instances.AsNoTracking().Where(scope)
            .Where(i => statuses.Contains(i.Status) && db.JournalEntries.Any(j => j.InstanceId == i.Id))
            .Take(batch).Select(i => i.Id).ToListAsync(ct);
        if (ids.Count == 0) return 0;
        return await db.JournalEntries.Where(j => ids.Contains(j.InstanceId)).ExecuteDeleteAsync(ct);
    }

    /// <summary>Processed, failed and expired stimuli go with finished runs; dead letters with faulted ones.</summary>
    private async Task<int> DeleteOldInboxAsync(RetentionSettings settings, DateTimeOffset now, int batch, CancellationToken ct)
    {
        var deleted = 0;
        await using var db = await factory.CreateDbContextAsync(ct);
        if (settings.FinishedDays > 0)
        {
            var before = now - TimeSpan.FromDays(settings.FinishedDays);
            var ids = await db.InboxMessages.AsNoTracking().Where(m => DoneInbox.Contains(m.Status) && m.ReceivedAt < before)
                .OrderBy(m => m.Id).Take(batch).Select(m => m.Id).ToListAsync(ct);
            if (ids.Count > 0) deleted += await db.InboxMessages.Where(m => ids.Contains(m.Id)).ExecuteDeleteAsync(ct);
        }
        if (settings.FaultedDays > 0)
        {
            var before = now - TimeSpan.FromDays(settings.FaultedDays);
            var ids = await db.InboxMessages.AsNoTracking().Where(m => m.Status == DeadLettered && m.ReceivedAt < before)
                .OrderBy(m => m.Id).Take(batch).Select(m => m.Id).ToListAsync(ct);
            if (ids.Count > 0) deleted += await db.InboxMessages.Where(m => ids.Contains(m.Id)).ExecuteDeleteAsync(ct);
        }
        return deleted;
    }

    public async Task<long> ReclaimSpaceAsync(int maxPages, CancellationToken ct = default)
    {
        if (!options.IsSqlite || maxPages <= 0) return 0;
        await using var db = await factory.CreateDbContextAsync(ct);
        var free = await SqliteSpace.FreePagesAsync(db, ct);
        if (free == 0) return 0;
        var pages = Math.Min(free, maxPages);
        // Through EF, so the statement queues on the write gate like any other write.
        var sql = "PRAGMA incremental_vacuum(" + pages.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";
        await db.Database.ExecuteSqlRawAsync(sql, ct);
        return free - await SqliteSpace.FreePagesAsync(db, ct);
    }

    public async Task<IncidentPage> ListIncidentsAsync(IncidentQuery query, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = db.Incidents.AsNoTracking();
        if (query.FlowId is { } flowId) rows = rows.Where(i => i.FlowId == flowId);
        if (query.NodeId is { } nodeId) rows = rows.Where(i => i.NodeId == nodeId);
        if (query.Since is { } since) rows = rows.Where(i => i.LastAt >= since);
        if (query.Search is { Length: > 0 } search) rows = rows.Where(i => i.Message.Contains(search));
        var total = await rows.CountAsync(ct);
        var page = await rows.OrderByDescending(i => i.LastAt).ThenBy(i => i.Id)
            .Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 0, 1000))
            .ToListAsync(ct);
        return new IncidentPage(page.Select(ToIncident).ToList(), total);
    }

    public async Task<Incident?> GetIncidentAsync(string id, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, ct);
        return row is null ? null : ToIncident(row);
    }

    private static Incident ToIncident(IncidentEntity i) =>
        new(i.Id, i.FlowId, i.NodeId.Length == 0 ? null : i.NodeId, i.ActivityType, i.Message, i.Count, i.FirstAt, i.LastAt, i.LastInstanceId);

    public async Task<RuntimeGauges> ReadGaugesAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var pending = await db.InboxMessages.LongCountAsync(m => m.Status == PendingInbox, ct);
        var waiting = await db.InboxMessages.LongCountAsync(m => m.Status == WaitingInbox, ct);
        var oldestDue = await db.Timers.AsNoTracking().Where(t => t.DueAt <= now).OrderBy(t => t.DueAt).Select(t => (DateTimeOffset?)t.DueAt).FirstOrDefaultAsync(ct);
        var running = await db.Instances.LongCountAsync(i => i.Status == Running, ct);
        var suspended = await db.Instances.LongCountAsync(i => i.Status == Suspended, ct);
        return new RuntimeGauges(pending, waiting, oldestDue is { } due ? now - due : TimeSpan.Zero, running, suspended);
    }
}
