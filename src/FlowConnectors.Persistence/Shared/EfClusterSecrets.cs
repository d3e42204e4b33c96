using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Shared;

internal sealed class EfClusterSecrets(IDbContextFactory<SharedStateContext> factory) : IClusterSecrets
{
    public async Task<string> GetOrAddAsync(string name, Func<string> create, CancellationToken ct = default)
    {
        await using (var db = await factory.CreateDbContextAsync(ct))
            if (await db.ClusterSecrets.AsNoTracking().Where(s => s.Name == name).Select(s => s.Value).FirstOrDefaultAsync(ct) is { } existing)
                return existing;
        try
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            var value = create();
            db.ClusterSecrets.Add(new ClusterSecretEntity { Name = name, Value = value });
            await db.SaveChangesAsync(ct);
            return value;
        }
        catch (DbUpdateException)
        {
            // Two nodes starting together: the first insert wins and both use it.
            await using var db = await factory.CreateDbContextAsync(ct);
            return await db.ClusterSecrets.AsNoTracking().Where(s => s.Name == name).Select(s => s.Value).FirstAsync(ct);
        }
    }
}
