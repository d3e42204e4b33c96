using System.Text.Json;
using FlowConnectors.Connectors.Budgets;
using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

/// <summary>
/// Rate-limit budgets in the database, shared by every node: each take reads the budget's row, applies
/// <see cref="BudgetWindow"/>, and writes it back only if nobody changed it meanwhile (optimistic concurrency
/// on the row's revision); a conflict reads again. So two nodes can never both take the window's last slot.
/// </summary>
internal sealed class EfRateBudgetStore(IDbContextFactory<FlowConnectorsDbContext> factory) : IRateBudgetStore
{
    private const int Attempts = 50;

    public Task<BudgetDecision> TryTakeAsync(string key, RateLimit limit, BudgetLane lane, DateTimeOffset now, CancellationToken ct = default) =>
        UpdateAsync(key, window => window.Decide(limit, lane, now, take: true), ct);

    public async Task<DateTimeOffset> PeekAsync(string key, RateLimit limit, BudgetLane lane, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.RateBudgets.AsNoTracking().FirstOrDefaultAsync(b => b.Key == key, ct);
        return (row is null ? new BudgetWindow() : Read(row)).Decide(limit, lane, now, take: false).RetryAt;
    }

    public async Task PauseAsync(string key, DateTimeOffset until, CancellationToken ct = default)
    {
        // One statement, no read first: the pause holds from its commit on, and a take that read the row before
        // fails its revision check and decides again with the pause.
        await using (var db = await factory.CreateDbContextAsync(ct))
            if (await db.RateBudgets.Where(b => b.Key == key && (b.PausedUntil == null || b.PausedUntil < until))
                    .ExecuteUpdateAsync(u => u.SetProperty(b => b.PausedUntil, until).SetProperty(b => b.Revision, b => b.Revision + 1), ct) > 0)
                return;
        // No row yet (or a later pause already): the read-modify-write path creates it.
        await UpdateAsync(key, window =>
        {
            if (window.PausedUntil is not { } paused || paused < until) window.PausedUntil = until;
            return true;
        }, ct);
    }

    private async Task<T> UpdateAsync<T>(string key, Func<BudgetWindow, T> change, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            var row = await db.RateBudgets.FirstOrDefaultAsync(b => b.Key == key, ct);
            var window = row is null ? new BudgetWindow() : Read(row);
            var result = change(window);
            if (row is null) db.RateBudgets.Add(row = new RateBudgetEntity { Key = key, GrantsJson = "[]" });
            row.GrantsJson = JsonSerializer.Serialize(window.Grants);
            row.PausedUntil = window.PausedUntil;
            row.WaitingJson = window.Waiting.Count == 0 ? null : JsonSerializer.Serialize(window.Waiting);
            row.Revision++;
            try
            {
                await db.SaveChangesAsync(ct);
                return result;
            }
            catch (DbUpdateException) when (attempt < Attempts)
            {
                // Another node (or run) changed the budget first: decide again on what it wrote.
                await Task.Delay(Random.Shared.Next(1, 5 + attempt), ct);
            }
        }
    }

    private static BudgetWindow Read(RateBudgetEntity row)
    {
        var window = new BudgetWindow
        {
            Grants = JsonSerializer.Deserialize<List<long>>(row.GrantsJson) ?? [],
            PausedUntil = row.PausedUntil,
        };
        if (row.WaitingJson is { } waiting)
            foreach (var (lane, until) in JsonSerializer.Deserialize<Dictionary<string, long>>(waiting) ?? []) window.Waiting[lane] = until;
        return window;
    }
}
