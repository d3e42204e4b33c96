using Microsoft.Data.Sqlite;
using Npgsql;
using FlowConnectors.Tests.Shared;

namespace FlowConnectors.Persistence.Tests;

/// <summary>A fresh database for one test, removed afterwards.</summary>
public interface ITestDatabase : IAsyncDisposable
{
    PersistenceOptions Options { get; }

    /// <summary>An empty database.</summary>
    Task CreateAsync();

    /// <summary>
    /// A database with every migration of <see cref="StoreTestBase{TDatabase}"/>'s stores applied, copied from one this
    /// process migrated once (the migrations themselves are specified from empty in MigrationTests).
    /// </summary>
    Task CreateMigratedAsync();
}

/// <summary>Migrates a database of <typeparamref name="TDatabase"/>'s kind from empty, as every store test once did for itself.</summary>
internal static class MigratedTemplate<TDatabase> where TDatabase : ITestDatabase, new()
{
    public static async Task MigrateAsync(PersistenceOptions options)
    {
        await using var services = StoreTestBase<TDatabase>.BuildServices(options, new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider());
        await PersistenceInitializer.MigrateAsync(services);
    }
}

/// <summary>A temporary SQLite file.</summary>
public sealed class SqliteTestDatabase : ITestDatabase
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "flowconnectors-sqlite-" + Guid.NewGuid().ToString("N"));

    public PersistenceOptions Options { get; private set; } = null!;

    /// <summary>A migrated database file, made once per test process; deleted when the process ends.</summary>
    private static readonly Lazy<Task<string>> Template = new(async () =>
    {
        var folder = Path.Combine(Path.GetTempPath(), "flowconnectors-sqlite-template-" + Guid.NewGuid().ToString("N"));
        var file = Path.Combine(folder, "flows.db");
        var options = PersistenceOptions.Sqlite(file);
        await MigratedTemplate<SqliteTestDatabase>.MigrateAsync(options);
        // Closing the last connection checkpoints the write-ahead log into the file, and removes it.
        SqliteConnection.ClearPool(new SqliteConnection(options.ConnectionString));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        };
        return file;
    });

    public Task CreateAsync()
    {
        // The folder does not exist yet: PersistenceInitializer creates it.
        Options = PersistenceOptions.Sqlite(Path.Combine(_directory, "flows.db"));
        return Task.CompletedTask;
    }

    public async Task CreateMigratedAsync()
    {
        var template = await Template.Value;
        Directory.CreateDirectory(_directory);
        var file = Path.Combine(_directory, "flows.db");
        foreach (var suffix in new[] { "", "-wal" })
            if (File.Exists(template + suffix)) File.Copy(template + suffix, file + suffix);
        Options = PersistenceOptions.Sqlite(file);
    }

    public ValueTask DisposeAsync()
    {
        // This database's pool only: clearing every pool would also take back and close a handle another test class,
        // running at the same time, dropped on purpose (SqliteStaleStatementTests).
        if (Options is not null) SqliteConnection.ClearPool(new SqliteConnection(Options.ConnectionString));
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A database of its own on the PostgreSQL server named by FLOWCONNECTORS_TEST_POSTGRES (started
/// by scripts/postgres.sh). Without that variable the test fails: PostgreSQL tests never skip.
/// </summary>
public sealed class PostgresTestDatabase : ITestDatabase
{
    private PersistenceOptions? _options;

    public PersistenceOptions Options => _options ?? throw new InvalidOperationException("the database is not created yet");

    public static string ServerConnectionString() => TestPostgres.Server;

    /// <summary>
    /// A migrated database made once per test process, copied by CREATE DATABASE … TEMPLATE (no session may be connected
    /// to it then: its pool is cleared); dropped when the process ends.
    /// </summary>
    private static readonly Lazy<Task<string>> Template = new(async () =>
    {
        var template = new PostgresTestDatabase();
        await template.CreateAsync();
        await MigratedTemplate<PostgresTestDatabase>.MigrateAsync(template.Options);
        await using (var own = new NpgsqlConnection(template.Options.ConnectionString)) NpgsqlConnection.ClearPool(own);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            // Best effort: a failure here, after every test ran, must not turn the run into a crashed test host.
            try { template.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
            catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException) { }
        };
        return new NpgsqlConnectionStringBuilder(template.Options.ConnectionString).Database!;
    });

    public Task CreateAsync() => CreateFromAsync(null);

    public async Task CreateMigratedAsync() => await CreateFromAsync(await Template.Value);

    private async Task CreateFromAsync(string? template) =>
        _options = PersistenceOptions.Postgres(await TestPostgres.CreateDatabaseAsync("fc_test_", template));

    public async ValueTask DisposeAsync()
    {
        if (_options is not null) await TestPostgres.DropDatabaseAsync(_options.ConnectionString);
    }
}
