using FlowConnectors.Persistence.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlowConnectors.Persistence;

public static class PersistenceInitializer
{
    /// <summary>
    /// Creates the schema on an empty database or applies the migrations it lacks; safe to call on
    /// every start. The identity tables too, when AddFlowIdentityStores registered them. For SQLite the database file's folder is created when missing.
    /// </summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var options = services.GetRequiredService<PersistenceOptions>();
        if (options.IsSqlite)
        {
            var path = new SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
            if (!string.IsNullOrEmpty(path) && path != ":memory:" && !path.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
                && Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } directory)
                Directory.CreateDirectory(directory);
        }
        var factory = services.GetRequiredService<IDbContextFactory<FlowConnectorsDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (options.IsSqlite)
        {
            // One lock table for the file, which the three contexts below share: a row left by a process killed while migrating
            // would hold every later start (SqliteMigrationLock). Checked once, before the first Migrate takes the lock itself.
            var logger = services.GetService<ILoggerFactory>()?.CreateLogger("FlowConnectors.Persistence.Migrations") ?? NullLogger.Instance;
            await SqliteMigrationLock.ReleaseIfStaleAsync(db, logger, cancellationToken);
            // Before the first table exists (or, for an older file, rewritten once): pruned runs give their space back.
            await Retention.SqliteSpace.EnsureIncrementalAsync(db, cancellationToken);
        }
        await db.Database.MigrateAsync(cancellationToken);
        // The state every node shares (installed connectors, key ring, sign-in states) has migrations of its own.
        await using (var shared = await services.GetRequiredService<IDbContextFactory<Shared.SharedStateContext>>().CreateDbContextAsync(cancellationToken))
            await shared.Database.MigrateAsync(cancellationToken);
        // Identity's tables live in the same database with migrations of their own (AddFlowIdentityStores).
        if (services.GetService<IDbContextFactory<Identity.IdentityDataContext>>() is { } identity)
        {
            await using var identityDb = await identity.CreateDbContextAsync(cancellationToken);
            await identityDb.Database.MigrateAsync(cancellationToken);
        }
    }
}
