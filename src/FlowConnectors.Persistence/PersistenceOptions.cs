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
        ConnectionString = connectionString,
    };

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
