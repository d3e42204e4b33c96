using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Engine.Flows;

public enum ProblemSeverity
{
    Error,
    Warning,
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
public sealed class FlowValidationException(IReadOnlyList<FormatProblem> problems)
    : Exception(FormatMessage(problems))
{
    public IReadOnlyList<FormatProblem> Problems { get; } = problems;

    private static string FormatMessage(IReadOnlyList<FormatProblem> problems)
    {
        var errors = problems.Where(p => p.IsError).ToList();
        return errors.Count == 1
            ? $"flow is invalid: {errors[0]}"
            : $"flow is invalid ({errors.Count} problems): " + string.Join("; ", errors.Take(5).Select(p => p.ToString()));
    }
}
