using System.Data.Common;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Persistence.Data;
using FlowConnectors.Persistence.Stores;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Persistence;

public static class PersistenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the database (a pooled <c>IDbContextFactory</c>) and every store as a singleton:
    /// <see cref="IFlowStore"/>, <see cref="IInstanceStore"/>, <see cref="IInboxStore"/>,
    /// <see cref="ITimerStore"/>, <see cref="ITriggerStore"/>, <see cref="IAutomationStore"/>,
    /// <see cref="IApiKeyStore"/> and <see cref="IConnectionStore"/>. Each operation opens its own
    /// short-lived context, so the stores are safe to use from background workers. The connection
    /// store needs an <see cref="IDataProtectionProvider"/> (<c>services.AddDataProtection()</c>).
    /// Call <see cref="PersistenceInitializer.MigrateAsync"/> at startup.
    /// </summary>
    public static IServiceCollection AddFlowPersistence(this IServiceCollection services, PersistenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString)) throw new ArgumentException("persistence needs a connection string");
        services.AddSingleton(options);
        if (options.IsSqlite)
        {
            services.AddPooledDbContextFactory<SqliteDbContext>(b => PersistenceServices.Configure(b, options));
            services.AddSingleton<IDbContextFactory<FlowConnectorsDbContext>>(sp =>
                new BaseContextFactory<SqliteDbContext>(sp.GetRequiredService<IDbContextFactory<SqliteDbContext>>()));
        }
        else
        {
            services.AddPooledDbContextFactory<PostgresDbContext>(b => PersistenceServices.Configure(b, options));
            services.AddSingleton<IDbContextFactory<FlowConnectorsDbContext>>(sp =>
                new BaseContextFactory<PostgresDbContext>(sp.GetRequiredService<IDbContextFactory<PostgresDbContext>>()));
        }
        // Shared by every node: installed connectors, the key ring, one-time sign-in states, cache drops (Shared/).
        Shared.SharedStatePersistence.Add(services, options);
        services.AddSingleton<IFlowStore, EfFlowStore>();
        services.AddSingleton<IInstanceStore, EfInstanceStore>();
        services.AddSingleton<IStoreFailures, StoreFailures>();
        services.AddSingleton<IInboxStore, EfInboxStore>();
        services.AddSingleton<ITimerStore, EfTimerStore>();
        services.AddSingleton<IRunQueue, EfRunQueue>();
        services.AddSingleton<ITriggerStore, EfTriggerStore>();
        services.AddSingleton<IAutomationStore, EfAutomationStore>();
        services.AddSingleton<IApiKeyStore, EfApiKeyStore>();
        services.AddSingleton<IWebhookDeliveryLog, EfWebhookDeliveryLog>();
        services.AddSingleton<IRetentionStore, Retention.EfRetentionStore>();
        services.AddSingleton<FlowConnectors.Collection.ICollectionStore, EfCollectionStore>();
        services.AddSingleton<Connectors.Budgets.IRateBudgetStore, EfRateBudgetStore>();
        services.AddSingleton<IConnectionRefreshLeases, EfConnectionRefreshLeases>();
        services.AddSingleton<IConnectionStore>(sp => new EfConnectionStore(
            sp.GetRequiredService<IDbContextFactory<FlowConnectorsDbContext>>(),
            sp.GetService<IDataProtectionProvider>()
            ?? throw new InvalidOperationException("the connection store encrypts secrets with ASP.NET Core Data Protection: call services.AddDataProtection()")));
        return services;
    }

    private sealed class BaseContextFactory<T>(IDbContextFactory<T> inner) : IDbContextFactory<FlowConnectorsDbContext>
        where T : FlowConnectorsDbContext
    {
        public FlowConnectorsDbContext CreateDbContext() => inner.CreateDbContext();
        public async Task<FlowConnectorsDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await inner.CreateDbContextAsync(cancellationToken);
    }
}

internal static class PersistenceServices
{
    /// <summary>Busy timeout for SQLite writers waiting on another writer.</summary>
    internal const int SqliteBusyTimeoutMs = 10_000;

    internal static DbContextOptionsBuilder<T> Configure<T>(DbContextOptionsBuilder<T> builder, PersistenceOptions options) where T : DbContext
    {
        Configure((DbContextOptionsBuilder)builder, options);
        return builder;
    }

    /// <summary>The SQLite connection settings every context of this database uses (the identity context too).</summary>
    internal static DbConnectionInterceptor SqlitePragmasInterceptor => SqlitePragmas.Instance;

    internal static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, PersistenceOptions options)
    {
        if (options.IsSqlite)
            builder.UseSqlite(options.ConnectionString).AddInterceptors(SqlitePragmas.Instance).AddInterceptors(options.WriteGate.Interceptors);
        else
            builder.UseNpgsql(options.ConnectionString);
        return CommonEvents(builder);
    }

    /// <summary>
    /// Migrate would otherwise build the design-time model and the snapshot's model and diff them on every start, for
    /// every context, to warn about a forgotten <c>migrations add</c>: a property of the build, not of the database, and
    /// checked by the persistence tests (<c>HasPendingModelChanges</c> for each context) instead.
    /// <para>A connection that cannot be opened, a query and a save that fail are logged by whoever gets the exception (a request:
    /// the 503 of a storage failure, else the 500 with its stack trace; a background loop: its own line), not once more by
    /// EF Core at Error with the stack trace: while the database was down, that was a few stack traces per second.</para>
    /// </summary>
    internal static DbContextOptionsBuilder CommonEvents(DbContextOptionsBuilder builder) =>
        builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)
            .Log((RelationalEventId.ConnectionError, LogLevel.Debug), (RelationalEventId.CommandError, LogLevel.Debug),
                (CoreEventId.QueryIterationFailed, LogLevel.Debug),
                (CoreEventId.SaveChangesFailed, LogLevel.Debug), (RelationalEventId.TransactionError, LogLevel.Debug)));

    /// <summary>
    /// Every SQLite connection: WAL (readers do not block the writer) and a busy timeout for writers of
    /// other processes (this process's writers queue on the write gate instead).
    /// <para>Set once per SQLite handle: Microsoft.Data.Sqlite pools handles, and an "open" of a pooled one keeps the
    /// settings it was given (synchronous and busy_timeout belong to the handle, WAL to the file). Running the three
    /// statements at every open cost two to three parses and executions per webhook request (issue 15).</para>
    /// </summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public static readonly SqlitePragmas Instance = new();
        private const string Sql = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;";
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = new();
        private static readonly object Marker = new();

        private static SQLitePCL.sqlite3? Handle(DbConnection connection) => (connection as Microsoft.Data.Sqlite.SqliteConnection)?.Handle;

        private static bool IsConfigured(DbConnection connection) => Handle(connection) is { } handle && Configured.TryGetValue(handle, out _);

        private static void MarkConfigured(DbConnection connection)
        {
            if (Handle(connection) is { } handle) Configured.TryAdd(handle, Marker);
        }

        // Opened here, not by EF, to recover from a pooled handle left with a running statement (SqliteStaleStatements).
        public override InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
        {
            if (connection is not Microsoft.Data.Sqlite.SqliteConnection sqlite || result.IsSuppressed) return result;
            SqliteStaleStatements.Open(sqlite, eventData, Logger);
            return InterceptionResult.Suppress();
        }

        public override ValueTask<InterceptionResult> ConnectionOpeningAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result,
            CancellationToken cancellationToken = default)
        {
            // Microsoft.Data.Sqlite opens synchronously either way.
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(ConnectionOpening(connection, eventData, result));
        }

        private static Microsoft.Extensions.Logging.ILogger Logger(ConnectionEventData eventData) =>
            (eventData.Context as Microsoft.EntityFrameworkCore.Infrastructure.IInfrastructure<IServiceProvider>)?.Instance
                .GetService(typeof(Microsoft.Extensions.Logging.ILoggerFactory)) is Microsoft.Extensions.Logging.ILoggerFactory factory
                ? factory.CreateLogger("FlowConnectors.Persistence.Sqlite")
                : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        /// <summary>
        /// Lets SqliteStaleStatements find the statements of the handle: SQLitePCL can list them only when told to before
        /// the first is prepared, which on a new handle is now (Microsoft.Data.Sqlite runs none at open).
        /// </summary>
        private static void TrackStatements(DbConnection connection) => Handle(connection)?.enable_sqlite3_next_stmt(true);

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            if (IsConfigured(connection)) return;
            TrackStatements(connection);
            using var command = connection.CreateCommand();
            command.CommandText = Sql;
            command.ExecuteNonQuery();
            MarkConfigured(connection);
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            if (IsConfigured(connection)) return;
            TrackStatements(connection);
            await using var command = connection.CreateCommand();
            command.CommandText = Sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
            MarkConfigured(connection);
        }
    }
}
