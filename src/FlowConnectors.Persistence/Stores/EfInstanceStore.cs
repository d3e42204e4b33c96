using FlowConnectors.Engine;
using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

internal sealed class EfInstanceStore(IDbContextFactory<FlowConnectorsDbContext> factory, TimeProvider? clock = null) : IInstanceStore
{
    private const int MaxPage = 1000;
    private static readonly string Running = FlowStatus.Running.ToString();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    // Group commit: instances created at the same time are written in one transaction.
    private sealed record PendingCreate(Action<FlowConnectorsDbContext> Add, TaskCompletionSource Done);
    private readonly Lock _pendingLock = new();
    private List<PendingCreate> _pending = [];
    private bool _flushing;

    /// <summary>
    /// Inserts the instance with its bookmarks and journal in one transaction. Calls that arrive
    /// while another is writing are queued and written together in the next transaction (group
    /// commit): SQLite has one writer at a time, so under load one commit for many instances is
    /// what keeps up. Each call returns only once its instance is committed; if a shared
    /// transaction fails, its instances are written again one by one, so one bad instance fails
    /// only its own call.
    /// </summary>
    public async Task CreateAsync(FlowInstanceState state, int flowVersion, IReadOnlyList<JournalEntry> journal, CancellationToken ct = default,
        string? leaseOwner = null, DateTimeOffset? leaseExpiresAt = null)
    {
        ct.ThrowIfCancellationRequested();
        var now = _clock.GetUtcNow();
        // Serialized once, on the caller's thread. The rows are built afresh for each attempt (a failed shared
        // transaction is retried one by one); the caller waits until the write, so state and journal hold still.
        var stateJson = state.ToJson();
        var pending = new PendingCreate(db =>
        {
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
            };
            Mirror(row, state, now, stateJson);
            row.Bookmarks.AddRange(BookmarkRows(state));
            db.Instances.Add(row);
            db.JournalEntries.AddRange(JournalRows(state.InstanceId, 0, journal));
        }, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        bool flush;
        lock (_pendingLock)
        {
            _pending.Add(pending);
            flush = !_flushing;
            _flushing = true;
        }
        if (flush) await FlushAsync();
        await pending.Done.Task;
    }

    /// <summary>Writes the queued creations in one transaction; whoever queued first while none was writing runs it.</summary>
    private async Task FlushAsync()
    {
        List<PendingCreate> batch;
        lock (_pendingLock)
        {
            batch = _pending;
            _pending = [];
        }
        await WriteAsync(batch);
        lock (_pendingLock)
        {
            if (_pending.Count == 0)
            {
                _flushing = false;
                return;
            }
        }
        // More arrived while this batch was written: the next batch is written off this caller's request.
        _ = Task.Run(FlushAsync);
    }

    private async Task WriteAsync(List<PendingCreate> batch)
    {
        try
        {
            await using var db = await factory.CreateDbContextAsync();
            foreach (var pending in batch) pending.Add(db);
            // One SaveChanges is one transaction: instances, bookmarks and journals together.
            await db.SaveChangesAsync();
            foreach (var pending in batch) pending.Done.TrySetResult();
        }
        catch (Exception) when (batch.Count > 1)
        {
            foreach (var pending in batch) await WriteAsync([pending]);
        }
        catch (Exception e)
        {
            batch[0].Done.TrySetException(e);
        }
    }

    public async Task SaveAsync(FlowInstanceState state, IReadOnlyList<JournalEntry> newJournalEntries, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var row = await db.Instances.FirstOrDefaultAsync(i => i.Id == state.InstanceId, ct)
                  ?? throw new InvalidOperationException($"instance '{state.InstanceId}' does not exist: create it first");
        Mirror(row, state, _clock.GetUtcNow());
        row.Revision++;
        // The instance's bookmarks are replaced by the state's: the set is always exactly what the state holds.
        await db.Bookmarks.Where(b => b.InstanceId == state.InstanceId).ExecuteDeleteAsync(ct);
        db.Bookmarks.AddRange(BookmarkRows(state));
        if (newJournalEntries.Count > 0)
        {
            var last = await db.JournalEntries.Where(j => j.InstanceId == state.InstanceId).MaxAsync(j => (int?)j.Sequence, ct) ?? 0;
            db.JournalEntries.AddRange(JournalRows(state.InstanceId, last, newJournalEntries));
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<StoredInstance?> GetAsync(string instanceId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.Instances.AsNoTracking()
            .Where(i => i.Id == instanceId)
            .Select(i => new { i.StateJson, i.FlowVersion, i.LeaseOwner, i.LeaseExpiresAt })
            .FirstOrDefaultAsync(ct);
        return row is null ? null : new StoredInstance(FlowInstanceState.FromJson(row.StateJson), row.FlowVersion, row.LeaseOwner, row.LeaseExpiresAt);
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

    public async Task<IReadOnlyList<JournalEntry>> GetJournalAsync(string instanceId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.JournalEntries.AsNoTracking().Where(j => j.InstanceId == instanceId).OrderBy(j => j.Sequence).ToListAsync(ct);
        return rows.Select(j => new JournalEntry
        {
            NodeId = j.NodeId,
            ActivityType = j.ActivityType,
            StartedAt = j.StartedAt,
            Duration = TimeSpan.FromMilliseconds(j.DurationMs),
            Inputs = StoreJson.ReadMap(j.InputsJson),
            Outputs = StoreJson.ReadMap(j.OutputsJson),
            Outcome = j.Outcome,
            Error = j.Error,
        }).ToList();
    }

    public async Task<IReadOnlyList<BookmarkMatch>> FindBookmarksAsync(string hash, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Bookmarks.AsNoTracking()
            .Where(b => b.Hash == hash)
            .OrderBy(b => b.CreatedAt).ThenBy(b => b.InstanceId).ThenBy(b => b.Id)
            .Select(b => new BookmarkMatch(b.InstanceId, b.Id, b.Name, b.NodeId))
            .ToListAsync(ct);
    }

    public async Task<bool> TryAcquireLeaseAsync(string instanceId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var expires = now + duration;
        // One conditional UPDATE: atomic across processes, whichever database serializes the writers.
        var taken = await db.Instances
            .Where(i => i.Id == instanceId && (i.LeaseOwner == null || i.LeaseExpiresAt == null || i.LeaseExpiresAt < now || i.LeaseOwner == owner))
            .ExecuteUpdateAsync(s => s
                .SetProperty(i => i.LeaseOwner, owner)
                .SetProperty(i => i.LeaseExpiresAt, expires), ct);
        return taken == 1;
    }

    public async Task ReleaseLeaseAsync(string instanceId, string owner, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.Instances
            .Where(i => i.Id == instanceId && i.LeaseOwner == owner)
            .ExecuteUpdateAsync(s => s
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

    private static void Mirror(InstanceEntity row, FlowInstanceState state, DateTimeOffset now, string? stateJson = null)
    {
        if (row.FlowId != state.FlowId) throw new InvalidOperationException($"instance '{state.InstanceId}' belongs to flow '{row.FlowId}', not '{state.FlowId}'");
        row.StateJson = stateJson ?? state.ToJson();
        row.Status = state.Status.ToString();
        row.Fault = state.Fault?.ToString();
        row.CorrelationId = state.CorrelationId;
        row.UpdatedAt = state.UpdatedAt == default ? now : state.UpdatedAt;
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
                CreatedAt = b.CreatedAt,
            }).ToList();

    private static IEnumerable<JournalEntryEntity> JournalRows(string instanceId, int lastSequence, IReadOnlyList<JournalEntry> entries) =>
        entries.Select((e, index) => new JournalEntryEntity
        {
            InstanceId = instanceId,
            Sequence = lastSequence + index + 1,
            NodeId = e.NodeId,
            ActivityType = e.ActivityType,
            StartedAt = e.StartedAt,
            DurationMs = e.Duration.TotalMilliseconds,
            InputsJson = StoreJson.WriteMap(e.Inputs),
            OutputsJson = StoreJson.WriteMap(e.Outputs),
            Outcome = e.Outcome,
            Error = e.Error,
        }).ToList();
}
