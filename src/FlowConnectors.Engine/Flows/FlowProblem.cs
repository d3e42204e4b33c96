namespace FlowConnectors.Engine.Flows;

public enum ProblemSeverity
{
    Error,
    Warning,
}

/// <summary>One problem found in a flow: where (JSON path, node id), what (stable code, message).</summary>
public sealed record FlowProblem(ProblemSeverity Severity, string Code, string Path, string Message, string? NodeId = null)
{
    public bool IsError => Severity == ProblemSeverity.Error;

    public override string ToString() => $"{Path}: {(IsError ? "" : "warning: ")}{Message}";
}

/// <summary>Builds JSON paths the way problems print them: <c>$.nodes[2].inputs.code</c>.</summary>
public static class JsonPath
{
    public static string Property(string parent, string name) =>
        IsPlain(name) ? $"{parent}.{name}" : $"{parent}[{System.Text.Json.JsonSerializer.Serialize(name)}]";

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    private static bool IsPlain(string name) =>
        name.Length > 0 && !char.IsDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '$');
}

/// <summary>Thrown when a flow cannot be loaded or compiled; carries every problem found.</summary>
public sealed class FlowValidationException(IReadOnlyList<FlowProblem> problems)
    : Exception(FormatMessage(problems))
{
    public IReadOnlyList<FlowProblem> Problems { get; } = problems;

    private static string FormatMessage(IReadOnlyList<FlowProblem> problems)
    {
        var errors = problems.Where(p => p.IsError).ToList();
        return errors.Count == 1
            ? $"flow is invalid: {errors[0]}"
            : $"flow is invalid ({errors.Count} problems): " + string.Join("; ", errors.Take(5).Select(p => p.ToString()));
    }
}
