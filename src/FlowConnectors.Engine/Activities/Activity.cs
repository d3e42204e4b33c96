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

    /// <summary>
    /// Asked when this execution failed and the node's error policy has retries left: whether another attempt can
    /// help, and how long the vendor asked to wait (an HTTP 429/503's Retry-After). <paramref name="errorOutcome"/>
    /// is the error outcome taken, or null when the activity threw. By default every failure is worth a retry.
    /// </summary>
    protected internal virtual RetryAdvice AdviseRetry(string? errorOutcome, TimeProvider clock) => RetryAdvice.Retry;
}

/// <summary>What a failed activity says about trying it again (<see cref="Activity.AdviseRetry"/>).</summary>
/// <param name="ShouldRetry">False when another attempt would fail the same way (an HTTP 400).</param>
/// <param name="After">The wait the other side asked for (Retry-After); null to use the policy's delay.</param>
public readonly record struct RetryAdvice(bool ShouldRetry, TimeSpan? After = null)
{
    public static RetryAdvice Retry => new(true);
    public static RetryAdvice DoNotRetry => new(false);
}
