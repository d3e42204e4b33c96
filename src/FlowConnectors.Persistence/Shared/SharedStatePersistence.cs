using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlowConnectors.Persistence.Shared;

/// <summary>Registers the shared-state context, its stores and the change feed (called by AddFlowPersistence).</summary>
internal static class SharedStatePersistence
{
    public static void Add(IServiceCollection services, PersistenceOptions options)
    {
        if (options.IsSqlite)
        {
            services.AddPooledDbContextFactory<SqliteSharedStateContext>(b => Configure(b, options));
            services.AddSingleton<IDbContextFactory<SharedStateContext>>(sp =>
                new BaseFactory<SqliteSharedStateContext>(sp.GetRequiredService<IDbContextFactory<SqliteSharedStateContext>>()));
            services.AddSingleton<IClusterChanges, LocalClusterChanges>();
        }
        else
        {
            services.AddPooledDbContextFactory<PostgresSharedStateContext>(b => Configure(b, options));
            services.AddSingleton<IDbContextFactory<SharedStateContext>>(sp =>
                new BaseFactory<PostgresSharedStateContext>(sp.GetRequiredService<IDbContextFactory<PostgresSharedStateContext>>()));
            services.AddSingleton<PostgresClusterChanges>();
            services.AddSingleton<IClusterChanges>(sp => sp.GetRequiredService<PostgresClusterChanges>());
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<PostgresClusterChanges>());
        }
        // Data Protection's EF repository takes a context per scope.
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<SharedStateContext>>().CreateDbContext());
        services.AddSingleton<IInstalledConnectorStore, EfInstalledConnectorStore>();
        services.AddSingleton<IOneTimeStates, EfOneTimeStates>();
        services.AddSingleton<IClusterSecrets, EfClusterSecrets>();
        services.AddSingleton<FlowConnectors.Catalog.ICatalogStore, EfCatalogStore>();
    }

    internal static DbContextOptionsBuilder<T> Configure<T>(DbContextOptionsBuilder<T> builder, PersistenceOptions options) where T : DbContext
    {
        Configure((DbContextOptionsBuilder)builder, options);
        return builder;
    }

    internal static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, PersistenceOptions options)
    {
        if (options.IsSqlite)
            builder.UseSqlite(options.ConnectionString, o => o.MigrationsHistoryTable(SharedStateContext.HistoryTable))
                .AddInterceptors(PersistenceServices.SqlitePragmasInterceptor).AddInterceptors(options.WriteGate.Interceptors);
        else
            builder.UseNpgsql(options.ConnectionString, o => o.MigrationsHistoryTable(SharedStateContext.HistoryTable));
        return PersistenceServices.CommonEvents(builder);
    }

    private sealed class BaseFactory<T>(IDbContextFactory<T> inner) : IDbContextFactory<SharedStateContext>
        where T : SharedStateContext
    {
        public SharedStateContext CreateDbContext() => inner.CreateDbContext();
        public async Task<SharedStateContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await inner.CreateDbContextAsync(cancellationToken);
    }
}

public static class SharedKeyRingExtensions
{
    /// <summary>
    /// Keeps the data-protection key ring in the database (table DataProtectionKeys), so every node sharing it
    /// decrypts what another encrypted. Call after AddFlowPersistence.
    /// </summary>
    public static IDataProtectionBuilder PersistKeysToFlowDatabase(this IDataProtectionBuilder builder) =>
        builder.PersistKeysToDbContext<SharedStateContext>();
}

// Used only by `dotnet ef migrations add` (see Migrations/README.md); the connection strings are never opened.

internal sealed class SqliteSharedStateDesignTimeFactory : IDesignTimeDbContextFactory<SqliteSharedStateContext>
{
    public SqliteSharedStateContext CreateDbContext(string[] args) =>
        new(SharedStatePersistence.Configure(new DbContextOptionsBuilder<SqliteSharedStateContext>(), PersistenceOptions.Sqlite("design-time.db")).Options);
}

internal sealed class PostgresSharedStateDesignTimeFactory : IDesignTimeDbContextFactory<PostgresSharedStateContext>
{
    public PostgresSharedStateContext CreateDbContext(string[] args) =>
        new(SharedStatePersistence.Configure(new DbContextOptionsBuilder<PostgresSharedStateContext>(),
            PersistenceOptions.Postgres("Host=127.0.0.1;Port=5432;Database=flowconnectors;Username=postgres")).Options);
}
