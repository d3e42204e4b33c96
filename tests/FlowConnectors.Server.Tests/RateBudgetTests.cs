using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Budgets;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using FlowConnectors.Tests.Shared;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// One connection's rate-limit budget lives in the database: callers on several workers draw from it together,
/// and a 429 pauses all of them. Every figure is measured from the stub's own receive timestamps.
/// </summary>
public sealed class RateBudgetTests
{
    private const int Callers = 5;
    private const int Workers = 3;
    private const int CallsPerCaller = 8;
    private const int ThrottledRequest = 15;

    /// <summary>Counts arrivals (monotonic time) and answers the <see cref="ThrottledRequest"/>th with 429 and Retry-After: 2.</summary>
    private sealed class CountingVendor : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _count;
        private CountingVendor(WebApplication app) => _app = app;
        public string Url { get; private set; } = "";
        public ConcurrentQueue<(long At, int Number, string Caller)> Arrivals { get; } = new();
        public long? ThrottledAt { get; private set; }

        public void Reset()
        {
            Arrivals.Clear();
            _count = 0;
        }

        public static async Task<CountingVendor> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var vendor = new CountingVendor(app);
            app.Run(async context =>
            {
                var at = Stopwatch.GetTimestamp();
                var number = Interlocked.Increment(ref vendor._count);
                vendor.Arrivals.Enqueue((at, number, context.Request.Query["caller"].ToString()));
                context.Response.ContentType = "application/json";
                if (number == ThrottledRequest)
                {
                    vendor.ThrottledAt = at;
                    context.Response.StatusCode = 429;
                    context.Response.Headers.RetryAfter = "2";
                    await context.Response.WriteAsync("""{"message":"slow down"}""");
                    return;
                }
                await context.Response.WriteAsync("""{"ok":true}""");
            });
            await app.StartAsync();
            vendor.Url = app.Urls.First().TrimEnd('/');
            return vendor;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    private static string ConnectorFolder(string baseUrl)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "fc-budget-" + Guid.NewGuid().ToString("N"))).FullName;
        Directory.CreateDirectory(Path.Combine(folder, "flows"));
        File.WriteAllText(Path.Combine(folder, "connector.json"), $$"""
            { "key": "limited", "name": "Limited", "version": "1.0.0", "baseUrl": "{{baseUrl}}", "auth": { "kind": "none" },
              "http": { "maxRetries": 0 }, "rateLimits": { "requests": 10, "per": "00:00:01" } }
            """);
        foreach (var flow in new[] { "httpHelper", "customApiAction" })
            File.Copy(Path.Combine(Repo.Root, "flows", "github", "flows", flow + ".flow.json"), Path.Combine(folder, "flows", flow + ".flow.json"));
        return folder;
    }

    private static async Task<string> DatabaseAsync(string provider)
    {
        if (provider == "sqlite") return Path.Combine(Path.GetTempPath(), "fc-budget-" + Guid.NewGuid().ToString("N") + ".db");
        return await TestPostgres.CreateDatabaseAsync("fc_budget_");
    }

    /// <summary>The test's database goes with it (a database per run was left behind: in the test PostgreSQL, or a file).</summary>
    private static async Task DropAsync(string provider, string database)
    {
        if (provider == "sqlite")
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearPool(new Microsoft.Data.Sqlite.SqliteConnection(PersistenceOptions.Sqlite(database).ConnectionString));
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(database + suffix);
            return;
        }
        await TestPostgres.DropDatabaseAsync(database);
    }

    /// <summary>A worker: its own services over the shared database, as another node of a cluster would have.</summary>
    private static ServiceProvider Worker(string provider, string database)
    {
        var services = new ServiceCollection();
        services.AddDataProtection().SetApplicationName("FlowConnectors.BudgetTests");
        services.AddFlowPersistence(provider == "sqlite" ? PersistenceOptions.Sqlite(database) : PersistenceOptions.Postgres(database));
        return services.BuildServiceProvider();
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Five_callers_on_three_workers_sharing_one_connection_stay_within_its_budget_and_a_429_pauses_all_of_them(string provider)
    {
        await using var vendor = await CountingVendor.StartAsync();
        var database = await DatabaseAsync(provider);
        var workers = Enumerable.Range(0, Workers).Select(_ => Worker(provider, database)).ToList();
        await PersistenceInitializer.MigrateAsync(workers[0]);
        var validator = new FlowEngine(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() });
        var folder = ConnectorFolder(vendor.Url);
        var (package, problems) = ConnectorPackage.Load(folder, validator);
        package.ShouldNotBeNull(string.Join("; ", problems.Select(p => p.Message)));
        package.Manifest.RateLimits.ShouldHaveSingleItem().Requests.ShouldBe(10);
        var connections = new InMemoryConnectionStore();
        var runtimes = workers.Select(w => new ConnectorRuntime([package], new ConnectorRuntimeOptions
        {
            Connections = connections,
            Budgets = w.GetRequiredService<IRateBudgetStore>(),
        })).ToList();
        try
        {
            await runtimes[0].Connections.CreateConnectionAsync("limited", "shared", new Dictionary<string, string>(), "shared");
            // Warm every worker up on a connection of its own (its own budget): the measured calls below are then not
            // late by a first call's start-up work, which the lateness allowed is not meant to cover.
            await runtimes[0].Connections.CreateConnectionAsync("limited", "warm-up", new Dictionary<string, string>(), "warm-up");
            foreach (var runtime in runtimes)
                await runtime.Actions.RunFlowAsync("limited", "customApiAction", "warm-up", new JsonObject { ["requestType"] = "GET", ["relativeUrl"] = "/warm-up?caller=warm-up" });
            vendor.Reset();
            // Bounded: a budget that never grants again fails here by name instead of holding the run.
            await Bounded.WithinAsync(Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
            {
                var runtime = runtimes[caller % Workers];
                for (var call = 0; call < CallsPerCaller; call++)
                    await runtime.Actions.RunFlowAsync("limited", "customApiAction", "shared",
                        new JsonObject { ["requestType"] = "GET", ["relativeUrl"] = $"/items?caller={caller}" }, CancellationToken.None, BudgetLane.Events);
            }))), TimeSpan.FromMinutes(3), $"{Callers} callers making {CallsPerCaller} calls each within the budget");
        }
        finally
        {
            foreach (var runtime in runtimes) await runtime.DisposeAsync();
            foreach (var worker in workers) await worker.DisposeAsync();
            await DropAsync(provider, database);
            Directory.Delete(folder, recursive: true);
        }

        var arrivals = vendor.Arrivals.OrderBy(a => a.At).ToList();
        arrivals.Count.ShouldBe(Callers * CallsPerCaller);
        // Never more than 10 in any second at the vendor.
        var window = Stopwatch.Frequency;
        var timeline = string.Join(", ", arrivals.Select(a => $"#{a.Number}@{(a.At - arrivals[0].At) * 1000 / Stopwatch.Frequency}ms(caller {a.Caller})"));
        foreach (var first in arrivals)
            arrivals.Count(a => a.At >= first.At && a.At < first.At + window).ShouldBeLessThanOrEqualTo(10,
                $"requests in the second from request {first.Number}: {timeline}");

        // The 429 paused everyone: each caller may have had one request on its way when it came; the next one of
        // every caller arrived at least 2 s after the 429.
        var throttledAt = vendor.ThrottledAt.ShouldNotBeNull();
        var pauseEnd = throttledAt + 2 * Stopwatch.Frequency;
        var throttledCaller = arrivals.Single(a => a.Number == ThrottledRequest).Caller;
        arrivals.Where(a => a.Caller == throttledCaller && a.At > throttledAt).ShouldAllBe(a => a.At >= pauseEnd, $"the throttled caller's next request: {timeline}");
        foreach (var caller in arrivals.GroupBy(a => a.Caller))
        {
            var after = caller.Where(a => a.At > throttledAt).ToList();
            after.Skip(1).ShouldAllBe(a => a.At >= pauseEnd, $"caller {caller.Key} sent during the pause: {timeline}");
        }
    }
}
