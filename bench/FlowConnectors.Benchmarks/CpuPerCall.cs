using System.Diagnostics;

namespace FlowConnectors.Benchmarks;

/// <summary>
/// <c>--cpu [calls] [rounds] [row]</c>: the rows of <see cref="ConnectorBenchmarks"/> measured by process CPU time and
/// allocated bytes per call instead of wall time. On a machine shared with other work, wall time measures the
/// queue for a core; the CPU time the process spent per call does not (much). The rows take turns, round after
/// round, so a burst of load elsewhere hits all of them; the best and the median round are printed. CPU time and
/// allocation are process-wide, so both include the in-process Kestrel server's share of each request in every row.
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
            foreach (var row in rows)
                for (var i = 0; i < calls; i++) await row.Call();
            var cpu = rows.Select(_ => new List<double>()).ToArray();
            var bytes = rows.Select(_ => new List<double>()).ToArray();
            var wall = rows.Select(_ => new List<double>()).ToArray();
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
                    for (var k = 0; k < calls; k++) await rows[i].Call();
                    var elapsed = Stopwatch.GetElapsedTime(wall0);
                    var allocated = GC.GetTotalAllocatedBytes(precise: true) - bytes0;
                    process.Refresh();
                    cpu[i].Add((process.TotalProcessorTime - cpu0).TotalMicroseconds / calls);
                    bytes[i].Add(allocated / 1024.0 / calls);
                    wall[i].Add(elapsed.TotalMicroseconds / calls);
                }
            }
            Console.WriteLine($"[cpu] {calls:N0} calls per row per round, {rounds} rounds, load average {LoadAverage()}");
            Console.WriteLine("| row | CPU µs/call best | CPU µs/call median | ratio (median) | KB/call | ratio | wall µs/call median |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            for (var i = 0; i < rows.Length; i++)
                Console.WriteLine($"| {rows[i].Name} | {cpu[i].Min():0.0} | {Median(cpu[i]):0.0} | {Median(cpu[i]) / Median(cpu[0]):0.00} | " +
                                  $"{Median(bytes[i]):0.00} | {Median(bytes[i]) / Median(bytes[0]):0.00} | {Median(wall[i]):0.0} |");
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
