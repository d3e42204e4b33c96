using FlowConnectors.Persistence.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Persistence;

/// <summary>Whether this node can serve: the database answers, every migration is applied, and on PostgreSQL it hears other nodes' changes.</summary>
public static class PersistenceHealth
{
    /// <returns>null when ready, else what is wrong (no connection string or password in it).</returns>
    public static async Task<string?> ProblemAsync(IServiceProvider services, CancellationToken ct = default)
    {
        try
        {
            var runtime = services.GetRequiredService<IDbContextFactory<Data.FlowConnectorsDbContext>>();
            await using (var db = await runtime.CreateDbContextAsync(ct))
            {
                if (!await db.Database.CanConnectAsync(ct)) return "the database does not answer";
                if ((await db.Database.GetPendingMigrationsAsync(ct)).Any()) return "the runtime's migrations are not all applied";
            }
            await using (var db = await services.GetRequiredService<IDbContextFactory<SharedStateContext>>().CreateDbContextAsync(ct))
                if ((await db.Database.GetPendingMigrationsAsync(ct)).Any()) return "the shared-state migrations are not all applied";
            if (services.GetService<IDbContextFactory<Identity.IdentityDataContext>>() is { } identity)
            {
                await using var db = await identity.CreateDbContextAsync(ct);
                if ((await db.Database.GetPendingMigrationsAsync(ct)).Any()) return "the identity migrations are not all applied";
            }
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return "the database does not answer";
        }
        if (services.GetService<PostgresClusterChanges>() is { Listening: false }) return "not yet listening for other nodes' changes";
        return null;
    }
}
