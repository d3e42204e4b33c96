using System.Text.Json;
using FlowConnectors.Connectors.Budgets;
using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

/// <summary>
/// Rate-limit budgets in the database, shared by every node. Every change to a budget (a take, a pause) runs
/// in one transaction holding the budget's row lock (<c>SELECT … FOR UPDATE</c> on PostgreSQL; SQLite's single
/// writer, <c>BEGIN IMMEDIATE</c>), so takes and pauses of all nodes happen in one order: a take decides on
/// every pause and answer committed before it, and two nodes can never both take the window's last slot.
/// The time a take decides at is read while the lock is held, so a take that queued for the lock is recorded
/// when it was granted, not when it began to wait (a back-dated grant would let the next one in too early).
/// Pauses go through the same statements as takes, so the first 429 of a process is recorded as quickly as a
/// take, not behind the compilation of a query no take had used yet.
/// </summary>
internal sealed class EfRateBudgetStore(IDbContextFactory<FlowConnectorsDbContext> factory, PersistenceOptions options) : IRateBudgetStore
{
    public Task<BudgetDecision> TryTakeAsync(string key, RateLimit limit, BudgetLane lane, TimeProvider clock, string grantId, CancellationToken ct = default) =>
        UpdateAsync(key, window => window.Decide(limit, lane, clock.GetUtcNow(), take: true, grantId), ct);

    public Task CompleteAsync(string key, string grantId, TimeProvider clock, CancellationToken ct = default) =>
        UpdateAsync(key, window =>
        {
            window.Complete(grantId, clock.GetUtcNow());
            return true;
        }, ct);

    public async Task<DateTimeOffset> PeekAsync(string key, RateLimit limit, BudgetLane lane, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.RateBudgets.AsNoTracking().FirstOrDefaultAsync(b => b.Key == key, ct);
        return (row is null ? new BudgetWindow() : Read(row)).Decide(limit, lane, now, take: false).RetryAt;
    }

    public Task PauseAsync(string key, DateTimeOffset until, CancellationToken ct = default) =>
        UpdateAsync(key, window =>
        {
            if (window.PausedUntil is not { } paused || paused < until) window.PausedUntil = until;
            return true;
        }, ct);

    /// <summary>Reads the budget under its lock, applies <paramref name="change"/> and writes it back, in one transaction.</summary>
    private async Task<T> UpdateAsync<T>(string key, Func<BudgetWindow, T> change, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        // SQLite: BEGIN IMMEDIATE, behind the process's write gate. PostgreSQL: the row lock below.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Locking first (not inserting first) puts a take or a pause in the row lock's queue at once, in the order they came.
        var row = await LockAsync(db, key, ct);
        if (row is null)
        {
            // Two nodes creating a budget at once: one inserts, both then queue on the one row's lock.
            await db.Database.ExecuteSqlAsync($"""INSERT INTO "RateBudgets" ("Key", "GrantsJson", "Revision") VALUES ({key}, '[]', 0) ON CONFLICT ("Key") DO NOTHING""", ct);
            row = await LockAsync(db, key, ct) ?? throw new InvalidOperationException($"rate budget '{key}' was not created");
        }
        // A budget is timing state: losing its last moments when PostgreSQL crashes costs little, while waiting for
        // the disk at every take would hold the lock (and every pause behind it) for a flush.
        if (!options.IsSqlite) await db.Database.ExecuteSqlRawAsync("SET LOCAL synchronous_commit = off", ct);
        var window = Read(row);
        var result = change(window);
        row.GrantsJson = window.SerializeGrants();
        row.PausedUntil = window.PausedUntil;
        row.WaitingJson = window.Waiting.Count == 0 ? null : JsonSerializer.Serialize(window.Waiting);
        row.Revision++;
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return result;
    }

    private async Task<RateBudgetEntity?> LockAsync(FlowConnectorsDbContext db, string key, CancellationToken ct) =>
        (options.IsSqlite
            ? await db.RateBudgets.FromSql($"""SELECT * FROM "RateBudgets" WHERE "Key" = {key}""").ToListAsync(ct)
            : await db.RateBudgets.FromSql($"""SELECT * FROM "RateBudgets" WHERE "Key" = {key} FOR UPDATE""").ToListAsync(ct))
        .SingleOrDefault();

    private static BudgetWindow Read(RateBudgetEntity row)
    {
        var (grants, lastDone) = BudgetWindow.DeserializeGrants(row.GrantsJson);
        var window = new BudgetWindow { Grants = grants, LastDone = lastDone, PausedUntil = row.PausedUntil };
        if (row.WaitingJson is { } waiting)
            foreach (var (lane, until) in JsonSerializer.Deserialize<Dictionary<string, long>>(waiting) ?? []) window.Waiting[lane] = until;
        return window;
    }
}
