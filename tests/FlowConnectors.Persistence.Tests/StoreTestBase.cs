using FlowConnectors.Persistence.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Persistence.Tests;

/// <summary>
/// Every store test class derives from this with a database type parameter and has one concrete
/// subclass per provider, so the same tests run on SQLite and on PostgreSQL.
/// </summary>
public abstract class StoreTestBase<TDatabase> : IAsyncLifetime where TDatabase : ITestDatabase, new()
{
    protected TDatabase Database { get; } = new();
    protected ServiceProvider Services { get; private set; } = null!;
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// True for a test of the migrations themselves: its database starts empty and InitializeAsync migrates it. Otherwise
    /// the database is a copy of one migrated once per process, and InitializeAsync's migration finds nothing to do:
    /// this project's tests took 14 % less CPU (.NET and PostgreSQL together; bench/RESULTS.md, "fifteenth pass").
    /// </summary>
    protected virtual bool StartsEmpty => false;

    public async Task InitializeAsync()
    {
        if (StartsEmpty) await Database.CreateAsync();
        else await Database.CreateMigratedAsync();
        Services = BuildServices(Database.Options, new EphemeralDataProtectionProvider());
        await PersistenceInitializer.MigrateAsync(Services);
    }

    public async Task DisposeAsync()
    {
        if (Services is not null) await Services.DisposeAsync();
        await Database.DisposeAsync();
    }

    internal static ServiceProvider BuildServices(PersistenceOptions options, IDataProtectionProvider protection)
    {
        var services = new ServiceCollection();
        services.AddSingleton(protection);
        services.AddFlowPersistence(options);
        return services.BuildServiceProvider(validateScopes: true);
    }

    protected T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    internal FlowConnectorsDbContext OpenDb() => Get<IDbContextFactory<FlowConnectorsDbContext>>().CreateDbContext();
}
