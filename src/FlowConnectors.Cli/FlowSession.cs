using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Cli;

/// <summary>How run and resume report a result.</summary>
/// <param name="StateOut">Where to save a suspended instance, as given (resolved against <paramref name="Directory"/>).</param>
internal sealed record ReportOptions(bool FullJournal, string? StateOut, bool NoWait, string FlowPath, WorkingDirectory Directory);

/// <summary>
/// Carries a run or a resume to its end the way a host would: fires due delays itself, then
/// reports outputs (stdout), logs, journal, fault or bookmarks (stderr) and picks the exit code.
/// Shared by <c>run</c> and <c>resume</c> so both behave the same.
/// </summary>
internal sealed class FlowSession(CliOutput output, FlowEngine engine, CompiledFlow flow, ReportOptions options)
{
    private const int SummaryHead = 100;
    private const int SummaryTail = 100;
    private readonly List<JournalEntry> _journal = [];
    private readonly List<LogEntry> _logs = [];

    public static FlowEngine CreateEngine(string flowPath, WorkingDirectory directory, Http.Network.NetworkPolicy network) => new(new FlowEngineOptions
    {
        Registry = CliActivities.Create(),
        Flows = new DirectoryFlowProvider(Path.GetDirectoryName(Path.GetFullPath(directory.Resolve(flowPath)))!),
        // HTTP nodes send through a client that applies the network policy.
        Services = Http.HttpServices.AddFlowHttp(new ServiceCollection(), network: network)
            .BuildServiceProvider(),
    });

    public async Task<int> CompleteAsync(Func<Task<FlowRunResult>> start, CancellationToken cancellationToken)
    {
        FlowRunResult result;
        try
        {
            result = await start();
        }
        catch (FlowInputException e)
        {
            foreach (var problem in e.Problems) output.Error(problem);
            return ExitCodes.Usage;
        }
        catch (FlowStateException e)
        {
            output.Error(e.Message);
            return ExitCodes.Usage;
        }
        Collect(result);
        while (!options.NoWait && OnlyDelays(result) is { } due)
        {
            var wait = due.At - engine.Options.Clock.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                output.Note($"waiting {wait.TotalMilliseconds:0} ms for delay in node '{due.Bookmark.NodeId}' (until {due.At:O})");
                try { await Task.Delay(wait, engine.Options.Clock, cancellationToken); }
                catch (OperationCanceledException) { break; }
            }
            result = await engine.ResumeAsync(flow, result.State, due.Bookmark.Id, null, cancellationToken);
            Collect(result);
        }
        return Report(result);
    }

    private void Collect(FlowRunResult result)
    {
        _journal.AddRange(result.Journal);
        _logs.AddRange(result.Logs);
    }

    /// <summary>The earliest delay when every bookmark is a delay (nothing else could wake the flow).</summary>
    private static (Bookmark Bookmark, DateTimeOffset At)? OnlyDelays(FlowRunResult result)
    {
        if (result.Status != FlowStatus.Suspended || result.Bookmarks.Count == 0) return null;
        if (result.Bookmarks.Any(b => b.Name != "delay")) return null;
        return result.Bookmarks.Select(b => (Bookmark: b, At: ResumeAt(b))).OrderBy(d => d.At).First();
    }

    private static DateTimeOffset ResumeAt(Bookmark bookmark) =>
        bookmark.Payload?["resumeAt"] is JsonValue v && v.TryGetValue<string>(out var text) &&
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : DateTimeOffset.MinValue;

    private int Report(FlowRunResult result)
    {
        // Saved first: if the state cannot be written, nothing claims the run is resumable.
        if (result.Status == FlowStatus.Suspended && options.StateOut is { } stateFile) WriteState(options.Directory.Resolve(stateFile), stateFile, result.State);
        foreach (var log in _logs) output.Note($"log {log.Level} {log.NodeId}: {CliOutput.OneLine(log.Message)}");
        if (options.FullJournal) output.WriteJson(output.Err, JournalJson());
        else WriteSummary();
        output.WriteJson(output.Out, Outputs(result));
        switch (result.Status)
        {
            case FlowStatus.Finished:
                return ExitCodes.Ok;
            case FlowStatus.Suspended:
                foreach (var bookmark in result.Bookmarks)
                    output.Note($"waiting: {bookmark.Name} {CliOutput.Json(bookmark.Payload, indented: false)} (bookmark {bookmark.Id}, node '{bookmark.NodeId}')");
                if (options.StateOut is { } stateOut)
                {
                    var first = result.Bookmarks.Count > 0 ? result.Bookmarks[0].Id : "<id>";
                    output.Note($"state saved to {stateOut}; continue with: flowc resume {stateOut} --flow {options.FlowPath} --bookmark {first} --payload-json '<json>'");
                }
                else
                {
                    output.Note("the instance is suspended; run again with --state-out <file> to save it for 'flowc resume'");
                }
                return ExitCodes.Suspended;
            default:
                output.Error(result.Fault?.ToString() ?? $"the flow ended {result.Status.ToString().ToLowerInvariant()}");
                return ExitCodes.Failed;
        }
    }

    private static void WriteState(string file, string shown, FlowInstanceState state)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(file));
            if (directory is not null) Directory.CreateDirectory(directory);
            File.WriteAllText(file, state.ToJson());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write state to {shown}: {e.Message}");
        }
    }

    /// <summary>The outputs in the flow's declared order.</summary>
    private JsonObject Outputs(FlowRunResult result)
    {
        var outputs = new JsonObject();
        foreach (var declared in flow.Definition.Outputs)
            if (result.Outputs.TryGetValue(declared.Name, out var value)) outputs[declared.Name] = value?.DeepClone();
        foreach (var (name, value) in result.Outputs)
            if (!outputs.ContainsKey(name)) outputs[name] = value?.DeepClone();
        return outputs;
    }

    /// <summary>One line per node execution; a very long journal shows its first and last lines.</summary>
    private void WriteSummary()
    {
        if (_journal.Count == 0) return;
        var idWidth = Math.Min(40, _journal.Max(j => j.NodeId.Length));
        var typeWidth = _journal.Max(j => j.ActivityType.Length);
        var outcomeWidth = Math.Min(20, _journal.Max(j => (j.Outcome ?? "").Length));
        for (var i = 0; i < _journal.Count; i++)
        {
            if (_journal.Count > SummaryHead + SummaryTail && i == SummaryHead)
            {
                var skipped = _journal.Count - SummaryHead - SummaryTail;
                output.Note($"  ... {skipped:N0} more steps (use --journal for all) ...");
                i = _journal.Count - SummaryTail;
            }
            var entry = _journal[i];
            var line = $"  {entry.NodeId.PadRight(idWidth)}  {entry.ActivityType.PadRight(typeWidth)}  {(entry.Outcome ?? "").PadRight(outcomeWidth)}  {entry.Duration.TotalMilliseconds,8:0.0} ms";
            if (entry.Error is { } error) line += "  " + CliOutput.OneLine(error);
            output.Note(line);
        }
    }

    private JsonArray JournalJson()
    {
        var entries = new JsonArray();
        foreach (var entry in _journal)
        {
            entries.Add(new JsonObject
            {
                ["nodeId"] = entry.NodeId,
                ["activityType"] = entry.ActivityType,
                ["startedAt"] = entry.StartedAt.ToString("O", CultureInfo.InvariantCulture),
                ["durationMs"] = Math.Round(entry.Duration.TotalMilliseconds, 3),
                ["outcome"] = entry.Outcome,
                ["inputs"] = Copy(entry.Inputs),
                ["outputs"] = Copy(entry.Outputs),
                ["error"] = entry.Error,
            });
        }
        return entries;
    }

    private static JsonObject? Copy(Dictionary<string, JsonNode?>? values)
    {
        if (values is null) return null;
        var copy = new JsonObject();
        foreach (var (key, value) in values) copy[key] = value?.DeepClone();
        return copy;
    }
}
