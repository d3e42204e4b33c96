using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Shared;

/// <summary>
/// What every node of a cluster needs and no node may keep to itself: installed connectors, the data-protection key
/// ring (used on PostgreSQL), one-time sign-in states, cluster-wide secrets and the connector catalog. A context of its own, with its own
/// migrations and history table, in the same database as the runtime's: these tables and the runtime's never share a
/// model snapshot.
/// </summary>
internal abstract class SharedStateContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    public const string HistoryTable = "__SharedStateMigrationsHistory";

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<InstalledConnectorEntity> InstalledConnectors => Set<InstalledConnectorEntity>();
    public DbSet<OneTimeStateEntity> OneTimeStates => Set<OneTimeStateEntity>();
    public DbSet<ClusterSecretEntity> ClusterSecrets => Set<ClusterSecretEntity>();
    public DbSet<CatalogConnectorEntity> CatalogConnectors => Set<CatalogConnectorEntity>();
    public DbSet<CatalogVersionEntity> CatalogVersions => Set<CatalogVersionEntity>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<DataProtectionKey>(e => e.ToTable("DataProtectionKeys"));
        model.Entity<InstalledConnectorEntity>(e =>
        {
            e.ToTable("InstalledConnectors");
            e.HasKey(x => new { x.Key, x.Version });
            e.Property(x => x.Key).HasMaxLength(200);
            e.Property(x => x.Version).HasMaxLength(100);
            e.Property(x => x.Digest).HasMaxLength(80);
        });
        model.Entity<OneTimeStateEntity>(e =>
        {
            e.ToTable("OneTimeStates");
            e.HasKey(x => new { x.Purpose, x.Id });
            e.Property(x => x.Purpose).HasMaxLength(40);
            e.Property(x => x.Id).HasMaxLength(100);
            e.HasIndex(x => x.ExpiresAt);
        });
        model.Entity<ClusterSecretEntity>(e =>
        {
            e.ToTable("ClusterSecrets");
            e.HasKey(x => x.Name);
            e.Property(x => x.Name).HasMaxLength(100);
        });
        model.Entity<CatalogConnectorEntity>(e =>
        {
            e.ToTable("CatalogConnectors");
            e.HasKey(x => x.Key);
            e.Property(x => x.Key).HasMaxLength(200);
        });
        model.Entity<CatalogVersionEntity>(e =>
        {
            e.ToTable("CatalogVersions");
            e.HasKey(x => new { x.Key, x.Version });
            e.Property(x => x.Key).HasMaxLength(200);
            e.Property(x => x.Version).HasMaxLength(100);
            e.Property(x => x.Digest).HasMaxLength(80);
            e.Property(x => x.Status).HasMaxLength(20);
            e.HasOne<CatalogConnectorEntity>().WithMany().HasForeignKey(x => x.Key).OnDelete(DeleteBehavior.Cascade);
        });
    }
}

/// <summary>SQLite: <see cref="DateTimeOffset"/> as UTC ticks, as the runtime's context stores it, so times compare in SQL.</summary>
internal sealed class SqliteSharedStateContext : SharedStateContext
{
    public SqliteSharedStateContext(DbContextOptions<SqliteSharedStateContext> options) : base(options)
    {
        // Every SaveChanges in a transaction, so it queues on the write gate (SqliteWriteGate) with the runtime's writes.
        Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration) => Data.ProviderConventions.Sqlite(configuration);
}

/// <summary>PostgreSQL: <see cref="DateTimeOffset"/> normalized to UTC (Npgsql accepts offset zero only).</summary>
internal sealed class PostgresSharedStateContext(DbContextOptions<PostgresSharedStateContext> options) : SharedStateContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configuration) => Data.ProviderConventions.Postgres(configuration);
}
