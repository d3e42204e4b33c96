namespace FlowConnectors.Engine.Activities;

/// <summary>What an activity execution asks the engine to do next.</summary>
public readonly struct ActivityResult
{
    public const string DoneOutcome = "done";
    public const string FaultOutcome = "fault";

    private ActivityResult(ActivityResultKind kind, string? outcome, string[]? outcomes)
    {
        Kind = kind;
        OutcomeName = outcome;
        OutcomeNames = outcomes;
    }

    internal ActivityResultKind Kind { get; }
    internal string? OutcomeName { get; }
    internal string[]? OutcomeNames { get; }

    public static ActivityResult Done { get; } = new(ActivityResultKind.Outcome, DoneOutcome, null);

    /// <summary>Continue along the connections of one outcome.</summary>
    public static ActivityResult Outcome(string name) => new(ActivityResultKind.Outcome, name, null);

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
