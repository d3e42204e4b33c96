using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FlowConnectors.Persistence.Tests;

/// <summary>
/// A node keeps a bounded pool of PostgreSQL connections, so several nodes fit within a default PostgreSQL's 100
/// connections; a pool size the connection string sets is kept.
/// </summary>
public sealed class PostgresPoolSizeTests
{
    [Fact]
    public async Task A_node_without_a_pool_size_of_its_own_opens_at_most_30_connections_and_queues_the_rest()
    {
        await using var database = new PostgresTestDatabase();
        await database.CreateAsync();
        var services = new ServiceCollection().AddFlowPersistence(database.Options).BuildServiceProvider();
        await using var _ = services;
        var factory = services.GetRequiredService<IDbContextFactory<Data.FlowConnectorsDbContext>>();
        var databaseName = new NpgsqlConnectionStringBuilder(database.Options.ConnectionString).Database;

        // 45 queries at once, each holding its connection for a moment: all answer, through at most 30 connections.
        var answers = await Task.WhenAll(Enumerable.Range(0, 45).Select(async n =>
        {
            await using var db = await factory.CreateDbContextAsync();
            return await db.Database.SqlQuery<int>($"SELECT {n} AS \"Value\" FROM pg_sleep(0.3)").SingleAsync();
        }));
        answers.Order().ShouldBe(Enumerable.Range(0, 45));

        await using var observer = new NpgsqlConnection(PostgresTestDatabase.ServerConnectionString());
        await observer.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @name", observer);
        count.Parameters.AddWithValue("name", databaseName!);
        ((long)(await count.ExecuteScalarAsync())!).ShouldBeInRange(1, PersistenceOptions.DefaultMaxPoolSize);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Database=fc;Maximum Pool Size=7", 7)]
    [InlineData("Host=127.0.0.1;Database=fc;maximum pool size=8", 8)]
    [InlineData("Host=127.0.0.1;Database=fc;MaxPoolSize=9", 9)]
    [InlineData("Host=127.0.0.1;Database=fc", PersistenceOptions.DefaultMaxPoolSize)]
    public void A_pool_size_the_connection_string_sets_is_kept_and_none_means_the_node_default(string connectionString, int expected) =>
        new NpgsqlConnectionStringBuilder(PersistenceOptions.Postgres(connectionString).ConnectionString).MaxPoolSize.ShouldBe(expected);

    [Fact]
    public void A_connection_string_that_does_not_parse_is_left_for_the_open_to_report() =>
        PersistenceOptions.Postgres("Host=127.0.0.1;;=broken").ConnectionString.ShouldBe("Host=127.0.0.1;;=broken");
}
