using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Identity;

/// <summary>
/// ASP.NET Core Identity's tables (users, roles, claims, logins, tokens) plus per-user API keys, the audit log and
/// catalog submitters, connection owners and shares. A context of its own, with its own migrations and history table, in the same database as
/// the runtime's: identity changes and runtime changes never touch each other's model snapshot.
/// </summary>
internal abstract class IdentityDataContext(DbContextOptions options) : IdentityDbContext<FlowUser>(options)
{
    public const string HistoryTable = "__IdentityMigrationsHistory";

    public DbSet<AccessKeyEntity> AccessKeys => Set<AccessKeyEntity>();
    public DbSet<AuditEntryEntity> AuditEntries => Set<AuditEntryEntity>();
    public DbSet<CatalogSubmitterEntity> CatalogSubmitters => Set<CatalogSubmitterEntity>();
    public DbSet<LegacyApiKeyRow> LegacyApiKeys => Set<LegacyApiKeyRow>();
    public DbSet<ConnectionOwnerEntity> ConnectionOwners => Set<ConnectionOwnerEntity>();
    public DbSet<ConnectionShareEntity> ConnectionShares => Set<ConnectionShareEntity>();
    public DbSet<FlowPublisherEntity> FlowPublishers => Set<FlowPublisherEntity>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        base.OnModelCreating(model);
        model.Entity<AccessKeyEntity>(e =>
        {
            e.ToTable("AccessKeys");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.KeyHash).IsUnique();
            e.HasIndex(x => x.UserId);
            e.HasOne<FlowUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<AuditEntryEntity>(e =>
        {
            e.ToTable("AuditEntries");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.At);
            e.HasIndex(x => new { x.UserId, x.At });
        });
        model.Entity<CatalogSubmitterEntity>(e =>
        {
            e.ToTable("CatalogSubmitters");
            e.HasKey(x => new { x.ConnectorKey, x.Version });
        });
        // Who owns a connection and whom it is shared with. No foreign key to the runtime's Connections table: that table
        // belongs to the other context's migrations; a deleted connection's rows are removed with it (ConnectionAccess).
        model.Entity<ConnectionOwnerEntity>(e =>
        {
            e.ToTable("ConnectionOwners");
            e.HasKey(x => x.ConnectionId);
            e.HasIndex(x => x.OwnerId);
        });
        model.Entity<ConnectionShareEntity>(e =>
        {
            e.ToTable("ConnectionShares");
            e.HasKey(x => new { x.ConnectionId, x.Kind, x.Principal });
        });
        // Who published (or switched on) each flow last; no foreign key to the runtime's Flows table, as above.
        model.Entity<FlowPublisherEntity>(e =>
        {
            e.ToTable("FlowPublishers");
            e.HasKey(x => x.FlowId);
        });
        model.Entity<LegacyApiKeyRow>(e =>
        {
            e.ToTable("ApiKeys", t => t.ExcludeFromMigrations());
            e.HasKey(x => x.Id);
        });
    }
}

/// <summary>SQLite: <see cref="DateTimeOffset"/> as UTC ticks, as the runtime's context stores it, so times order in SQL.</summary>
internal sealed class SqliteIdentityContext : IdentityDataContext
{
    public SqliteIdentityContext(DbContextOptions<SqliteIdentityContext> options) : base(options)
    {
        // Every SaveChanges in a transaction, so it queues on the write gate (SqliteWriteGate) with the runtime's writes.
        Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration) => Data.ProviderConventions.Sqlite(configuration);
}

/// <summary>PostgreSQL: <see cref="DateTimeOffset"/> normalized to UTC (Npgsql accepts offset zero only).</summary>
internal sealed class PostgresIdentityContext(DbContextOptions<PostgresIdentityContext> options) : IdentityDataContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configuration) => Data.ProviderConventions.Postgres(configuration);
}
