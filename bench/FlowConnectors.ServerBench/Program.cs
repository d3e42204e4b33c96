using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using FlowConnectors.Server;
using FlowConnectors.ServerBench;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

// Load test of the real server on 127.0.0.1: webhook ingress (Http.Endpoint → RunJavaScript → Return,
// instance and journal persisted in SQLite) against a plain minimal API doing the same work, then
// callback resumes of suspended instances, then one-second durable timers. Options: --seconds N (10), --warmup N (2),
// --connections N (32), --instances N (10,000: suspended instances resumed by callback), --timers N (10,000 one-second
// Delays; 0 skips the phase), --phases LIST (ingress,resume,timers: which phases run, e.g. "resume,timers" to measure the
// resume and timer paths alone), --resume-rounds N (2: the resume phase again on the same server; the first round is the
// callback path's first run, cold (tiered JIT compiling it meanwhile), the later ones warm; each round's figures are printed).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var seconds = Option("--seconds", 10, 1, 120);
var warmup = Option("--warmup", 2, 0, 30);
var connections = Option("--connections", 32, 1, 256);
var instanceCount = Option("--instances", 10_000, 1, 100_000);
var timerCount = Option("--timers", 10_000, 0, 100_000);
var phases = PhasesOption();
var resumeRounds = Option("--resume-rounds", 2, 1, 10);
const string apiKey = "bench-api-key-0123456789";
// Quiet hosts: warnings and errors only, as the server's appsettings.json does for ASP.NET Core and EF Core.
string[] hostArgs = ["--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.AspNetCore.DataProtection=Error"];

Console.WriteLine("FlowConnectors server benchmark");
Console.WriteLine($"date     {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"machine  nproc={Environment.ProcessorCount}, {CpuModel()}, {RuntimeInformation.OSDescription}, load average {LoadAverage()}");
Console.WriteLine($"dotnet   --version {DotnetVersion()}, runtime {RuntimeInformation.FrameworkDescription}, " +
                  $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC{(GCSettings.LatencyMode == GCLatencyMode.Batch ? "" : ", concurrent")}");
Console.WriteLine($"load     {connections} connections, {warmup} s warm-up + {seconds} s per target, one process (client and both servers share the CPUs)");
Console.WriteLine();

var root = Path.Combine(Path.GetTempPath(), $"fc-serverbench-{Guid.NewGuid():N}");
var dataFolder = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
var flowsFolder = Directory.CreateDirectory(Path.Combine(root, "flows")).FullName;
foreach (var name in new[] { "ingress.flow.json", "resume.flow.json", "delay.flow.json" })
{
    await using var resource = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)!;
    await using var file = File.Create(Path.Combine(flowsFolder, name));
    await resource.CopyToAsync(file);
}

WebApplication? server = null;
WebApplication? plain = null;
using var handler = new SocketsHttpHandler
{
    MaxConnectionsPerServer = connections,
    UseProxy = false,
    UseCookies = false,
    AutomaticDecompression = DecompressionMethods.None,
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
};
using var client = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(30) };
try
{
    // 1. The real server: SQLite in the temp data folder, only the benchmark flows.
    server = await ServerApp.BuildAsync(hostArgs, options =>
    {
        options.Urls = "http://127.0.0.1:0";
        options.DataFolder = dataFolder;
        options.FlowsFolder = flowsFolder;
        options.Database = "sqlite";
        options.ApiKey = apiKey;
        options.SyncTimeout = TimeSpan.FromSeconds(10);
        // The stub vendor listens on 127.0.0.1, which the server's network policy refuses unless allowed.
        options.Network.AllowedHosts.Add("127.0.0.1");
    });
    await server.StartAsync();
    var serverAddress = new Uri(server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    var engineUrl = new Uri(serverAddress, "/hooks/bench/ingress");

    // 2. The plain endpoint, in the same process.
    var (plainApp, plainUrl, plainDatabase) = await PlainEndpoint.StartAsync(dataFolder, hostArgs);
    plain = plainApp;

    var bodies = Enumerable.Range(0, 256).Select(PlainEndpoint.Order).ToArray();
    Console.WriteLine($"request  POST a JSON order of {bodies.Min(b => b.Length)}–{bodies.Max(b => b.Length)} bytes");
    Console.WriteLine($"engine   {engineUrl}: Http.Endpoint → RunJavaScript → Return; the server persists the instance (created, saved at the end) and its journal in SQLite");
    Console.WriteLine($"plain    {plainUrl}: minimal API, JsonNode.Parse → same transform in C# → same JSON; persists the delivery: one INSERT of the raw body (Microsoft.Data.Sqlite, WAL, synchronous=NORMAL)");

    // Both answer the same thing.
    var engineAnswer = await PostAsync(client, engineUrl, bodies[0]);
    var plainAnswer = await PostAsync(client, plainUrl, bodies[0]);
    var same = JsonNode.DeepEquals(JsonNode.Parse(engineAnswer), JsonNode.Parse(plainAnswer));
    Console.WriteLine($"check    same response from both: {(same ? "yes" : "NO")} ({engineAnswer.Length} bytes)");
    if (!same)
    {
        Console.WriteLine($"  engine: {engineAnswer}");
        Console.WriteLine($"  plain:  {plainAnswer}");
    }
    Console.WriteLine();

    // 3. Load: each target warmed up, then measured, one after the other.
    var capacity = seconds * 4_000;
    var results = new List<LoadResult>();
    var ingressOk = true;
    if (phases.Contains("ingress"))
    {
        foreach (var (name, url) in new[] { ("plain ASP.NET Core + SQLite INSERT", plainUrl), ("engine /hooks flow (3 nodes)", engineUrl) })
        {
            if (warmup > 0) await LoadGenerator.RunAsync(name, client, url, bodies, connections, TimeSpan.FromSeconds(warmup), capacity);
            var result = await LoadGenerator.RunAsync(name, client, url, bodies, connections, TimeSpan.FromSeconds(seconds), capacity);
            results.Add(result);
            Print(result);
        }
        var (plainResult, engineResult) = (results[0], results[1]);
        var ratio = engineResult.RequestsPerSecond / plainResult.RequestsPerSecond;
        Console.WriteLine();
        Console.WriteLine($"ratio    engine ÷ plain requests/s = {ratio:F3} (target ≥ 0.5: {(ratio >= 0.5 ? "met" : "NOT met")}); " +
                          $"p99 {engineResult.Percentile(0.99):F2} ms vs {plainResult.Percentile(0.99):F2} ms");
        Console.WriteLine($"persist  plain: {await PlainEndpoint.CountDeliveriesAsync(plainDatabase):N0} delivery rows; engine: {await EngineRowsAsync(dataFolder)}");
        Console.WriteLine();
        ingressOk = engineResult.Errors == 0 && plainResult.Errors == 0;
    }

    // 4. Resumes through callback URLs.
    using var api = new HttpClient(handler, disposeHandler: false) { BaseAddress = serverAddress, Timeout = TimeSpan.FromSeconds(30) };
    api.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
    // Callback URLs are posted as a vendor posts them: the token is the credential, there is no API key to check.
    using var callbacks = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(30) };
    var rows = new Rows(dataFolder);
    // Generous: a loaded machine starts a few hundred instances a second.
    var limit = TimeSpan.FromSeconds(Math.Max(60, instanceCount / 20));
    var resumesOk = true;
    if (phases.Contains("resume"))
    {
        for (var round = 1; round <= resumeRounds; round++)
        {
            var resumes = await ResumeBench.RunAsync(api, callbacks, rows, instanceCount, connections, limit);
            Console.WriteLine($"resume   round {round} of {resumeRounds} ({(round == 1 ? "cold: the callback path's first run" : "warm: the same server again")})");
            Console.WriteLine($"         {resumes.Instances} instances of resume.flow.json (CreateCallback → SetOutput callbackUrl → WaitForCallback → Return), started with POST /api/flows/resume/run mode=async");
            Console.WriteLine($"         start POSTs {resumes.StartPosts.TotalSeconds:F2} s ({resumes.Instances / resumes.StartPosts.TotalSeconds:F0}/s); all suspended after {resumes.UntilSuspended.TotalSeconds:F2} s " +
                              $"({resumes.Instances / resumes.UntilSuspended.TotalSeconds:F0} instances/s started and suspended)");
            Console.WriteLine($"         callback POSTs (202, stored in the inbox) {resumes.CallbackPosts.TotalSeconds:F2} s ({resumes.Instances / resumes.CallbackPosts.TotalSeconds:F0}/s)");
            Console.WriteLine($"         all finished after {resumes.UntilFinished.TotalSeconds:F2} s: {resumes.ResumesPerSecond:F0} resumes/s end to end " +
                              $"(finished {resumes.Finished}, faulted {resumes.Faulted}, errors: start {resumes.StartErrors}, callback {resumes.CallbackErrors}; decision output \"{resumes.Decision}\"; polled every 100 ms)");
            Console.WriteLine($"         CPU from the first callback POST to the last resume: {resumes.ResumeCpu.TotalSeconds:F2} s, {resumes.ResumeCpu.TotalMilliseconds * 1000 / Math.Max(1, resumes.Finished):F0} µs per resume (this process: client and server); " +
                              $"allocated {resumes.ResumeAllocated / 1048576.0:F0} MiB, {resumes.ResumeAllocated / Math.Max(1, resumes.Finished) / 1024.0:F1} KiB per resume");
            if (resumes.FirstError is not null) Console.WriteLine($"         first error: {resumes.FirstError}");
            Console.WriteLine($"         target ≥ 3,000 resumes/s: {(resumes.ResumesPerSecond >= 3000 ? "met" : $"NOT met ({3000 / resumes.ResumesPerSecond:F1}× short)")}; load average {LoadAverage()}");
            Console.WriteLine();
            resumesOk &= resumes.Finished == resumes.Instances;
        }
    }

    // 5. One-second durable timers.
    var timersOk = true;
    if (timerCount > 0 && phases.Contains("timers"))
    {
        var timers = await TimerBench.RunAsync(api, rows, timerCount, connections, TimeSpan.FromSeconds(Math.Max(60, timerCount / 20)));
        var late = timers.LatenessMs.Count == 0 ? double.NaN : timers.LatenessMs.Max();
        timersOk = timers.Finished == timers.Instances && late <= 2000;
        Console.WriteLine($"timers   {timers.Instances} instances of delay.flow.json (Delay 1 s → Return), started with POST /api/flows/delay/run mode=async in {timers.StartPosts.TotalSeconds:F2} s " +
                          $"({timers.Instances / timers.StartPosts.TotalSeconds:F0}/s); all finished after {timers.UntilFinished.TotalSeconds:F2} s ({timers.Finished} finished, start errors {timers.StartErrors})");
        Console.WriteLine($"         lateness after the due time (Return's start − (Delay's start + 1 s)): p50 {timers.Percentile(0.5):F0} ms, p99 {timers.Percentile(0.99):F0} ms, max {late:F0} ms");
        Console.WriteLine($"         target all within 2 s of their due time: {(timersOk ? "met" : "NOT met")}; load average {LoadAverage()}");
    }
    Console.WriteLine();
    Console.WriteLine($"done     load average {LoadAverage()}");
    return resumesOk && timersOk && ingressOk && same ? 0 : 1;
}
finally
{
    if (plain is not null)
    {
        await plain.StopAsync();
        await plain.DisposeAsync();
    }
    if (server is not null)
    {
        await server.StopAsync();
        await server.DisposeAsync();
    }
    SqliteConnection.ClearAllPools();
    try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
}

static void Print(LoadResult r) =>
    Console.WriteLine($"{r.Name,-36} {r.RequestsPerSecond,8:F0} req/s  p50 {r.Percentile(0.50),6:F2} ms  p99 {r.Percentile(0.99),7:F2} ms  " +
                      $"max {r.Max,7:F1} ms  errors {r.Errors}  ({r.Requests:N0} requests in {r.Elapsed.TotalSeconds:F2} s, " +
                      $"process CPU {r.CpuMicrosecondsPerRequest:F0} µs/request incl. client)" +
                      (r.FirstError is null ? "" : $"\n  first error: {r.FirstError}"));

static async Task<string> PostAsync(HttpClient client, Uri url, byte[] body)
{
    using var content = new ByteArrayContent(body);
    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
    using var response = await client.PostAsync(url, content);
    var text = await response.Content.ReadAsStringAsync();
    if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"POST {url}: HTTP {(int)response.StatusCode} {text}");
    return text;
}

static async Task<string> EngineRowsAsync(string dataFolder)
{
    var connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(dataFolder, "flowconnectors.db"),
        Mode = SqliteOpenMode.ReadOnly,
    }.ToString();
    await using var connection = new SqliteConnection(connectionString);
    await connection.OpenAsync();
    await using var command = connection.CreateCommand();
    command.CommandText = """
        SELECT (SELECT COUNT(*) FROM Instances WHERE FlowId = 'ingress' AND Status = 'Finished'),
               (SELECT COUNT(*) FROM Instances WHERE FlowId = 'ingress'),
               (SELECT COUNT(*) FROM JournalEntries j JOIN Instances i ON i.Id = j.InstanceId WHERE i.FlowId = 'ingress');
        """;
    await using var reader = await command.ExecuteReaderAsync();
    await reader.ReadAsync();
    return $"{reader.GetInt64(0):N0} finished instances of {reader.GetInt64(1):N0}, {reader.GetInt64(2):N0} journal entries";
}

int Option(string name, int fallback, int min, int max)
{
    var i = Array.IndexOf(args, name);
    if (i < 0) return fallback;
    if (i + 1 >= args.Length || !int.TryParse(args[i + 1], out var value) || value < min || value > max)
        throw new ArgumentException($"{name} takes a whole number from {min} to {max}");
    return value;
}

HashSet<string> PhasesOption()
{
    string[] known = ["ingress", "resume", "timers"];
    var i = Array.IndexOf(args, "--phases");
    if (i < 0) return [.. known];
    var chosen = i + 1 < args.Length ? args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
    if (chosen.Length == 0 || chosen.Any(p => !known.Contains(p))) throw new ArgumentException("--phases takes a comma-separated list of ingress, resume, timers");
    return [.. chosen];
}

static string DotnetVersion()
{
    try
    {
        using var process = Process.Start(new ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
        var text = process.StandardOutput.ReadToEnd().Trim();
        return process.WaitForExit(10_000) ? text : "?";
    }
    catch (System.ComponentModel.Win32Exception) { return "?"; }
}

static string CpuModel() =>
    File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
        : RuntimeInformation.ProcessArchitecture.ToString();

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
