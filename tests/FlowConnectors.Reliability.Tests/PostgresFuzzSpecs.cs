using Npgsql;

namespace FlowConnectors.Reliability.Tests;

/// <summary>
/// The fuzz classes whose values end up in the store's keys and filters, against a server on PostgreSQL: its text
/// cannot hold U+0000, which SQLite takes, so an id or a query value with it must be refused before it gets there.
/// Needs FLOWCONNECTORS_TEST_POSTGRES (`source scripts/postgres.sh`; scripts/test.sh does).
/// </summary>
public sealed class PostgresFuzzSpecs(PostgresFuzzSpecs.PostgresFuzzServer fixture) : IClassFixture<PostgresFuzzSpecs.PostgresFuzzServer>
{
    public static TheoryData<string> Classes => new(["hostile-ids", "wrong-types", "within-limits", "duplicate-keys"]);

    [Theory]
    [MemberData(nameof(Classes))]
    public Task Bad_input_gets_a_4xx_problem_from_every_endpoint_of_a_server_on_postgres(string fuzzClass) =>
        FuzzSpecs.SendClassAsync(fixture, fuzzClass);

    /// <summary>The fuzz server on a database of its own, dropped afterwards.</summary>
    public sealed class PostgresFuzzServer : FuzzSpecs.FuzzServer
    {
        private string? _server;
        private string? _database;

        protected override async Task ConfigureAsync(IDictionary<string, string> settings)
        {
            _server = Environment.GetEnvironmentVariable("FLOWCONNECTORS_TEST_POSTGRES") is { Length: > 0 } value
                ? value
                : throw new InvalidOperationException("FLOWCONNECTORS_TEST_POSTGRES is not set: run `source scripts/postgres.sh` first (scripts/test.sh does).");
            _database = "fc_fuzz_" + Guid.NewGuid().ToString("N");
            await using (var connection = new NpgsqlConnection(_server))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", connection);
                await create.ExecuteNonQueryAsync();
            }
            settings["FlowConnectors__Database"] = "postgres";
            settings["FlowConnectors__ConnectionString"] = new NpgsqlConnectionStringBuilder(_server) { Database = _database }.ConnectionString;
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            if (_server is null || _database is null) return;
            await using var connection = new NpgsqlConnection(_server);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
