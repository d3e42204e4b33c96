using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Engine.Formats;

/// <summary>
/// One problem in one of our files (flow, connector manifest, card, collection template): which file
/// (relative to its folder; empty when the text came without one), where (JSON path), what (stable code,
/// message), how bad, and the node it concerns when it is in a flow's node.
/// </summary>
public sealed record FormatProblem(string File, string Path, string Code, string Message, ProblemSeverity Severity = ProblemSeverity.Error, string? NodeId = null)
{
    public bool IsError => Severity == ProblemSeverity.Error;

    /// <summary>An error in text read without a file name (a flow posted to the API, a template string).</summary>
    public static FormatProblem Error(string code, string path, string message, string? nodeId = null) =>
        new("", path, code, message, ProblemSeverity.Error, nodeId);

    public static FormatProblem Warning(string code, string path, string message, string? nodeId = null) =>
        new("", path, code, message, ProblemSeverity.Warning, nodeId);

    /// <summary>In a folder (<c>connector.json: $.key: CODE: …</c>) the file and code lead; alone, path and message.</summary>
    public override string ToString() => File.Length == 0
        ? $"{Path}: {(IsError ? "" : "warning: ")}{Message}"
        : $"{File}: {Path}: {(IsError ? "" : "warning: ")}{Code}: {Message}";
}
