using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Shared;

internal sealed class EfOneTimeStates(IDbContextFactory<SharedStateContext> factory, TimeProvider? clock = null) : IOneTimeStates
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task AddAsync(string purpose, string tokenHash, string subject, DateTimeOffset expiresAt, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        // States nobody completed are forgotten when they expire.
        var now = _clock.GetUtcNow();
        await db.OneTimeStates.Where(s => s.ExpiresAt < now).ExecuteDeleteAsync(ct);
        db.OneTimeStates.Add(new OneTimeStateEntity { Purpose = purpose, Id = tokenHash, Subject = subject, ExpiresAt = expiresAt });
        await db.SaveChangesAsync(ct);
    }

    public async Task<string?> TakeAsync(string purpose, string tokenHash, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var state = await db.OneTimeStates.AsNoTracking().FirstOrDefaultAsync(s => s.Purpose == purpose && s.Id == tokenHash, ct);
        if (state is null) return null;
        // Only the request whose delete removed the row has it: two nodes given the same state cannot both use it.
        var removed = await db.OneTimeStates.Where(s => s.Purpose == purpose && s.Id == tokenHash).ExecuteDeleteAsync(ct);
        return removed == 1 && state.ExpiresAt > _clock.GetUtcNow() ? state.Subject : null;
    }
}
