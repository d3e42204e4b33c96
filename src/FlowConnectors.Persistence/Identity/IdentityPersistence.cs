using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Persistence.Identity;

public static class IdentityPersistenceExtensions
{
    /// <summary>
    /// Stores ASP.NET Core Identity's users and roles in the database <c>AddFlowPersistence</c> configured (call that
    /// first), and registers <see cref="IAccessKeyStore"/>, <see cref="IAuditLog"/>, <see cref="ICatalogSubmitterStore"/> and <see cref="IConnectionAccessStore"/>.
    /// <see cref="PersistenceInitializer.MigrateAsync"/> then applies the identity migrations too.
    /// </summary>
    public static IdentityBuilder AddFlowIdentityStores(this IdentityBuilder builder)
    {
        var services = builder.Services;
        var options = services.LastOrDefault(d => d.ServiceType == typeof(PersistenceOptions))?.ImplementationInstance as PersistenceOptions
            ?? throw new InvalidOperationException("call AddFlowPersistence before AddFlowIdentityStores");
        if (options.IsSqlite)
        {
            services.AddPooledDbContextFactory<SqliteIdentityContext>(b => IdentityDatabase.Configure(b, options));
            services.AddSingleton<IDbContextFactory<IdentityDataContext>>(sp =>
                new BaseFactory<SqliteIdentityContext>(sp.GetRequiredService<IDbContextFactory<SqliteIdentityContext>>()));
        }
        else
        {
            services.AddPooledDbContextFactory<PostgresIdentityContext>(b => IdentityDatabase.Configure(b, options));
            services.AddSingleton<IDbContextFactory<IdentityDataContext>>(sp =>
                new BaseFactory<PostgresIdentityContext>(sp.GetRequiredService<IDbContextFactory<PostgresIdentityContext>>()));
        }
        // Identity's stores take a context per scope (request); it goes back to the pool with the scope.
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<IdentityDataContext>>().CreateDbContext());
        services.AddSingleton<IAccessKeyStore, EfAccessKeyStore>();
        services.AddSingleton<IAuditLog, EfAuditLog>();
        services.AddSingleton<ICatalogSubmitterStore, EfCatalogSubmitterStore>();
        services.AddSingleton<IConnectionAccessStore, EfConnectionAccessStore>();
        return builder.AddEntityFrameworkStores<IdentityDataContext>();
    }

    private sealed class BaseFactory<T>(IDbContextFactory<T> inner) : IDbContextFactory<IdentityDataContext>
        where T : IdentityDataContext
    {
        public IdentityDataContext CreateDbContext() => inner.CreateDbContext();
        public async Task<IdentityDataContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await inner.CreateDbContextAsync(cancellationToken);
    }
}

internal static class IdentityDatabase
{
    internal static DbContextOptionsBuilder<T> Configure<T>(DbContextOptionsBuilder<T> builder, PersistenceOptions options) where T : DbContext
    {
        Configure((DbContextOptionsBuilder)builder, options);
        return builder;
    }

    internal static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, PersistenceOptions options)
    {
        if (options.IsSqlite)
            builder.UseSqlite(options.ConnectionString, o => o.MigrationsHistoryTable(IdentityDataContext.HistoryTable))
                .AddInterceptors(PersistenceServices.SqlitePragmasInterceptor).AddInterceptors(options.WriteGate.Interceptors);
        else
            builder.UseNpgsql(options.ConnectionString, o => o.MigrationsHistoryTable(IdentityDataContext.HistoryTable));
        return PersistenceServices.CommonEvents(builder);
    }
}
