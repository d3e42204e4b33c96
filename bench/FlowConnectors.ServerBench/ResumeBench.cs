using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.ServerBench;

/// <summary>Figures of the resume phase.</summary>
internal sealed record ResumeResult(
    int Instances, TimeSpan StartPosts, TimeSpan UntilSuspended, TimeSpan CallbackPosts, TimeSpan UntilFinished,
    int StartErrors, int CallbackErrors, int Finished, int Faulted, string? Decision, string? FirstError, TimeSpan ResumeCpu, long ResumeAllocated)
{
    public double ResumesPerSecond => Finished / UntilFinished.TotalSeconds;
}

/// <summary>
/// N instances of resume.flow.json suspended on Wait for Callback, then every callback URL posted at
/// once; timed until all instances are finished (callback stored, background resume, state saved).
/// </summary>
internal static class ResumeBench
{
    // The counts are read in this process, so each poll's SQLite reads (every write elsewhere empties the page cache of the
    // reading connection) are CPU the server loses: every 25 ms took a large share of it on a loaded machine (perf, 2026-12-03).
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(100);

    public static async Task<ResumeResult> RunAsync(HttpClient api, HttpClient callbacks, Rows rows, int count, int connections, TimeSpan limit)
    {
        string? firstError = null;
        void Fail(string error) => Interlocked.CompareExchange(ref firstError, error, null);

        // Instances of an earlier round have all ended, and the server keeps at most 10,000 ended runs of a flow (retention): a
        // round counts those of its instances still waiting, not finished rows.
        var faultedBefore = await rows.CountAsync("resume", "Faulted");

        // 1. Start the instances (async: 202 at once, the run goes on in the background).
        var ids = new ConcurrentBag<string>();
        var startErrors = 0;
        var clock = Stopwatch.StartNew();
        await LoadGenerator.ForEachAsync(Enumerable.Range(0, count).ToList(), connections, async _ =>
        {
            using var response = await api.PostAsync("/api/flows/resume/run", Json("""{"mode":"async"}"""));
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.Accepted && (string?)JsonNode.Parse(text)?["instanceId"] is { } id) ids.Add(id);
            else
            {
                Interlocked.Increment(ref startErrors);
                Fail($"start: HTTP {(int)response.StatusCode} {LoadGenerator.Truncate(text)}");
            }
        });
        var startPosts = clock.Elapsed;

        // 2. Wait until all are suspended on their callback.
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (await rows.CountAsync("resume", "Suspended") < ids.Count)
        {
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"not all {ids.Count} instances suspended within {limit.TotalSeconds} s");
            await Task.Delay(PollEvery);
        }
        var untilSuspended = clock.Elapsed;

        // 3. Read each callback URL from the instance's outputs (stored at suspension).
        var urls = new ConcurrentBag<string>();
        await LoadGenerator.ForEachAsync(ids.ToList(), connections, async id =>
        {
            var instance = JsonNode.Parse(await api.GetStringAsync($"/api/instances/{id}"))!;
            if ((string?)instance["outputs"]?["callbackUrl"] is { } url) urls.Add(url);
            else Fail($"instance {id} has no callbackUrl output: {LoadGenerator.Truncate(instance.ToJsonString())}");
        });
        if (urls.Any(u => !u.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)))
            throw new InvalidOperationException("a callback URL is not on 127.0.0.1");

        // 4. Post every callback URL (without the API key, as a vendor does: the token is the credential) and wait until all are finished.
        var callbackErrors = 0;
        clock.Restart();
        // CPU of this process (client, server and the runtime's own threads: JIT, GC) from the first callback POST to the last
        // resume: what a loaded machine's neighbours change least.
        var cpuAtPosts = Process.GetCurrentProcess().TotalProcessorTime;
        // Bytes allocated by this process over the same stretch: a figure the machine's load does not change.
        var allocatedAtPosts = GC.GetTotalAllocatedBytes(precise: true);
        await LoadGenerator.ForEachAsync(urls.ToList(), connections, async url =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = Json("""{"decision":"approved"}""") };
            using var response = await callbacks.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                Interlocked.Increment(ref callbackErrors);
                Fail($"callback: HTTP {(int)response.StatusCode} {LoadGenerator.Truncate(text)}");
            }
        });
        var callbackPosts = clock.Elapsed;
        deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        int finished, faulted = 0;
        // Those whose callback failed still wait; the others are resumed and saved ended.
        while (await rows.CountAsync("resume", "Suspended", "Running") > ids.Count - urls.Count + callbackErrors)
        {
            if (Stopwatch.GetTimestamp() > deadline) break;
            await Task.Delay(PollEvery);
        }
        var untilFinished = clock.Elapsed;
        var resumeCpu = Process.GetCurrentProcess().TotalProcessorTime - cpuAtPosts;
        var resumeAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedAtPosts;
        faulted = (int)(await rows.CountAsync("resume", "Faulted") - faultedBefore);
        finished = ids.Count - (int)await rows.CountAsync("resume", "Suspended", "Running") - faulted;

        string? decision = null;
        if (!ids.IsEmpty)
            decision = (string?)JsonNode.Parse(await api.GetStringAsync($"/api/instances/{ids.First()}"))!["outputs"]?["decision"];
        return new ResumeResult(ids.Count, startPosts, untilSuspended, callbackPosts, untilFinished, startErrors, callbackErrors,
            finished, faulted, decision, firstError, resumeCpu, resumeAllocated);
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}
