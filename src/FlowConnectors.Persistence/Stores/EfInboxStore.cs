using System.Text;
using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

internal sealed class EfInboxStore(IDbContextFactory<FlowConnectorsDbContext> factory, TimeProvider? clock = null) : IInboxStore
{
    private static readonly string Pending = InboxStatus.Pending.ToString();
    private static readonly string Waiting = InboxStatus.Waiting.ToString();
    private static readonly string DeadLettered = InboxStatus.DeadLettered.ToString();
    private static readonly string Expired = InboxStatus.Expired.ToString();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    // Messages stored at the same time (callbacks and events arriving together) are written in one transaction.
    private readonly GroupCommit<InboxMessageEntity> _adds = new(batch => InstanceInserts.WriteInboxAsync(factory, batch));

    /// <summary>
    /// Stores the message with a prepared INSERT, group-committed with others that arrive meanwhile; returns once it is
    /// committed, so an endpoint that answers 2xx after it has the stimulus on disk.
    /// </summary>
    public async Task<long> AddAsync(InboxMessage message, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var row = Row(message, _clock.GetUtcNow());
        await _adds.SubmitAsync(row);
        return row.Id;
    }

    /// <summary>The row of a new message (also written by the instance store, in its own transaction, as an outbox row).</summary>
    internal static InboxMessageEntity Row(InboxMessage message, DateTimeOffset now) => new()
    {
        Kind = message.Kind,
        Hash = message.Hash,
        HeadersJson = message.Headers.ToJsonString(),
        Body = message.Body,
        PayloadJson = StoreJson.Write(message.Payload),
        ReceivedAt = message.ReceivedAt == default ? now : message.ReceivedAt,
        Status = message.Status.ToString(),
        Attempts = message.Attempts,
        Error = message.Error,
        InstanceId = message.InstanceId,
        ClaimedBy = message.ClaimedBy,
        ClaimedUntil = message.ClaimedUntil,
    };

    public async Task<InboxMessage?> GetAsync(long id, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.InboxMessages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        return row is null ? null : ToRecord(row);
    }

    public async Task<IReadOnlyList<InboxMessage>> ListPendingAsync(int max, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.InboxMessages.AsNoTracking().Where(m => m.Status == Pending).OrderBy(m => m.Id).Take(Math.Max(0, max)).ToListAsync(ct);
        return rows.Select(ToRecord).ToList();
    }

    public async Task<IReadOnlyList<InboxMessage>> ListWaitingAsync(string hash, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        // The status as an SQL literal: the index by hash holds waiting messages only, and a query with a parameter there does not use it.
        var rows = await db.InboxMessages.AsNoTracking().Where(m => m.Hash == hash && m.Status == EF.Constant(Waiting)).OrderBy(m => m.Id).ToListAsync(ct);
        return rows.Select(ToRecord).ToList();
    }

    public async Task UpdateAsync(long id, InboxStatus status, string? error, string? instanceId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var name = status.ToString();
        await db.InboxMessages.Where(m => m.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.Status, name)
            .SetProperty(m => m.Error, error)
            .SetProperty(m => m.InstanceId, m => instanceId ?? m.InstanceId)
            .SetProperty(m => m.Attempts, m => m.Attempts + 1)
            .SetProperty(m => m.ClaimedBy, (string?)null)
            .SetProperty(m => m.ClaimedUntil, (DateTimeOffset?)null), ct);
    }

    public async Task SetStatusAsync(long id, InboxStatus status, string? error, string? instanceId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var name = status.ToString();
        await db.InboxMessages.Where(m => m.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.Status, name)
            .SetProperty(m => m.Error, error)
            .SetProperty(m => m.InstanceId, m => instanceId ?? m.InstanceId)
            .SetProperty(m => m.ClaimedBy, (string?)null)
            .SetProperty(m => m.ClaimedUntil, (DateTimeOffset?)null), ct);
    }

    public async Task<IReadOnlyList<InboxMessage>> ListDeadLettersAsync(int skip, int take, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.InboxMessages.AsNoTracking().Where(m => m.Status == DeadLettered)
            .OrderByDescending(m => m.Id).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 0, 1000)).ToListAsync(ct);
        return rows.Select(ToRecord).ToList();
    }

    public async Task<int> ExpireWaitingAsync(string kind, DateTimeOffset receivedBefore, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.InboxMessages
            .Where(m => m.Status == Waiting && m.Kind == kind && m.ReceivedAt < receivedBefore)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, Expired)
                .SetProperty(m => m.Error, "nobody waited for this event within its retention time"), ct);
    }

    internal static InboxMessage ToRecord(InboxMessageEntity m) => new()
    {
        Id = m.Id,
        Kind = m.Kind,
        Hash = m.Hash,
        Headers = StoreJson.ReadObject(m.HeadersJson),
        Body = m.Body,
        Payload = StoreJson.Read(m.PayloadJson),
        ReceivedAt = m.ReceivedAt,
        Status = Enum.Parse<InboxStatus>(m.Status),
        Attempts = m.Attempts,
        Error = m.Error,
        InstanceId = m.InstanceId,
        ClaimedBy = m.ClaimedBy,
        ClaimedUntil = m.ClaimedUntil,
        Size = SizeOf(m),
    };

    /// <summary>A message's stored text in bytes (<see cref="InboxMessage.Size"/>); <see cref="SizeSql"/> is the same in SQL.</summary>
    internal static long SizeOf(InboxMessageEntity m) =>
        m.Body.LongLength + (m.PayloadJson is null ? 0 : Encoding.UTF8.GetByteCount(m.PayloadJson)) + Encoding.UTF8.GetByteCount(m.HeadersJson);

    /// <summary>
    /// <see cref="SizeOf"/> in SQL, on both databases (UTF-8 text): octet_length reads the length a row records, not the value,
    /// so sizing a large message costs no read of it (SQLite 3.43 and later, PostgreSQL without de-TOASTing).
    /// </summary>
    internal const string SizeSql = """coalesce(octet_length("Body"), 0) + coalesce(octet_length("PayloadJson"), 0) + coalesce(octet_length("HeadersJson"), 0)""";
}
