namespace FlowConnectors.Engine.Activities;

/// <summary>
/// The named outcomes (ports) of an activity. Without this attribute an activity has the single
/// outcome <c>done</c>. Every activity also has <c>fault</c>, added by the engine.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class OutcomesAttribute(params string[] names) : Attribute
{
    public string[] Names { get; } = names;

    /// <summary>The activity may pick outcome names at run time (e.g. <c>setOutcome</c> in JavaScript).</summary>
    public bool Dynamic { get; init; }

    /// <summary>
    /// The outcome whose branch is a loop body: the engine runs it in its own scope and executes the
    /// activity again (a continuation) once everything started from it has finished.
    /// </summary>
    public string? LoopBody { get; init; }

    /// <summary>
    /// Outcomes that signal an error (an HTTP 5xx): taken with nothing connected to them, they fault the node
    /// instead of ending the branch quietly. An activity may also mark any outcome it picks as an error at run time.
    /// </summary>
    public string[] Errors { get; init; } = [];
}
