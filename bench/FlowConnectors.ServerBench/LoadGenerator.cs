using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace FlowConnectors.ServerBench;

/// <summary>What one measured phase gave: counts, wall time, CPU time and the sorted latencies.</summary>
internal sealed record LoadResult(string Name, long Requests, long Errors, TimeSpan Elapsed, TimeSpan Cpu, long[] SortedTicks, string? FirstError)
{
    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;
    public double CpuMicrosecondsPerRequest => Requests == 0 ? 0 : Cpu.TotalMicroseconds / Requests;
    public double Percentile(double p) => SortedTicks.Length == 0 ? 0
        : TicksToMs(SortedTicks[Math.Clamp((int)Math.Ceiling(p * SortedTicks.Length) - 1, 0, SortedTicks.Length - 1)]);
    public double Max => SortedTicks.Length == 0 ? 0 : TicksToMs(SortedTicks[^1]);
    public static double TicksToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

/// <summary>
/// Closed-loop load: <c>connections</c> workers on one shared client, each posting one request after
/// the other until the deadline (or until its preallocated latency array is full).
/// </summary>
internal static class LoadGenerator
{
    public static async Task<LoadResult> RunAsync(string name, HttpClient client, Uri url, byte[][] bodies, int connections,
        TimeSpan duration, int capacityPerWorker)
    {
        var latencies = new long[connections][];
        for (var w = 0; w < connections; w++) latencies[w] = new long[capacityPerWorker];
        var counts = new int[connections];
        var errors = new long[connections];
        string? firstError = null;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = new Task[connections];
        for (var w = 0; w < connections; w++)
        {
            var worker = w;
            workers[w] = Task.Run(async () =>
            {
                var ticks = latencies[worker];
                var n = 0;
                long failed = 0;
                var next = worker;
                while (n < ticks.Length && Stopwatch.GetTimestamp() < end)
                {
                    var body = bodies[next % bodies.Length];
                    next += connections;
                    var t0 = Stopwatch.GetTimestamp();
                    string? error = null;
                    try
                    {
                        using var content = new ByteArrayContent(body);
                        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                        using var response = await client.PostAsync(url, content);
                        var text = await response.Content.ReadAsStringAsync();
                        if (response.StatusCode != HttpStatusCode.OK) error = $"HTTP {(int)response.StatusCode}: {Truncate(text)}";
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        error = $"{e.GetType().Name}: {e.Message}";
                    }
                    ticks[n++] = Stopwatch.GetTimestamp() - t0;
                    if (error is not null)
                    {
                        failed++;
                        Interlocked.CompareExchange(ref firstError, error, null);
                    }
                }
                counts[worker] = n;
                errors[worker] = failed;
            });
        }
        await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var all = new long[counts.Sum()];
        var offset = 0;
        for (var w = 0; w < connections; w++)
        {
            Array.Copy(latencies[w], 0, all, offset, counts[w]);
            offset += counts[w];
        }
        Array.Sort(all);
        return new LoadResult(name, all.Length, errors.Sum(), elapsed, cpu, all, firstError);
    }

    /// <summary>Runs <paramref name="work"/> over the items with <paramref name="connections"/> concurrent workers.</summary>
    public static async Task ForEachAsync<T>(IReadOnlyList<T> items, int connections, Func<T, Task> work)
    {
        var next = -1;
        var workers = Enumerable.Range(0, Math.Min(connections, Math.Max(1, items.Count))).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < items.Count) await work(items[i]);
        }));
        await Task.WhenAll(workers);
    }

    public static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
