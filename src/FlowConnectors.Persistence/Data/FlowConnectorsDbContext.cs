using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Data;

/// <summary>
/// The schema shared by both providers. Each provider has its own subclass
/// (<see cref="SqliteDbContext"/>, <see cref="PostgresDbContext"/>) so each keeps its own
/// migrations and model snapshot; stores only ever see this base type.
/// </summary>
internal abstract class FlowConnectorsDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<FlowHeadEntity> Flows => Set<FlowHeadEntity>();
    public DbSet<FlowVersionEntity> FlowVersions => Set<FlowVersionEntity>();
    public DbSet<FlowDraftEntity> FlowDrafts => Set<FlowDraftEntity>();
    public DbSet<InstanceEntity> Instances => Set<InstanceEntity>();
    public DbSet<BookmarkEntity> Bookmarks => Set<BookmarkEntity>();
    public DbSet<JournalEntryEntity> JournalEntries => Set<JournalEntryEntity>();
    public DbSet<InboxMessageEntity> InboxMessages => Set<InboxMessageEntity>();
    public DbSet<TimerEntity> Timers => Set<TimerEntity>();
    public DbSet<TriggerEntity> Triggers => Set<TriggerEntity>();
    public DbSet<AutomationEntity> Automations => Set<AutomationEntity>();
    public DbSet<ApiKeyEntity> ApiKeys => Set<ApiKeyEntity>();
    public DbSet<ConnectionEntity> Connections => Set<ConnectionEntity>();
    public DbSet<CollectedUserEntity> CollectedUsers => Set<CollectedUserEntity>();
    public DbSet<CollectionRunEntity> CollectionRuns => Set<CollectionRunEntity>();
    public DbSet<CollectionSourceEntity> CollectionSources => Set<CollectionSourceEntity>();
    public DbSet<WebhookDeliveryEntity> WebhookDeliveries => Set<WebhookDeliveryEntity>();
    public DbSet<IncidentEntity> Incidents => Set<IncidentEntity>();
    public DbSet<RateBudgetEntity> RateBudgets => Set<RateBudgetEntity>();

    /// <summary>The filter of the partial index of uncounted faults (the same SQL on both providers).</summary>
    internal const string FaultedOnly = "\"Status\" = 'Faulted'";

    /// <summary>The filter of the partial index of waiting inbox messages by hash.</summary>
    internal const string WaitingOnly = "\"Status\" = 'Waiting'";

    /// <summary>The filter of the partial index by correlation id.</summary>
    internal const string HasCorrelationId = "\"CorrelationId\" IS NOT NULL";

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<FlowHeadEntity>(e =>
        {
            e.ToTable("Flows");
            e.HasKey(x => x.FlowId);
            e.Property(x => x.Active).HasDefaultValue(true);
        });

        model.Entity<FlowDraftEntity>(e =>
        {
            e.ToTable("FlowDrafts");
            e.HasKey(x => x.FlowId);
        });

        model.Entity<FlowVersionEntity>(e =>
        {
            e.ToTable("FlowVersions");
            e.HasKey(x => new { x.FlowId, x.Version });
            e.HasOne<FlowHeadEntity>().WithMany().HasForeignKey(x => x.FlowId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<InstanceEntity>(e =>
        {
            e.ToTable("Instances");
            e.HasKey(x => x.Id);
            e.Property(x => x.Revision).IsConcurrencyToken();
            // Most runs have no correlation id: the index holds the ones that do, so inserting or saving a run without one does not
            // write it. Its one reader (instances by correlation id, `CorrelationId = @p`) implies the filter on both providers.
            e.HasIndex(x => x.CorrelationId).HasFilter(HasCorrelationId);
            e.HasIndex(x => new { x.FlowId, x.CreatedAt });
            e.HasIndex(x => new { x.Status, x.CreatedAt });
            e.HasIndex(x => x.CreatedAt);
            // Retention prunes ended instances by when they ended.
            e.HasIndex(x => new { x.Status, x.UpdatedAt });
            // The incident scan finds faulted instances not yet counted. The index holds faulted rows only, so the status changes of
            // every other run (created, suspended, resumed, finished: most writes) do not write it. A query uses it only when it
            // names the status as the same constant (an SQL literal: EF.Constant in EfRetentionStore), not as a parameter.
            e.HasIndex(x => new { x.Status, x.IncidentCounted }).HasFilter(FaultedOnly);
            // "Retry all" selects faulted instances by flow, the node they faulted at and the time they faulted (UpdatedAt). Kept
            // whole: counts of instances by status and flow (retention's runs per flow) are read from it without the table.
            e.HasIndex(x => new { x.Status, x.FlowId, x.FaultNodeId, x.UpdatedAt });
            // Writers that do not name the column (raw inserts) leave it false.
            e.Property(x => x.IncidentCounted).HasDefaultValue(false);
            e.HasMany(x => x.Bookmarks).WithOne().HasForeignKey(b => b.InstanceId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<BookmarkEntity>(e =>
        {
            e.ToTable("Bookmarks");
            e.HasKey(x => new { x.InstanceId, x.Id });
            // The O(1) lookup: a stimulus computes the hash once and finds every waiting bookmark.
            e.HasIndex(x => x.Hash);
        });

        model.Entity<JournalEntryEntity>(e =>
        {
            e.ToTable("JournalEntries");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.InstanceId, x.Sequence }).IsUnique();
            e.HasOne<InstanceEntity>().WithMany().HasForeignKey(x => x.InstanceId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<InboxMessageEntity>(e =>
        {
            e.ToTable("InboxMessages");
            e.HasKey(x => x.Id);
            // Only waiting messages are looked up by hash (a bookmark saved releases the events that wait for it): a callback
            // stored, claimed and processed then never writes this index, whose entries (random hashes) land on a random page each.
            e.HasIndex(x => new { x.Hash, x.Status }).HasFilter(WaitingOnly);
            e.HasIndex(x => new { x.Status, x.Id });
        });

        model.Entity<TimerEntity>(e =>
        {
            e.ToTable("Timers");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.DueAt);
            e.HasIndex(x => x.InstanceId);
        });

        model.Entity<TriggerEntity>(e =>
        {
            e.ToTable("Triggers");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.Hash);
            e.HasIndex(x => x.FlowId);
        });

        model.Entity<AutomationEntity>(e =>
        {
            e.ToTable("Automations");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.ConnectionId);
        });

        model.Entity<ApiKeyEntity>(e =>
        {
            e.ToTable("ApiKeys");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.KeyHash).IsUnique();
        });

        model.Entity<ConnectionEntity>(e =>
        {
            e.ToTable("Connections");
            e.HasKey(x => x.Id);
        });

        model.Entity<RateBudgetEntity>(e =>
        {
            e.ToTable("RateBudgets");
            e.HasKey(x => x.Key);
            e.Property(x => x.Revision).IsConcurrencyToken();
        });

        model.Entity<WebhookDeliveryEntity>(e =>
        {
            e.ToTable("WebhookDeliveries");
            e.HasKey(x => x.Key);
            e.HasIndex(x => x.ExpiresAt);
        });

        model.Entity<IncidentEntity>(e =>
        {
            e.ToTable("Incidents");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.FlowId, x.LastAt });
            e.HasIndex(x => x.LastAt);
        });

        // Collected users are upserted with raw SQL (EfCollectionStore): keep table and column names as declared.
        model.Entity<CollectedUserEntity>(e =>
        {
            e.ToTable("CollectedUsers");
            e.HasKey(x => new { x.ConnectorKey, x.VendorId });
            e.HasIndex(x => new { x.ConnectorKey, x.LastActivityAt });
            e.HasIndex(x => new { x.ConnectorKey, x.Department });
        });

        model.Entity<CollectionRunEntity>(e =>
        {
            e.ToTable("CollectionRuns");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.ConnectorKey, x.StartedAt });
        });

        model.Entity<CollectionSourceEntity>(e =>
        {
            e.ToTable("CollectionSources");
            e.HasKey(x => x.ConnectorKey);
        });
    }
}
