using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Values;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Engine.Runtime;

/// <summary>
/// Checks of how a flow hangs together that no single node can see: expressions naming nodes that do not
/// exist, start nodes nobody meant to be starts, and declared outputs that nothing sets.
/// </summary>
internal static partial class FlowWiringChecks
{
    /// <summary><c>nodes.id</c> (the id as an identifier) and <c>nodes["id"]</c> / <c>nodes['id']</c>, not part of a longer name.</summary>
    [GeneratedRegex("""(?<![A-Za-z0-9_$.])nodes\s*(?:\.\s*(?<dot>[A-Za-z_$][A-Za-z0-9_$]*)|\[\s*(?<q>["'])(?<bracket>[^"'\]]*)\k<q>\s*\])""")]
    private static partial Regex NodeReference();

    /// <summary>Every <c>nodes.x</c> in a JavaScript or template input where x is not a node of the flow is an error: it can never evaluate.</summary>
    public static void CheckNodeReferences(FlowDefinition flow, Func<string, ActivityType?> typeOf, List<FormatProblem> problems)
    {
        var ids = new HashSet<string>(flow.Nodes.Select(n => n.Id), StringComparer.Ordinal);
        for (var i = 0; i < flow.Nodes.Count; i++)
        {
            var node = flow.Nodes[i];
            var type = typeOf(node.Type);
            var inputsPath = JsonPath.Property(JsonPath.Index("$.nodes", i), "inputs");
            foreach (var (name, raw) in node.Inputs)
            {
                var editor = type?.FindInput(name)?.Descriptor.Editor;
                var codeInput = editor is "javascript" or "template" or "javascript-expression";
                foreach (var (code, path) in CodeIn(raw, JsonPath.Property(inputsPath, name), codeInput))
                    foreach (Match match in NodeReference().Matches(code))
                    {
                        var id = match.Groups["dot"].Success ? match.Groups["dot"].Value : match.Groups["bracket"].Value;
                        if (ids.Contains(id)) continue;
                        var dotted = ids.FirstOrDefault(n => n.StartsWith(id + ".", StringComparison.Ordinal) || n.StartsWith(id + "-", StringComparison.Ordinal));
                        var hint = dotted is not null
                            ? $"; node '{dotted}' is not an identifier: write nodes[\"{dotted}\"] or rename it"
                            : ids.Count == 0 ? "" : "; the nodes are " + string.Join(", ", ids.Order(StringComparer.Ordinal).Take(10));
                        problems.Add(FormatProblem.Error("UNKNOWN_NODE_REFERENCE", path,
                            $"'{match.Value.Trim()}' refers to no node of this flow{hint}", node.Id));
                    }
            }
        }
    }

    /// <summary>The JavaScript and template texts in an input value, with their paths.</summary>
    private static IEnumerable<(string Code, string Path)> CodeIn(JsonNode? value, string path, bool codeInput)
    {
        switch (value)
        {
            case JsonObject obj when ExpressionCompiler.TryGetExpression(obj, out var kind, out var content):
                if (kind != "literal" && JsonValues.TryGetString(content, out var code)) yield return (code, JsonPath.Property(path, kind));
                break;
            case JsonObject obj:
                foreach (var (key, child) in obj)
                    foreach (var found in CodeIn(child, JsonPath.Property(path, key), false)) yield return found;
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    foreach (var found in CodeIn(array[i], JsonPath.Index(path, i), false)) yield return found;
                break;
            default:
                if (codeInput && JsonValues.TryGetString(value, out var text)) yield return (text, path);
                break;
        }
    }

    /// <summary>
    /// Without an explicit <c>start</c>, every node without an incoming connection starts the flow. More than one is
    /// usually a deleted connection: each gets a warning; beside a trigger, a plain node reads "not connected".
    /// A trigger with an incoming connection never runs from it.
    /// </summary>
    public static void CheckStarts(FlowDefinition flow, IReadOnlyList<CompiledNode> starts, IReadOnlyList<CompiledNode> nodes, List<FormatProblem> problems)
    {
        var hasIncoming = new HashSet<string>(flow.Connections.Select(c => c.To), StringComparer.Ordinal);
        foreach (var node in nodes.Where(n => n.Type.Descriptor.IsTrigger && hasIncoming.Contains(n.Id)))
            problems.Add(FormatProblem.Warning("TRIGGER_CONNECTED", PathOf(flow, node),
                $"'{node.Id}' is a trigger: it starts the flow and never runs from an incoming connection", node.Id));
        if (flow.Start is not null || starts.Count < 2) return;
        var triggers = starts.Where(s => s.Type.Descriptor.IsTrigger).Select(s => s.Id).ToList();
        var names = string.Join(", ", starts.Select(s => s.Id));
        foreach (var start in starts)
        {
            if (triggers.Count > 0 && !start.Type.Descriptor.IsTrigger)
                problems.Add(FormatProblem.Warning("NOT_CONNECTED", PathOf(flow, start),
                    $"'{start.Id}' is not connected: nothing leads to it, so it runs on its own at the start beside trigger '{triggers[0]}'; connect it", start.Id));
            else if (triggers.Count == 0 || triggers.Count > 1)
                problems.Add(FormatProblem.Warning("MULTIPLE_STARTS", PathOf(flow, start),
                    $"'{start.Id}' is one of {starts.Count} start nodes ({names}), which all run at once; connect it, or set 'start' to the first node", start.Id));
        }
    }

    /// <summary>A declared output that no Set Output or Return node sets stays empty (unless something sets it by a computed name).</summary>
    public static void CheckOutputsSet(FlowDefinition flow, List<FormatProblem> problems)
    {
        if (flow.Outputs.Count == 0) return;
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in flow.Nodes)
        {
            if (node.Type == "SetOutput")
            {
                if (!node.Inputs.TryGetValue("name", out var name)) continue;
                if (!JsonValues.TryGetString(ExpressionCompiler.ContainsExpression(name) ? null : ExpressionCompiler.Unwrap(name), out var text)) return;
                set.Add(text);
            }
            else if (node.Type == "Return" && node.Inputs.TryGetValue("outputs", out var outputs))
            {
                if (outputs is not JsonObject obj || ExpressionCompiler.TryGetExpression(obj, out _, out _)) return;
                foreach (var (key, _) in obj) set.Add(key);
            }
        }
        for (var i = 0; i < flow.Outputs.Count; i++)
            if (!set.Contains(flow.Outputs[i].Name) && flow.Outputs[i].Name.Length > 0)
                problems.Add(FormatProblem.Warning("OUTPUT_NEVER_SET", JsonPath.Property(JsonPath.Index("$.outputs", i), "name"),
                    $"output '{flow.Outputs[i].Name}' is declared but no Set Output or Return node sets it"));
    }

    private static string PathOf(FlowDefinition flow, CompiledNode node) => JsonPath.Index("$.nodes", flow.Nodes.IndexOf(node.Definition));
}
