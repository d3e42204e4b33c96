namespace FlowConnectors.Engine.Expressions;

/// <summary>Sandbox limits for JavaScript and templates. Every evaluation is held to all of them.</summary>
public sealed record ScriptLimits
{
    /// <summary>
    /// How long one evaluation may run, JavaScript and templates alike, and each regular expression in them
    /// (a regular expression cannot be interrupted, so this also bounds how late a cancelled one stops).
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>
    /// Bytes a single evaluation may allocate (Jint counts allocation, not live memory, so this is a
    /// budget generous enough for data transforms and tight enough to stop a runaway script).
    /// </summary>
    public long MemoryBytes { get; init; } = 256 * 1024 * 1024;
    public int RecursionDepth { get; init; } = 256;
    public int MaxStatements { get; init; } = 1_000_000;
    /// <summary>The longest string an expression or template may produce.</summary>
    public int MaxStringLength { get; init; } = 10 * 1024 * 1024;
    /// <summary>
    /// The size of one result, in characters of its strings and keys (a few more per other value): a script
    /// returning a million copies of one string is refused while it is converted, not persisted.
    /// </summary>
    public long MaxResultLength { get; init; } = 32 * 1024 * 1024;
    public int TemplateLoopLimit { get; init; } = 100_000;

    public static ScriptLimits Default { get; } = new();
}
