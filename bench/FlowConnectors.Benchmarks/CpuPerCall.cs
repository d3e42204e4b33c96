using System.Diagnostics;

namespace FlowConnectors.Benchmarks;

/// <summary>
/// <c>--cpu [calls] [rounds] [row]</c>: the rows of <see cref="ConnectorBenchmarks"/> measured by process CPU time and
/// allocated bytes per call instead of wall time. On a machine shared with other work, wall time measures the
/// queue for a core; the CPU time the process spent per call does not (much). The rows take turns, round after
/// round, so a burst of load elsewhere hits all of them; the best and the median round are printed. CPU time and
/// allocation are process-wide, so both include the in-process Kestrel server's share of each request in every row.
/// Three diagnostics go with them: the JIT's compilation time per call (a row measured before tiering settled pays for
/// it), the thread-pool work items per call (each is a hop to another thread, and the pool's spinning and wake-ups
/// that come with it count as CPU time) and the time the GC paused the process per call. The last column divides each
/// round's CPU time by the first row's in the same round, and gives the median of those ratios: load that changes
/// from round to round moves both sides of each ratio alike.
/// </summary>
internal static class CpuPerCall
{
    public static async Task RunAsync(string[] args)
    {
        var calls = args.Length > 1 && int.TryParse(args[1], out var c) ? c : 2_000;
        var rounds = args.Length > 2 && int.TryParse(args[2], out var r) ? r : 7;
        // A part of a row's name runs that row alone (to profile it); the ratios then compare it with itself.
        var only = args.Length > 3 ? args[3] : null;
        var bench = new ConnectorBenchmarks();
        bench.Setup();
        try
        {
            (string Name, Func<Task> Call)[] rows =
            [
                ("raw HttpClient", () => bench.RawHttpClient()),
                ("AddFlowHttpClient", () => bench.ResilientNamedClient()),
                ("connector, journal on", () => bench.ConnectorJournalOn()),
                ("connector, journal off", () => bench.ConnectorJournalOff()),
            ];
            if (only is not null) rows = rows.Where(row => row.Name.Contains(only, StringComparison.OrdinalIgnoreCase)).ToArray();
            // Warm-up until tiering has settled: a pass of every row, again while the JIT spent more than 1 % of the pass
            // compiling (at most 60 s). One pass was not enough on a loaded machine: the tiering thread was still
            // compiling the connector's code in the measured rounds, up to 70–160 µs of JIT per call (2026-12-05).
            var warmUp = Stopwatch.StartNew();
            var passes = 0;
            TimeSpan passJit;
            do
            {
                var passStarted = Stopwatch.GetTimestamp();
                var passJit0 = System.Runtime.JitInfo.GetCompilationTime();
                foreach (var row in rows)
                    for (var i = 0; i < calls; i++) await row.Call();
                passJit = System.Runtime.JitInfo.GetCompilationTime() - passJit0;
                passes++;
                if (passJit < Stopwatch.GetElapsedTime(passStarted) / 100) break;
            } while (warmUp.Elapsed < TimeSpan.FromSeconds(60));
            Console.WriteLine($"[cpu] warm-up: {passes} passes in {warmUp.Elapsed.TotalSeconds:0.0} s, JIT {passJit.TotalMilliseconds:0} ms in the last");
            var cpu = rows.Select(_ => new List<double>()).ToArray();
            var bytes = rows.Select(_ => new List<double>()).ToArray();
            var wall = rows.Select(_ => new List<double>()).ToArray();
            var jit = rows.Select(_ => new List<double>()).ToArray();
            var workItems = rows.Select(_ => new List<double>()).ToArray();
            var gcPause = rows.Select(_ => new List<double>()).ToArray();
            var gcCounts = rows.Select(_ => new List<(int, int, int)>()).ToArray();
            var process = Process.GetCurrentProcess();
            for (var round = 0; round < rounds; round++)
            {
                for (var i = 0; i < rows.Length; i++)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    process.Refresh();
                    var cpu0 = process.TotalProcessorTime;
                    var bytes0 = GC.GetTotalAllocatedBytes(precise: true);
                    var wall0 = Stopwatch.GetTimestamp();
                    var jit0 = System.Runtime.JitInfo.GetCompilationTime();
                    var workItems0 = ThreadPool.CompletedWorkItemCount;
                    var gcPause0 = GC.GetTotalPauseDuration();
                    var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                    for (var k = 0; k < calls; k++) await rows[i].Call();
                    var elapsed = Stopwatch.GetElapsedTime(wall0);
                    var jitted = System.Runtime.JitInfo.GetCompilationTime() - jit0;
                    var poolItems = ThreadPool.CompletedWorkItemCount - workItems0;
                    var paused = GC.GetTotalPauseDuration() - gcPause0;
                    var allocated = GC.GetTotalAllocatedBytes(precise: true) - bytes0;
                    process.Refresh();
                    cpu[i].Add((process.TotalProcessorTime - cpu0).TotalMicroseconds / calls);
                    bytes[i].Add(allocated / 1024.0 / calls);
                    wall[i].Add(elapsed.TotalMicroseconds / calls);
                    jit[i].Add(jitted.TotalMicroseconds / calls);
                    workItems[i].Add((double)poolItems / calls);
                    gcPause[i].Add(paused.TotalMicroseconds / calls);
                    gcCounts[i].Add((GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2));
                }
            }
            Console.WriteLine($"[cpu] {calls:N0} calls per row per round, {rounds} rounds, load average {LoadAverage()}");
            Console.WriteLine("| row | CPU µs/call best | CPU µs/call median | ratio (median) | KB/call | ratio | wall µs/call median | JIT µs/call median | pool work items/call | GC pause µs/call | GCs (gen 0/1/2) in the rounds | ratio of paired rounds (median) |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            for (var i = 0; i < rows.Length; i++)
                Console.WriteLine($"| {rows[i].Name} | {cpu[i].Min():0.0} | {Median(cpu[i]):0.0} | {Median(cpu[i]) / Median(cpu[0]):0.00} | " +
                                  $"{Median(bytes[i]):0.00} | {Median(bytes[i]) / Median(bytes[0]):0.00} | {Median(wall[i]):0.0} | {Median(jit[i]):0.0} | {Median(workItems[i]):0.00} | {Median(gcPause[i]):0.0} | {gcCounts[i].Sum(g => g.Item1)}/{gcCounts[i].Sum(g => g.Item2)}/{gcCounts[i].Sum(g => g.Item3)} | " +
                                  $"{Median(cpu[i].Select((value, round) => value / cpu[0][round]).ToList()):0.00} |");
        }
        finally
        {
            bench.Cleanup();
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }
}
