using Npgsql;
using FlowConnectors.Tests.Shared;

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
        private string? _database;

        protected override async Task ConfigureAsync(IDictionary<string, string> settings)
        {
            _database = await TestPostgres.CreateDatabaseAsync("fc_fuzz_");
            settings["FlowConnectors__Database"] = "postgres";
            settings["FlowConnectors__ConnectionString"] = _database;
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            if (_database is not null) await TestPostgres.DropDatabaseAsync(_database);
        }
    }
}
