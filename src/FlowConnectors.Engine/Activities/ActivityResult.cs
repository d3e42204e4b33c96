namespace FlowConnectors.Engine.Activities;

/// <summary>What an activity execution asks the engine to do next.</summary>
public readonly struct ActivityResult
{
    public const string DoneOutcome = "done";
    public const string FaultOutcome = "fault";

    private ActivityResult(ActivityResultKind kind, string? outcome, string[]? outcomes, string? error = null)
    {
        Kind = kind;
        OutcomeName = outcome;
        OutcomeNames = outcomes;
        ErrorMessage = error;
    }

    internal ActivityResultKind Kind { get; }
    internal string? OutcomeName { get; }
    internal string[]? OutcomeNames { get; }
    /// <summary>Set when the outcome signals an error: the fault message when nothing is connected to it.</summary>
    internal string? ErrorMessage { get; }

    public static ActivityResult Done { get; } = new(ActivityResultKind.Outcome, DoneOutcome, null);

    /// <summary>Continue along the connections of one outcome.</summary>
    public static ActivityResult Outcome(string name) => new(ActivityResultKind.Outcome, name, null);

    /// <summary>
    /// Continue along an outcome that signals an error (an HTTP 500): connected, it is handled like any outcome;
    /// with nothing connected the node faults with <paramref name="message"/>.
    /// </summary>
    public static ActivityResult ErrorOutcome(string name, string message) => new(ActivityResultKind.Outcome, name, null, message);

    /// <summary>Continue along the connections of several outcomes at once (parallel branches).</summary>
    public static ActivityResult Outcomes(params string[] names) => new(ActivityResultKind.Outcome, null, names);

    /// <summary>Wait: the activity created at least one bookmark and is resumed through it.</summary>
    public static ActivityResult Suspend { get; } = new(ActivityResultKind.Suspend, null, null);

    /// <summary>End the whole flow now, successfully; pending branches are dropped.</summary>
    public static ActivityResult FinishFlow { get; } = new(ActivityResultKind.FinishFlow, null, null);

    public static ValueTask<ActivityResult> DoneTask => ValueTask.FromResult(Done);
}

internal enum ActivityResultKind
{
    Outcome,
    Suspend,
    FinishFlow,
}
