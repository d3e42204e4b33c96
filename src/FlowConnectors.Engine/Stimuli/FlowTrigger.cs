using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Stimuli;

/// <summary>
/// A trigger an activity declares for its node (<see cref="Activities.Activity.DeclareTrigger"/>): the stimulus
/// that starts the flow (its hash indexes the trigger), what a host needs to apply the trigger's rules
/// (<see cref="Config"/>), and, for a schedule, when it first fires and the data its recurring timer keeps.
/// </summary>
public sealed record FlowTrigger(string NodeId, string Kind, Stimulus Stimulus, JsonObject Config)
{
    /// <summary>When a timed trigger (a schedule) fires next; null for triggers started from outside.</summary>
    public DateTimeOffset? FirstDue { get; init; }

    /// <summary>What the durable timer of a recurring trigger keeps to compute its next occurrence.</summary>
    public JsonNode? TimerData { get; init; }
}

/// <summary>The triggers of a flow and the problems (logged, not fatal) of trigger nodes that could not be declared.</summary>
public sealed record FlowTriggers(IReadOnlyList<FlowTrigger> Triggers, IReadOnlyList<string> Problems);
