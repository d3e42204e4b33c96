using Microsoft.Data.Sqlite;

namespace FlowConnectors.Persistence;

/// <summary>
/// Which database the durable runtime uses: SQLite (the embedded default, one file) or PostgreSQL
/// (for several server processes sharing one database).
/// </summary>
public sealed class PersistenceOptions
{
    public const string SqliteProvider = "sqlite";
    public const string PostgresProvider = "postgres";

    /// <summary><c>sqlite</c> or <c>postgres</c> (<c>postgresql</c> is accepted too).</summary>
    public string Provider { get; set; } = SqliteProvider;

    /// <summary>An ADO.NET connection string for the provider.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// A SQLite database file: <c>Data Source=&lt;path&gt;</c>. The database runs in WAL mode, so
    /// readers never block the writer; writers in one process take turns (SqliteWriteGate). A shared
    /// cache is deliberately not used: its table locks fail with SQLITE_LOCKED, which the busy timeout
    /// does not cover.
    /// </summary>
    public static PersistenceOptions Sqlite(string path) => new()
    {
        Provider = SqliteProvider,
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = path }.ToString(),
    };

    public static PersistenceOptions Postgres(string connectionString) => new()
    {
        Provider = PostgresProvider,
        ConnectionString = WithNodePoolSize(connectionString),
    };

    private static readonly HashSet<string> PoolSizeKeys = new(["MaximumPoolSize", "MaxPoolSize"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Connections one node keeps at most when its connection string does not say (Npgsql's own default is 100).</summary>
    public const int DefaultMaxPoolSize = 30;

    /// <summary>
    /// Npgsql pools up to 100 connections per process, so three nodes under load could take every connection a PostgreSQL
    /// with its default <c>max_connections</c> (100) has, and a node started then is refused ("53300: sorry, too many
    /// clients already"). A node needs far fewer (writes are group-committed; a waiting read queues for a free
    /// connection), so without a <c>Maximum Pool Size</c> of its own a node keeps at most <see cref="DefaultMaxPoolSize"/>.
    /// A connection string that does not parse is left as it is: opening it reports what is wrong.
    /// </summary>
    internal static string WithNodePoolSize(string connectionString)
    {
        try
        {
            // The keys as written (Npgsql's builder answers for every keyword it knows, set or not).
            var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
            if (written.Keys.Cast<string>().Any(key => PoolSizeKeys.Contains(key.Replace(" ", "", StringComparison.Ordinal)))) return connectionString;
            return new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = DefaultMaxPoolSize }.ConnectionString;
        }
        catch (ArgumentException)
        {
            return connectionString;
        }
    }

    /// <summary>This database's writer queue (SQLite only; one per registered database).</summary>
    internal Data.SqliteWriteGate WriteGate { get; } = new();

    internal bool IsSqlite => NormalizedProvider() == SqliteProvider;

    internal string NormalizedProvider() => Provider.Trim().ToLowerInvariant() switch
    {
        "sqlite" => SqliteProvider,
        "postgres" or "postgresql" or "npgsql" => PostgresProvider,
        _ => throw new ArgumentException($"persistence provider '{Provider}' is not known: use 'sqlite' or 'postgres'"),
    };
}
