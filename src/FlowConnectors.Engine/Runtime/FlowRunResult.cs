using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Runtime;

/// <summary>What a run or a resume produced. <see cref="State"/> is what to persist.</summary>
public sealed class FlowRunResult
{
    internal FlowRunResult(FlowInstanceState state, IReadOnlyList<JournalEntry> journal, IReadOnlyList<LogEntry> logs)
    {
        State = state;
        Journal = journal;
        Logs = logs;
    }

    public FlowInstanceState State { get; }
    public FlowStatus Status => State.Status;
    public FlowFault? Fault => State.Fault;
    public IReadOnlyDictionary<string, JsonNode?> Outputs => State.Output;
    public IReadOnlyList<Bookmark> Bookmarks => State.Bookmarks;
    public IReadOnlyList<JournalEntry> Journal { get; }
    public IReadOnlyList<LogEntry> Logs { get; }

    /// <summary>The outputs as one JSON object, in the flow's declared order.</summary>
    public JsonObject OutputsAsJson()
    {
        var result = new JsonObject();
        foreach (var (key, value) in State.Output) result[key] = value?.DeepClone();
        return result;
    }
}

/// <summary>Flow inputs that do not match the flow's declared inputs; every problem is listed.</summary>
public sealed class FlowInputException(IReadOnlyList<string> problems)
    : Exception("invalid flow input: " + string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
