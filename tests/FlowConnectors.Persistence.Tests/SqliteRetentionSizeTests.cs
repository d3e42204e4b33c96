using System.Diagnostics;
using FlowConnectors.Engine;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace FlowConnectors.Persistence.Tests;

/// <summary>SQLite keeps the file bounded: pruned runs give their pages back (incremental vacuum).</summary>
public sealed class SqliteRetentionSizeTests(ITestOutputHelper output) : StoreTestBase<SqliteTestDatabase>
{
    private const int Runs = 100_000;
    private const int RunsPerHour = 4_000;
    private const long MaxBytes = 48L * 1024 * 1024;

    private string DatabaseFile => new SqliteConnectionStringBuilder(Database.Options.ConnectionString).DataSource;

    private long FileBytes() =>
        new[] { "", "-wal" }.Select(suffix => new FileInfo(DatabaseFile + suffix)).Where(f => f.Exists).Sum(f => f.Length);

    [Fact]
    public async Task A_new_database_gives_deleted_pages_back_to_the_file_system()
    {
        await using var db = OpenDb();
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA auto_vacuum";
        Convert.ToInt64(await command.ExecuteScalarAsync()).ShouldBe(2, "auto_vacuum is INCREMENTAL");
    }

    [Fact]
    public async Task An_existing_database_without_incremental_vacuum_is_converted_at_start()
    {
        var file = Path.Combine(Path.GetTempPath(), "flowconnectors-old-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await using (var old = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString()))
            {
                await old.OpenAsync();
                await using var create = old.CreateCommand();
                create.CommandText = "PRAGMA auto_vacuum = NONE; CREATE TABLE Leftover (Id INTEGER PRIMARY KEY);";
                await create.ExecuteNonQueryAsync();
            }
            await using var services = BuildServices(PersistenceOptions.Sqlite(file), new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider());
            await PersistenceInitializer.MigrateAsync(services);
            await using var check = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
            await check.OpenAsync();
            await using var command = check.CreateCommand();
            command.CommandText = "PRAGMA auto_vacuum";
            Convert.ToInt64(await command.ExecuteScalarAsync()).ShouldBe(2);
        }
        finally
        {
            SqliteConnection.ClearPool(new SqliteConnection(PersistenceOptions.Sqlite(file).ConnectionString));
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(file + suffix);
        }
    }

    /// <summary>
    /// One hour's runs in one transaction with prepared statements, rows exactly as the instance store writes them
    /// (EF Core's per-row inserts would spend minutes on 300,000 rows; the pruning under test is the store's own).
    /// </summary>
    private async Task InsertHourAsync(int hour, DateTimeOffset at, string[] flows)
    {
        await using var connection = new SqliteConnection(Database.Options.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = connection.BeginTransaction();
        await using var instance = connection.CreateCommand();
        instance.CommandText = "INSERT INTO Instances (Id, FlowId, FlowVersion, Status, StateJson, Fault, CreatedAt, UpdatedAt, RunAttempts, Revision) " +
                               "VALUES ($id, $flow, 1, $status, $state, $fault, $at, $at, 0, 0)";
        var instanceParameters = new[] { "$id", "$flow", "$status", "$state", "$fault", "$at" }.Select(n => instance.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        await using var journal = connection.CreateCommand();
        journal.CommandText = "INSERT INTO JournalEntries (InstanceId, Sequence, NodeId, ActivityType, StartedAt, DurationMs, InputsJson, OutputsJson, Outcome) " +
                              "VALUES ($id, $seq, $node, $type, $at, 12.5, $inputs, $outputs, $outcome)";
        var journalParameters = new[] { "$id", "$seq", "$node", "$type", "$at", "$inputs", "$outputs", "$outcome" }
            .Select(n => journal.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        for (var n = 0; n < RunsPerHour; n++)
        {
            var id = $"h{hour:00}-{n:0000}";
            var created = at.AddSeconds(n % 3600);
            var state = RetentionStoreTests<SqliteTestDatabase>.Run(id, flows[n % flows.Length], n % 20 == 0 ? FlowStatus.Faulted : FlowStatus.Finished, created);
            object?[] row = [id, state.FlowId, state.Status.ToString(), state.ToJson(), (object?)state.Fault?.ToString() ?? DBNull.Value, created.UtcTicks];
            for (var i = 0; i < row.Length; i++) instanceParameters[i].Value = row[i];
            await instance.ExecuteNonQueryAsync();
            var sequence = 0;
            foreach (var entry in RetentionStoreTests<SqliteTestDatabase>.Journal(created))
            {
                object?[] entryRow = [id, ++sequence, entry.NodeId, entry.ActivityType, entry.StartedAt.UtcTicks,
                    System.Text.Json.JsonSerializer.Serialize(entry.Inputs), entry.Outputs is null ? DBNull.Value : System.Text.Json.JsonSerializer.Serialize(entry.Outputs), entry.Outcome];
                for (var i = 0; i < entryRow.Length; i++) journalParameters[i].Value = entryRow[i];
                await journal.ExecuteNonQueryAsync();
            }
        }
        await transaction.CommitAsync();
    }

    /// <summary>
    /// 100,000 runs over 25 simulated hours (4,000 an hour, one in twenty faulted), with the retention pass the server
    /// runs after each hour: finished runs kept 6 hours, faulted ones 12, at most 5,000 per flow. Kept whole, they
    /// take about 150 MB; pruned, the file never passes 48 MB.
    /// </summary>
    [Fact]
    public async Task The_database_stays_under_48_MB_while_100000_runs_go_through()
    {
        var instances = Get<IInstanceStore>();
        var pruning = TimeSpan.Zero;
        TimeSpan collect = default, prune = default, vacuum = default;
        var retention = Get<IRetentionStore>();
        var settings = new RetentionSettings { FinishedDays = 0.25, FaultedDays = 0.5, MaxRunsPerFlow = 5_000, BatchSize = 5_000 };
        string[] flows = ["orders", "refunds", "signups", "tickets"];
        var largest = 0L;
        var watch = Stopwatch.StartNew();
        for (var hour = 0; hour < Runs / RunsPerHour; hour++)
        {
            var at = T0.AddHours(hour);
            await InsertHourAsync(hour, at, flows);
            var now = at.AddHours(1);
            var pass = Stopwatch.StartNew();
            while (await retention.CollectIncidentsAsync(1_000) > 0) { }
            collect += pass.Elapsed;
            var mark = pass.Elapsed;
            while ((await retention.PruneAsync(settings, now)).Any) { }
            prune += pass.Elapsed - mark;
            mark = pass.Elapsed;
            while (await retention.ReclaimSpaceAsync(4_096) > 0) { }
            vacuum += pass.Elapsed - mark;
            pruning += pass.Elapsed;
            largest = Math.Max(largest, FileBytes());
            FileBytes().ShouldBeLessThan(MaxBytes, $"after hour {hour}");
        }
        output.WriteLine($"{Runs:N0} runs in {watch.Elapsed.TotalSeconds:0.0} s ({pruning.TotalSeconds:0.0} s retention: {collect.TotalSeconds:0.0} incidents, {prune.TotalSeconds:0.0} pruning, {vacuum.TotalSeconds:0.0} vacuum); largest file {largest / 1024.0 / 1024:0.0} MB, last {FileBytes() / 1024.0 / 1024:0.0} MB");
        var kept = await instances.ListAsync(new InstanceQuery(Take: 1000, FlowId: "orders"));
        kept.Count.ShouldBeGreaterThan(0);
        (await retention.ListIncidentsAsync(new IncidentQuery())).Items.Single().Count.ShouldBe(Runs / 20);
    }
}
