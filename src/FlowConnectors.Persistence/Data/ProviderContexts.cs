using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace FlowConnectors.Persistence.Data;

/// <summary>
/// SQLite cannot compare or order <see cref="DateTimeOffset"/> values, so they are stored as UTC
/// ticks (an INTEGER): ordering and range filters then work in SQL. Values read back are UTC.
/// </summary>
internal sealed class SqliteDbContext : FlowConnectorsDbContext
{
    public SqliteDbContext(DbContextOptions<SqliteDbContext> options) : base(options)
    {
        // Every SaveChanges in a transaction, so it queues on the write gate (SqliteWriteGate).
        Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration) => ProviderConventions.Sqlite(configuration);

    protected override void OnModelCreating(ModelBuilder model)
    {
        base.OnModelCreating(model);
        // A plain rowid, not AUTOINCREMENT: nothing reads a journal entry by its id (entries are read by instance and sequence),
        // so an id used again after the newest row was deleted refers to nothing, and an insert no longer writes sqlite_sequence.
        model.Entity<JournalEntryEntity>().Property(x => x.Id).Metadata.SetValueGenerationStrategy(SqliteValueGenerationStrategy.None);
    }
}

/// <summary>
/// PostgreSQL stores <see cref="DateTimeOffset"/> as <c>timestamp with time zone</c>, which Npgsql
/// accepts only with offset zero: values are normalized to UTC on the way in.
/// </summary>
internal sealed class PostgresDbContext(DbContextOptions<PostgresDbContext> options) : FlowConnectorsDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configuration) => ProviderConventions.Postgres(configuration);
}

/// <summary>How every context of ours (runtime, identity, shared cluster state) stores <see cref="DateTimeOffset"/> per provider.</summary>
internal static class ProviderConventions
{
    /// <summary>SQLite: UTC ticks (an INTEGER), so times compare and order in SQL.</summary>
    public static void Sqlite(ModelConfigurationBuilder configuration) =>
        configuration.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();

    /// <summary>PostgreSQL: normalized to UTC (Npgsql accepts offset zero only).</summary>
    public static void Postgres(ModelConfigurationBuilder configuration) =>
        configuration.Properties<DateTimeOffset>().HaveConversion<UtcConverter>();

    private sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks,
        v => new DateTimeOffset(v, TimeSpan.Zero));

    private sealed class UtcConverter() : ValueConverter<DateTimeOffset, DateTimeOffset>(
        v => v.ToUniversalTime(),
        v => v);
}
