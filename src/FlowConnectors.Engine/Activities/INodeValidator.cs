using System.Text.Json.Nodes;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Engine.Activities;

/// <summary>
/// Implemented by activities that check more than their descriptor says (a variable name that must
/// be declared, outcomes that depend on an input). Called at validation time on a fresh instance.
/// </summary>
public interface INodeValidator
{
    void Validate(NodeValidationContext context);
}

public sealed class NodeValidationContext
{
    private readonly List<FormatProblem> _problems;

    internal NodeValidationContext(FlowDefinition flow, FlowNode node, string path, List<FormatProblem> problems)
    {
        Flow = flow;
        Node = node;
        Path = path;
        _problems = problems;
    }

    public FlowDefinition Flow { get; }
    public FlowNode Node { get; }
    /// <summary>JSON path of the node, e.g. <c>$.nodes[3]</c>.</summary>
    public string Path { get; }
    internal List<string>? DeclaredOutcomes { get; private set; }

    public string InputPath(string input) => JsonPath.Property(JsonPath.Property(Path, "inputs"), input);

    /// <summary>The input's value when it is a literal (no expression inside).</summary>
    public bool TryGetLiteral(string input, out JsonNode? value)
    {
        value = null;
        if (!Node.Inputs.TryGetValue(input, out var raw) || ExpressionCompiler.ContainsExpression(raw)) return false;
        value = ExpressionCompiler.Unwrap(raw);
        return true;
    }

    public void AddError(string code, string? input, string message) =>
        _problems.Add(FormatProblem.Error(code, input is null ? Path : InputPath(input), message, Node.Id));

    public void AddWarning(string code, string? input, string message) =>
        _problems.Add(FormatProblem.Warning(code, input is null ? Path : InputPath(input), message, Node.Id));

    /// <summary>Outcomes this node has given its inputs (in addition to <c>fault</c>).</summary>
    public void DeclareOutcomes(IEnumerable<string> outcomes) => DeclaredOutcomes = outcomes.ToList();
}
