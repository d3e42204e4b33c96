using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Collection;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Data-collection benchmark (issue 6): users over cursor pages from a local stub into SQLite.
//   dotnet run -c Release --project bench/FlowConnectors.CollectBench [-- --pages 100,1000 --repeat 3]
// The parent process runs the stub vendor; every measurement runs in a fresh child process
// (this program with --child), so each peak working set belongs to that measurement alone.
const int PerPage = 100;

if (args.Length > 0 && args[0] == "--child")
{
    var mode = args[1];
    var baseUrl = args[2];
    var pages = int.Parse(args[3], CultureInfo.InvariantCulture);
    var result = mode switch
    {
        "baseline" => await Child.BaselineAsync(baseUrl, pages),
        "factory" => await Child.FactoryAsync(baseUrl, pages),
        "upsert" => await Child.UpsertOnlyAsync(pages),
        _ => await Child.CollectAsync(baseUrl, pages, discard: mode is "flow" or "paging", pagingOnly: mode == "paging"),
    };
    Console.WriteLine(JsonSerializer.Serialize(result));
    return 0;
}

var pageCounts = Option("--pages", "100,1000").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
var repeat = int.Parse(Option("--repeat", "3"), CultureInfo.InvariantCulture);
await using var stub = await Stub.StartAsync(PerPage);
if (args.Contains("--serve"))
{
    // For profiling one measurement: run `--child <mode> <url> <pages>` under a profiler against this stub.
    Console.WriteLine(stub.BaseUrl);
    await Task.Delay(Timeout.Infinite);
}
Console.WriteLine($"stub vendor on {stub.BaseUrl}: {PerPage} users per cursor page; {Environment.ProcessorCount} cores; load average {LoadAverage()}");
Console.WriteLine($"each figure: best records/s and its peak working set of {repeat} runs, each in a fresh process");
Console.WriteLine();
Console.WriteLine("| pages | users | baseline records/s | baseline peak WS | collect records/s | collect peak WS | collect ÷ baseline (rate) | collect ÷ baseline (peak WS) |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var pages in pageCounts)
{
    var baseline = Best(Enumerable.Range(0, repeat).Select(_ => RunChild("baseline", stub.BaseUrl, pages)).ToList());
    var collect = Best(Enumerable.Range(0, repeat).Select(_ => RunChild("collect", stub.BaseUrl, pages)).ToList());
    Console.WriteLine($"| {pages:N0} | {pages * PerPage:N0} | {baseline.RecordsPerSecond:N0} | {Mb(baseline.PeakWorkingSet)} | {collect.RecordsPerSecond:N0} | {Mb(collect.PeakWorkingSet)} | " +
                      $"{collect.RecordsPerSecond / baseline.RecordsPerSecond:0.00} | {(double)collect.PeakWorkingSet / baseline.PeakWorkingSet:0.00} |");
    if (collect.Stored != pages * PerPage) Console.WriteLine($"  !! collect stored {collect.Stored} users, expected {pages * PerPage}: {collect.Error}");
    if (args.Contains("--breakdown"))
    {
        var flow = Best(Enumerable.Range(0, repeat).Select(_ => RunChild("flow", stub.BaseUrl, pages)).ToList());
        var upsert = Best(Enumerable.Range(0, repeat).Select(_ => RunChild("upsert", stub.BaseUrl, pages)).ToList());
        var paging = Best(Enumerable.Range(0, repeat).Select(_ => RunChild("paging", stub.BaseUrl, pages)).ToList());
        Console.WriteLine($"|   breakdown | paging through the connector only: {paging.RecordsPerSecond:N0} records/s | flow + mapping, nothing stored: {flow.RecordsPerSecond:N0} records/s, {Mb(flow.PeakWorkingSet)} | SQLite upserts only: {upsert.RecordsPerSecond:N0} records/s, {Mb(upsert.PeakWorkingSet)} | | | | |");
    }
}
return 0;

string Option(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

static Result Best(List<Result> results) => results.OrderByDescending(r => r.RecordsPerSecond).First();

static string Mb(long bytes) => $"{bytes / 1024.0 / 1024.0:N0} MB";

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

static Result RunChild(string mode, string baseUrl, int pages)
{
    var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
    var entry = System.Reflection.Assembly.GetEntryAssembly()!.Location;
    if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(entry);
    foreach (var a in new[] { "--child", mode, baseUrl, pages.ToString(CultureInfo.InvariantCulture) }) start.ArgumentList.Add(a);
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEnd();
    var errors = process.StandardError.ReadToEnd();
    process.WaitForExit();
    var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
    return line is null ? throw new InvalidOperationException($"{mode} child failed: {output}{errors}") : JsonSerializer.Deserialize<Result>(line)!;
}

internal sealed record Result(double RecordsPerSecond, long PeakWorkingSet, int Stored, double Seconds, string? Error);

internal static class Child
{
    /// <summary>The floor: the same pages fetched with a plain HttpClient and parsed, records counted, nothing stored.</summary>
    public static async Task<Result> BaselineAsync(string baseUrl, int pages)
    {
        using var http = new HttpClient();
        await FetchAllAsync(http, baseUrl, 1); // warm-up: connection, JIT
        var watch = Stopwatch.StartNew();
        var records = await FetchAllAsync(http, baseUrl, pages);
        watch.Stop();
        return new Result(records / watch.Elapsed.TotalSeconds, Process.GetCurrentProcess().PeakWorkingSet64, records, watch.Elapsed.TotalSeconds, null);
    }

    public static async Task<Result> FactoryAsync(string baseUrl, int pages)
    {
        await using var sp = FlowConnectors.Http.HttpServices.AddFlowHttpClient(new ServiceCollection(), "x", FlowConnectors.Http.HttpResilienceSettings.Default).BuildServiceProvider();
        var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("x");
        await FetchAllAsync(http, baseUrl, 1);
        var watch = Stopwatch.StartNew();
        var records = await FetchAllAsync(http, baseUrl, pages);
        watch.Stop();
        return new Result(records / watch.Elapsed.TotalSeconds, Process.GetCurrentProcess().PeakWorkingSet64, records, watch.Elapsed.TotalSeconds, null);
    }

    private static async Task<int> FetchAllAsync(HttpClient http, string baseUrl, int pages)
    {
        string? cursor = null;
        var records = 0;
        do
        {
            var url = $"{baseUrl}users.list?limit=100&pages={pages}" + (cursor is null ? "" : "&cursor=" + cursor);
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync();
            using var document = await JsonDocument.ParseAsync(stream);
            records += document.RootElement.GetProperty("members").GetArrayLength();
            cursor = document.RootElement.GetProperty("response_metadata").GetProperty("next_cursor").GetString();
        } while (!string.IsNullOrEmpty(cursor));
        return records;
    }

    /// <summary>The real thing: a cursor template compiled to a connector, its collect flow run by CollectionRunner into SQLite.</summary>
    /// <summary>Only the store: the same number of users upserted page by page, no HTTP, no flow.</summary>
    public static async Task<Result> UpsertOnlyAsync(int pages)
    {
        var work = Path.Combine(Path.GetTempPath(), $"fc-collect-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        await using var services = new ServiceCollection()
            .AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider())
            .AddFlowPersistence(PersistenceOptions.Sqlite(Path.Combine(work, "bench.db")))
            .BuildServiceProvider();
        await PersistenceInitializer.MigrateAsync(services);
        var store = services.GetRequiredService<ICollectionStore>();
        var watch = Stopwatch.StartNew();
        await using var writer = await store.OpenUserWriterAsync("bench", DateTimeOffset.UtcNow);
        for (var page = 0; page < pages; page++)
        {
            var users = Enumerable.Range(page * 100, 100).Select(i => new CollectedUser
            {
                VendorId = "U" + i, Email = $"user{i}@example.com", Name = "User Number " + i, Department = "Sales", Status = "false",
                LastActivityAt = DateTimeOffset.FromUnixTimeSeconds(1_760_000_000 + i), Application = "Stub",
            }).ToList();
            await writer.UpsertAsync(users);
        }
        watch.Stop();
        return new Result(pages * 100 / watch.Elapsed.TotalSeconds, Process.GetCurrentProcess().PeakWorkingSet64, pages * 100, watch.Elapsed.TotalSeconds, null);
    }

    public static async Task<Result> CollectAsync(string baseUrl, int pages, bool discard = false, bool pagingOnly = false)
    {
        var work = Path.Combine(Path.GetTempPath(), $"fc-collect-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            ConnectorPackage Compile(string key, int pageCount)
            {
                var templateJson = new JsonObject
                {
                    ["format"] = 1,
                    ["name"] = "Benchmark users",
                    ["vendor"] = "Stub",
                    ["baseUrl"] = baseUrl.TrimEnd('/'),
                    ["auth"] = new JsonObject { ["kind"] = "apiKey" },
                    ["usersUrl"] = "/users.list",
                    ["query"] = new JsonObject { ["pages"] = pageCount.ToString(CultureInfo.InvariantCulture) },
                    ["pagination"] = new JsonObject { ["kind"] = "cursorLimit", ["cursorPath"] = "response_metadata.next_cursor", ["limit"] = 100 },
                    ["recordsPath"] = "members",
                    ["mapping"] = new JsonObject { ["id"] = "id", ["email"] = "profile.email", ["name"] = "real_name", ["department"] = "profile.title", ["status"] = "deleted" },
                    ["filters"] = new JsonArray(new JsonObject { ["field"] = "is_bot", ["operator"] = "notEquals", ["value"] = true }),
                    ["activity"] = new JsonObject { ["lastActivityField"] = "updated", ["application"] = "Stub" },
                };
                var folder = Path.Combine(work, key);
                TemplateCompiler.WriteFolder(TemplateReader.Parse(templateJson.ToJsonString()), templateJson, new CompileOptions { Name = "Benchmark users", Key = key }, folder);
                if (pagingOnly)
                {
                    // The same collect flow with its store node made a no-op: what paging through the connector costs alone.
                    var path = Path.Combine(folder, "flows", TemplateCompiler.CollectFlow + ".flow.json");
                    var flowJson = JsonNode.Parse(File.ReadAllText(path))!;
                    foreach (var node in flowJson["nodes"]!.AsArray())
                        if ((string?)node!["id"] == "store") { node["type"] = "NoOp"; node.AsObject().Remove("inputs"); }
                    File.WriteAllText(path, flowJson.ToJsonString());
                }
                var (package, problems) = ConnectorPackage.Load(folder, new FlowEngine(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry().AddCollection() }));
                return package ?? throw new InvalidOperationException(string.Join("; ", problems));
            }
            // A one-page import of another connector first, as the baseline fetches one page first: both are
            // measured warm (JIT, connection pool), as imports run in a server that has been up a while.
            await using var runtime = new ConnectorRuntime([Compile("bench", pages), Compile("warm-up", 1)], new ConnectorRuntimeOptions { Connections = new InMemoryConnectionStore() });
            await runtime.Connections.CreateConnectionAsync("warm-up", "warm-up", new Dictionary<string, string> { ["token"] = "bench-token" }, "warm-up");
            await runtime.Connections.CreateConnectionAsync("bench", "bench", new Dictionary<string, string> { ["token"] = "bench-token" }, "conn");
            await using var services = new ServiceCollection()
                .AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider())
                .AddFlowPersistence(PersistenceOptions.Sqlite(Path.Combine(work, "bench.db")))
                .BuildServiceProvider();
            await PersistenceInitializer.MigrateAsync(services);
            var real = services.GetRequiredService<ICollectionStore>();
            ICollectionStore store = discard ? new DiscardingStore(real) : real;
            var runner = new CollectionRunner(runtime, store, TimeProvider.System);
            var warmUp = await runner.RunAsync(await runner.CreateRunAsync("warm-up", "benchmark"), "warm-up");
            if (warmUp.Error is not null) throw new InvalidOperationException("warm-up import failed: " + warmUp.Error);
            var watch = Stopwatch.StartNew();
            var run = await runner.RunAsync(await runner.CreateRunAsync("bench", "benchmark"), "conn");
            watch.Stop();
            var records = pagingOnly ? pages * 100 : run.Records;
            var stored = discard ? records : (await store.QueryUsersAsync("bench", new UserQuery { PageSize = 1 })).Total;
            return new Result(records / watch.Elapsed.TotalSeconds, Process.GetCurrentProcess().PeakWorkingSet64, stored, watch.Elapsed.TotalSeconds, run.Error);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }
}

/// <summary>For the breakdown only (--child flow): the flow and mapping without the database writes.</summary>
internal sealed class DiscardingStore(ICollectionStore inner) : DelegatingCollectionStore(inner)
{
    public override Task<UpsertResult> UpsertUsersAsync(string connectorKey, IReadOnlyList<CollectedUser> users, DateTimeOffset now, CancellationToken ct = default) =>
        Task.FromResult(new UpsertResult(users.Count, 0));
    public override Task<ICollectedUserWriter> OpenUserWriterAsync(string connectorKey, DateTimeOffset now, CancellationToken ct = default) =>
        Task.FromResult<ICollectedUserWriter>(new DiscardingWriter());

    private sealed class DiscardingWriter : ICollectedUserWriter
    {
        public Task<UpsertResult> UpsertAsync(IReadOnlyList<CollectedUser> users, CancellationToken ct = default) => Task.FromResult(new UpsertResult(users.Count, 0));
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>A Slack-like users.list on 127.0.0.1: pages written on the fly (no page kept in memory), cursor = next page number.</summary>
internal sealed class Stub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Stub(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public static async Task<Stub> StartAsync(int perPage)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        app.MapGet("/users.list", async (HttpContext context) =>
        {
            var pages = int.Parse(context.Request.Query["pages"].FirstOrDefault() ?? "1", CultureInfo.InvariantCulture);
            var page = int.TryParse(context.Request.Query["cursor"].FirstOrDefault(), out var p) ? p : 0;
            context.Response.ContentType = "application/json";
            await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
            writer.WriteStartObject();
            writer.WriteBoolean("ok", true);
            writer.WriteStartArray("members");
            for (var i = page * perPage; i < (page + 1) * perPage; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("id", "U" + i.ToString("D7", CultureInfo.InvariantCulture));
                writer.WriteString("name", "user" + i);
                writer.WriteString("real_name", "User Number " + i);
                writer.WriteBoolean("deleted", false);
                writer.WriteBoolean("is_bot", false);
                writer.WriteNumber("updated", 1_760_000_000 + i * 37 % 5_000_000);
                writer.WriteString("tz", "Europe/Berlin");
                writer.WriteStartObject("profile");
                writer.WriteString("email", $"user{i}@example.com");
                writer.WriteString("title", (i % 7) switch { 0 => "Engineering", 1 => "Sales", 2 => "Support", 3 => "Finance", 4 => "Legal", 5 => "Marketing", _ => "Operations" });
                writer.WriteString("phone", "+49 30 " + (1_000_000 + i));
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteStartObject("response_metadata");
            writer.WriteString("next_cursor", page + 1 < pages ? (page + 1).ToString(CultureInfo.InvariantCulture) : "");
            writer.WriteEndObject();
            writer.WriteEndObject();
            await writer.FlushAsync();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Stub(app, address.TrimEnd('/') + "/");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
