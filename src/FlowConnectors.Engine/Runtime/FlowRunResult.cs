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

    /// <summary>
    /// The values this run knew to be secret (connection credentials, auth headers, secret inputs). A host that
    /// runs this flow on behalf of another run registers them there too, so neither records them.
    /// </summary>
    public IReadOnlyCollection<string> Secrets => State.Secrets?.Values ?? [];

    /// <summary>
    /// The outputs as one JSON object, in the flow's declared order, with the run's secrets masked: this is
    /// what leaves the run (an API answer, another flow's input). <see cref="Outputs"/> holds them as set.
    /// </summary>
    public JsonObject OutputsAsJson()
    {
        var result = RawOutputsAsJson(runValue: false);
        return State.Secrets is { IsEmpty: false } secrets ? (JsonObject)secrets.RedactInPlace(result)! : result;
    }

    /// <summary>
    /// The outputs as set, copied sharing their parsed text; <paramref name="runValue"/> when the copy becomes a value
    /// of another run (a caller's node outputs), which is never changed in place (<see cref="Values.ParsedJson"/>).
    /// </summary>
    internal JsonObject RawOutputsAsJson(bool runValue)
    {
        var result = new JsonObject();
        // Parsed text is shared, not copied: the outputs are read and passed on, never changed in place.
        foreach (var (key, value) in State.Output) result[key] = Values.JsonValues.CopySharingText(value, runValue);
        return result;
    }
}

/// <summary>One mismatch between a run's inputs and the flow's declared inputs: the input it is about, and what is wrong.</summary>
public sealed record FlowInputProblem(string Input, string Message);

/// <summary>Flow inputs that do not match the flow's declared inputs; every problem is listed.</summary>
public sealed class FlowInputException(IReadOnlyList<FlowInputProblem> problems)
    : Exception("invalid flow input: " + string.Join("; ", problems.Select(p => p.Message)))
{
    /// <summary>What is wrong, one line per problem.</summary>
    public IReadOnlyList<string> Problems { get; } = [.. problems.Select(p => p.Message)];

    /// <summary>The same problems with the input each is about (for a JSON path such as <c>$.inputs.who</c>).</summary>
    public IReadOnlyList<FlowInputProblem> Details { get; } = problems;
}
