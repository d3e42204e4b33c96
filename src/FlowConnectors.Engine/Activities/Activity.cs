namespace FlowConnectors.Engine.Activities;

/// <summary>
/// Base of every node type. A subclass declares its inputs and outputs as properties marked with
/// <see cref="InputAttribute"/> and <see cref="OutputAttribute"/>, its outcomes with
/// <see cref="OutcomesAttribute"/>, and its identity with <see cref="ActivityAttribute"/>; the
/// descriptor the designer and the validator use is derived from exactly that.
/// </summary>
/// <remarks>
/// The engine creates a fresh instance for every execution and sets the input properties from
/// the evaluated node inputs, so an activity is plain data plus one method and can be run in a
/// test with <c>ActivityRunner.RunAsync(new MyActivity { ... })</c>.
/// </remarks>
public abstract class Activity
{
    /// <summary>Runs the activity once. Return an outcome, or suspend after creating a bookmark.</summary>
    protected internal abstract ValueTask<ActivityResult> ExecuteAsync(ActivityContext context);

    /// <summary>
    /// Called when a bookmark this activity created is resumed, with the stimulus payload.
    /// Inputs are evaluated again before the call; <see cref="ActivityContext.NodeState"/> holds
    /// whatever the activity kept when it suspended.
    /// </summary>
    protected internal virtual ValueTask<ActivityResult> ResumeAsync(ActivityContext context, Bookmark bookmark, System.Text.Json.Nodes.JsonNode? payload)
        => throw new ActivityFaultException($"activity '{GetType().Name}' cannot be resumed");

    /// <summary>
    /// A trigger activity (<see cref="ActivityAttribute.Trigger"/>) declares the trigger its node in
    /// <paramref name="flow"/> registers, from the node's literal inputs: null when the node registers none;
    /// a problem that keeps it from registering goes to <paramref name="problems"/>. Called on a fresh instance
    /// whose inputs are not set, when a flow is published, never during a run.
    /// </summary>
    protected internal virtual Stimuli.FlowTrigger? DeclareTrigger(Flows.FlowDefinition flow, Flows.FlowNode node, DateTimeOffset now, ICollection<string> problems) => null;
}
