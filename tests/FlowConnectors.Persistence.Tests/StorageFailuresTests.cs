using Microsoft.Data.Sqlite;
using FlowConnectors.Tests.Shared;
using Npgsql;

namespace FlowConnectors.Persistence.Tests;

/// <summary>Which real database failures the server answers 503 (the request was not stored; send it again), and which it does not.</summary>
public sealed class StorageFailuresTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fc-storage-failures-").FullName;

    // The connections are not pooled (Pooling=False): nothing of this class is left open, and no other class's pool is touched.
    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<SqliteConnection> OpenAsync(string name, string mode = "ReadWriteCreate")
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, name)};Mode={mode};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }

    private static async Task RunAsync(System.Data.Common.DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_full_SQLite_database_is_a_full_storage()
    {
        await using var connection = await OpenAsync("full.db");
        await RunAsync(connection, "CREATE TABLE t (v TEXT)");
        // The same error a full disk gives (SQLITE_FULL), from a page limit instead of a small file system.
        await RunAsync(connection, "PRAGMA max_page_count = 8");
        var e = await Should.ThrowAsync<SqliteException>(async () =>
        {
            for (var i = 0; i < 1_000; i++) await RunAsync(connection, $"INSERT INTO t VALUES ('{new string('x', 1000)}')");
        });
        var failure = StorageFailures.Describe(new InvalidOperationException("wrapped", e)).ShouldNotBeNull();
        failure.Kind.ShouldBe(StorageFailureKind.Full);
        failure.Description.ShouldBe("the database's disk is full (SQLite: database or disk is full)");
    }

    [Fact]
    public async Task A_read_only_SQLite_database_is_unavailable_storage()
    {
        await using (var create = await OpenAsync("ro.db")) await RunAsync(create, "CREATE TABLE t (v TEXT)");
        await using var connection = await OpenAsync("ro.db", "ReadOnly");
        var e = await Should.ThrowAsync<SqliteException>(() => RunAsync(connection, "INSERT INTO t VALUES ('x')"));
        StorageFailures.Describe(e).ShouldBe(new StorageFailure(StorageFailureKind.Unavailable, "the database cannot be written (SQLite: read-only)"));
    }

    [Fact]
    public async Task A_file_write_on_a_full_disk_is_a_full_storage()
    {
        // /dev/full answers every write with ENOSPC, as a full file system does.
        var e = await Should.ThrowAsync<IOException>(async () =>
        {
            await using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write);
            await full.WriteAsync(new byte[4096]);
            await full.FlushAsync();
        });
        StorageFailures.Describe(new InvalidOperationException("wrapped", e))
            .ShouldBe(new StorageFailure(StorageFailureKind.Full, "the server's disk is full (no space left on device)"));
    }

    [Fact]
    public void A_file_that_is_not_there_is_no_storage_failure()
    {
        var e = Should.Throw<IOException>(() => File.ReadAllText(Path.Combine(_folder, "missing.json")));
        StorageFailures.Describe(e).ShouldBeNull();
    }

    [Fact]
    public async Task A_constraint_violation_is_no_storage_failure()
    {
        await using var connection = await OpenAsync("unique.db");
        await RunAsync(connection, "CREATE TABLE t (v TEXT PRIMARY KEY); INSERT INTO t VALUES ('a')");
        var e = await Should.ThrowAsync<SqliteException>(() => RunAsync(connection, "INSERT INTO t VALUES ('a')"));
        StorageFailures.Describe(e).ShouldBeNull();
    }

    [Fact]
    public async Task A_PostgreSQL_server_that_does_not_answer_is_unavailable_storage()
    {
        // A port nothing listens on: the connection is refused.
        var port = FreePort();
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=postgres;Timeout=5");
        var e = await Should.ThrowAsync<NpgsqlException>(() => connection.OpenAsync());
        StorageFailures.Describe(e).ShouldBe(new StorageFailure(StorageFailureKind.Unavailable, "the database cannot be reached"));
    }

    [Fact]
    public async Task A_PostgreSQL_transaction_that_may_not_write_is_unavailable_storage_and_a_syntax_error_is_not()
    {
        await using var connection = new NpgsqlConnection(TestPostgres.Server);
        await connection.OpenAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await RunAsync(connection, "SET TRANSACTION READ ONLY");
            var e = await Should.ThrowAsync<PostgresException>(() => RunAsync(connection, "CREATE TABLE fc_storage_failure_probe (v int)"));
            var failure = StorageFailures.Describe(e).ShouldNotBeNull();
            failure.Kind.ShouldBe(StorageFailureKind.Unavailable);
            failure.Description.ShouldStartWith("the database refuses work now (PostgreSQL: 25006 ");
        }
        var syntax = await Should.ThrowAsync<PostgresException>(() => RunAsync(connection, "SELEC 1"));
        StorageFailures.Describe(syntax).ShouldBeNull();
    }

    [Fact]
    public async Task A_PostgreSQL_database_that_accepts_no_connections_is_unavailable_storage()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("fc_storage_failures_");
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        try
        {
            await using (var admin = new NpgsqlConnection(TestPostgres.Server))
            {
                await admin.OpenAsync();
                await RunAsync(admin, $"ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false");
            }
            await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
            var e = await Should.ThrowAsync<PostgresException>(() => connection.OpenAsync());
            StorageFailures.Describe(e).ShouldBe(new StorageFailure(StorageFailureKind.Unavailable,
                $"the database refuses work now (PostgreSQL: 55000 database \"{name}\" is not currently accepting connections)"));
        }
        finally
        {
            await using (var admin = new NpgsqlConnection(TestPostgres.Server))
            {
                await admin.OpenAsync();
                await RunAsync(admin, $"ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true");
            }
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
