using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.ServerBench;

/// <summary>Figures of the timer phase: how late each one-second Delay resumed.</summary>
internal sealed record TimerResult(int Instances, TimeSpan StartPosts, TimeSpan UntilFinished, int StartErrors, int Finished, List<double> LatenessMs)
{
    public double Percentile(double p)
    {
        if (LatenessMs.Count == 0) return double.NaN;
        var sorted = LatenessMs.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>
/// N instances of delay.flow.json (Delay 1 s → Return) started at once; each one's lateness is the time from its
/// due time (the Delay node's start plus one second, from its journal) to the resume (the Return node's start).
/// </summary>
internal static class TimerBench
{
    public static async Task<TimerResult> RunAsync(HttpClient api, Rows rows, int count, int connections, TimeSpan limit)
    {
        var started = new ConcurrentBag<string>();
        var startErrors = 0;
        var clock = Stopwatch.StartNew();
        await LoadGenerator.ForEachAsync(Enumerable.Range(0, count).ToList(), connections, async _ =>
        {
            using var response = await api.PostAsync("/api/flows/delay/run", new StringContent("""{"mode":"async"}""", Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.Accepted && (string?)JsonNode.Parse(text)?["instanceId"] is { } id) started.Add(id);
            else Interlocked.Increment(ref startErrors);
        });
        var startPosts = clock.Elapsed;
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        long finished;
        while ((finished = await rows.CountAsync("delay", "Finished")) < started.Count && Stopwatch.GetTimestamp() < deadline)
            await Task.Delay(100);
        var untilFinished = clock.Elapsed;
        // Ticks (100 ns) as SQLite stores times; the Delay node has an entry when it suspends and one when it resumes.
        var lateness = await rows.ListAsync("""
            SELECT (r.StartedAt - (SELECT MIN(d.StartedAt) FROM JournalEntries d WHERE d.InstanceId = r.InstanceId AND d.NodeId = 'wait')) / 10000.0 - 1000.0
            FROM JournalEntries r JOIN Instances i ON i.Id = r.InstanceId
            WHERE i.FlowId = 'delay' AND r.NodeId = 'done'
            """);
        return new TimerResult(started.Count, startPosts, untilFinished, startErrors, (int)finished, lateness);
    }
}
