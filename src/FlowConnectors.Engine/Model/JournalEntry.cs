using System.Text.Json.Nodes;

namespace FlowConnectors.Engine;

/// <summary>One execution of one node. Inputs and outputs marked secret are already redacted.</summary>
public sealed class JournalEntry
{
    public required string NodeId { get; init; }
    public required string ActivityType { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public TimeSpan Duration { get; set; }
    public Dictionary<string, JsonNode?>? Inputs { get; set; }
    public Dictionary<string, JsonNode?>? Outputs { get; set; }
    /// <summary>The outcome(s) taken, <c>fault</c>, or <c>suspended</c>.</summary>
    public string? Outcome { get; set; }
    public string? Error { get; set; }
    /// <summary>The server node that ran this step (set by the durable runtime; null outside it).</summary>
    public string? RunBy { get; set; }
}
