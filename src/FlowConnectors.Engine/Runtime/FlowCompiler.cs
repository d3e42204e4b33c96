using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Values;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Engine.Runtime;

/// <summary>
/// Validates a flow and builds its executable form in one pass, collecting every problem with its
/// JSON path: unknown types, duplicate ids, bad connections, missing or mistyped inputs, script
/// syntax, undeclared names, unreachable nodes.
/// </summary>
internal sealed partial class FlowCompiler(ActivityRegistry registry, ExpressionCompiler expressions)
{
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]*$")]
    private static partial Regex IdentifierPattern();

    public (CompiledFlow? Flow, List<FormatProblem> Problems) Compile(FlowDefinition flow)
    {
        var problems = new List<FormatProblem>();
        CheckFlowHeader(flow, problems);

        var nodes = new List<CompiledNode>();
        var byId = new Dictionary<string, CompiledNode>(StringComparer.Ordinal);
        var declaredOutcomes = new Dictionary<string, List<string>?>(StringComparer.Ordinal);
        for (var i = 0; i < flow.Nodes.Count; i++)
        {
            var node = flow.Nodes[i];
            var path = JsonPath.Index("$.nodes", i);
            if (node.Id.Length == 0)
            {
                problems.Add(FormatProblem.Error("INVALID_ID", JsonPath.Property(path, "id"), "node id must not be empty"));
                continue;
            }
            if (node.Id.Length > FlowDefinition.MaxIdLength)
                problems.Add(FormatProblem.Error("INVALID_ID", JsonPath.Property(path, "id"),
                    $"node id '{node.Id[..20]}…' is {node.Id.Length:N0} characters long; an id may be at most {FlowDefinition.MaxIdLength}", node.Id));
            else if (!IdentifierPattern().IsMatch(node.Id))
                problems.Add(FormatProblem.Error("INVALID_ID", JsonPath.Property(path, "id"),
                    $"node id '{node.Id}' must start with a letter or '_' and hold only letters, digits, '_', '-' and '.'", node.Id));
            if (byId.ContainsKey(node.Id))
            {
                problems.Add(FormatProblem.Error("DUPLICATE_NODE_ID", JsonPath.Property(path, "id"), $"node id '{node.Id}' is used twice", node.Id));
                continue;
            }
            var type = registry.FindType(node.Type);
            if (type is null)
            {
                if (node.Type.Length > 0)
                    problems.Add(FormatProblem.Error("UNKNOWN_ACTIVITY", JsonPath.Property(path, "type"),
                        $"unknown activity type '{node.Type}'{Suggest(node.Type)}", node.Id));
                byId[node.Id] = null!;
                continue;
            }
            var compiled = new CompiledNode(nodes.Count, node, type, CompileInputs(flow, node, type, path, problems));
            if (type.IsJoin) compiled.JoinMode = JoinModeOf(node, path, problems);
            if (node.OnError is { } policy) compiled.ReturnOutcome = CheckErrorPolicy(node, policy, type, path, problems);
            if (type.Factory() is INodeValidator validator)
            {
                var context = new NodeValidationContext(flow, node, path, problems);
                validator.Validate(context);
                declaredOutcomes[node.Id] = context.DeclaredOutcomes;
            }
            nodes.Add(compiled);
            byId[node.Id] = compiled;
        }

        ResolveConnections(flow, byId, declaredOutcomes, problems);
        var starts = FindStarts(flow, nodes, byId, problems);
        ReportUnreachable(flow, nodes, starts, problems);
        FlowWiringChecks.CheckStarts(flow, starts, nodes, problems);
        FlowWiringChecks.CheckNodeReferences(flow, registry.FindType, problems);
        FlowWiringChecks.CheckOutputsSet(flow, problems);
        foreach (var join in nodes.Where(n => n.Type.IsJoin)) PrepareJoin(join, nodes);

        if (problems.Any(p => p.IsError)) return (null, problems);
        return (new CompiledFlow(flow, nodes.ToArray(), starts, problems.Where(p => !p.IsError).ToList()), problems);
    }

    /// <summary>An onError block that can work: a return has a value naming the node's outputs and an outcome to take. Gives that outcome.</summary>
    private static string? CheckErrorPolicy(FlowNode node, NodeErrorPolicy policy, ActivityType type, string nodePath, List<FormatProblem> problems)
    {
        var path = JsonPath.Property(nodePath, "onError");
        if (policy.EffectiveThen != NodeErrorPolicy.ThenReturn)
        {
            if (policy.Value is not null)
                problems.Add(FormatProblem.Warning("ERROR_POLICY_VALUE", JsonPath.Property(path, "value"),
                    "'value' is used only with then: \"return\"", node.Id));
            return null;
        }
        if (policy.Value is null)
        {
            problems.Add(FormatProblem.Error("ERROR_POLICY_VALUE", path, "then: \"return\" needs a 'value': the node's outputs by name", node.Id));
            return null;
        }
        var outputs = type.Outputs.Select(o => o.Descriptor.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, _) in policy.Value)
            if (!outputs.Contains(name))
                problems.Add(FormatProblem.Error("ERROR_POLICY_VALUE", JsonPath.Property(JsonPath.Property(path, "value"), name),
                    outputs.Count == 0 ? $"{node.Type} has no outputs" : $"{node.Type} has no output '{name}'; it has {string.Join(", ", outputs.Order(StringComparer.Ordinal))}", node.Id));
        var outcome = type.Descriptor.Outcomes.FirstOrDefault(o => o != ActivityResult.FaultOutcome && !type.Descriptor.ErrorOutcomes.Contains(o));
        if (outcome is null)
            problems.Add(FormatProblem.Error("ERROR_POLICY_VALUE", JsonPath.Property(path, "then"),
                $"{node.Type} has no outcome that is not an error, so it cannot return a value", node.Id));
        return outcome;
    }

    private static void CheckFlowHeader(FlowDefinition flow, List<FormatProblem> problems)
    {
        if (flow.ErrorFlow is { } errorFlow && errorFlow == flow.Id)
            problems.Add(FormatProblem.Error("ERROR_FLOW_SELF", "$.errorFlow", "a flow cannot be its own error flow: its faults would start it again"));
        if (flow.Id.Length > FlowDefinition.MaxIdLength)
            problems.Add(FormatProblem.Error("INVALID_ID", "$.id",
                $"flow id '{flow.Id[..20]}…' is {flow.Id.Length:N0} characters long; an id may be at most {FlowDefinition.MaxIdLength}"));
        else if (flow.Id.Length > 0 && !IdentifierPattern().IsMatch(flow.Id))
            problems.Add(FormatProblem.Error("INVALID_ID", "$.id",
                $"flow id '{flow.Id}' must start with a letter or '_' and hold only letters, digits, '_', '-' and '.'"));
        CheckParameters(flow.Inputs, "$.inputs", problems);
        CheckParameters(flow.Outputs, "$.outputs", problems);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < flow.Variables.Count; i++)
        {
            var variable = flow.Variables[i];
            var path = JsonPath.Index("$.variables", i);
            CheckName(variable.Name, JsonPath.Property(path, "name"), "variable", names, problems);
            CheckDefault(variable.Default, variable.Type, JsonPath.Property(path, "default"), problems);
        }
    }

    private static void CheckParameters(List<FlowParameter> parameters, string basePath, List<FormatProblem> problems)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var path = JsonPath.Index(basePath, i);
            CheckName(p.Name, JsonPath.Property(path, "name"), basePath == "$.inputs" ? "input" : "output", names, problems);
            CheckDefault(p.Default, p.Type, JsonPath.Property(path, "default"), problems);
        }
    }

    private static void CheckName(string name, string path, string what, HashSet<string> names, List<FormatProblem> problems)
    {
        if (name.Length == 0) problems.Add(FormatProblem.Error("INVALID_NAME", path, $"{what} name must not be empty"));
        else if (!names.Add(name)) problems.Add(FormatProblem.Error("DUPLICATE_NAME", path, $"{what} '{name}' is declared twice"));
    }

    private static void CheckDefault(JsonNode? value, string type, string path, List<FormatProblem> problems)
    {
        if (value is null || !ValueTypes.IsKnown(type)) return;
        try { ValueConverter.ConvertToType(value, type); }
        catch (ValueConversionException e) { problems.Add(FormatProblem.Error("DEFAULT_TYPE", path, $"default does not fit type {type}: {e.Message}")); }
    }

    private CompiledInput[] CompileInputs(FlowDefinition flow, FlowNode node, ActivityType type, string nodePath, List<FormatProblem> problems)
    {
        var inputsPath = JsonPath.Property(nodePath, "inputs");
        var result = new List<CompiledInput>();
        foreach (var (name, raw) in node.Inputs)
        {
            var path = JsonPath.Property(inputsPath, name);
            var binding = type.FindInput(name);
            if (binding is null)
            {
                var known = type.Inputs.Length == 0 ? "it has no inputs" : "it has " + string.Join(", ", type.Inputs.Select(i => i.Descriptor.Name));
                problems.Add(FormatProblem.Error("UNKNOWN_INPUT", path, $"{node.Type} has no input '{name}'; {known}", node.Id));
                continue;
            }
            var value = expressions.Compile(raw, path, problems, node.Id);
            if (value is ConstantValue constant)
            {
                if (binding.Descriptor.Required && JsonValues.IsNull(constant.Value))
                    problems.Add(FormatProblem.Error("MISSING_INPUT", path, $"input '{name}' is required and must not be null", node.Id));
                object? converted = null;
                var ok = true;
                try { converted = binding.Convert(constant.Value); }
                catch (ValueConversionException e)
                {
                    ok = false;
                    problems.Add(FormatProblem.Error("INPUT_TYPE", path, $"input '{name}' {e.Message}", node.Id));
                }
                if (ok && binding.Descriptor.Options is { } options && JsonValues.TryGetString(constant.Value, out var option) &&
                    !options.Contains(option, StringComparer.OrdinalIgnoreCase))
                    problems.Add(FormatProblem.Error("INPUT_TYPE", path, $"input '{name}' must be one of {string.Join(", ", options)}, got \"{option}\"", node.Id));
                if (ok && JsonValues.TryGetString(constant.Value, out var code))
                {
                    if (binding.Descriptor.Editor == "javascript") expressions.CheckFunctionBody(code, path, problems, node.Id);
                    else if (binding.Descriptor.Editor == "template") expressions.TryParseTemplate(code, path, problems, node.Id);
                    else if (binding.Descriptor.Editor == "javascript-expression") expressions.TryPrepareExpression(code, path, problems, node.Id);
                }
                // Immutable values are converted once here; mutable JSON is handed out as is.
                var immutable = binding.ValueType.IsValueType || binding.ValueType == typeof(string) ||
                                Nullable.GetUnderlyingType(binding.ValueType) is not null;
                result.Add(new CompiledInput(binding, value, path) { HasConverted = ok && immutable, Converted = converted });
            }
            else
            {
                result.Add(new CompiledInput(binding, value, path));
            }
        }
        foreach (var binding in type.Inputs)
            if (binding.Descriptor.Required && !node.Inputs.ContainsKey(binding.Descriptor.Name))
                problems.Add(FormatProblem.Error("MISSING_INPUT", inputsPath, $"required input '{binding.Descriptor.Name}' is missing", node.Id));
        return result.ToArray();
    }

    private static string JoinModeOf(FlowNode node, string path, List<FormatProblem> problems)
    {
        if (!node.Inputs.TryGetValue("mode", out var mode)) return "all";
        if (JsonValues.TryGetString(mode, out var text) && text is "all" or "any") return text;
        problems.Add(FormatProblem.Error("INPUT_TYPE", JsonPath.Property(JsonPath.Property(path, "inputs"), "mode"),
            "a join's mode must be the literal \"all\" or \"any\"", node.Id));
        return "all";
    }

    private static void ResolveConnections(FlowDefinition flow, Dictionary<string, CompiledNode> byId,
        Dictionary<string, List<string>?> declaredOutcomes, List<FormatProblem> problems)
    {
        var targets = new Dictionary<(CompiledNode, string), List<CompiledNode>>();
        var seen = new HashSet<(string, string, string)>();
        for (var i = 0; i < flow.Connections.Count; i++)
        {
            var c = flow.Connections[i];
            var path = JsonPath.Index("$.connections", i);
            var ok = true;
            if (!byId.TryGetValue(c.FromNode, out var from))
            {
                problems.Add(FormatProblem.Error("UNKNOWN_NODE", JsonPath.Property(path, "from"), $"connection from unknown node '{c.FromNode}'"));
                ok = false;
            }
            else if (from is not null && !HasOutcome(from, c.Outcome, declaredOutcomes))
            {
                var outcomes = declaredOutcomes.TryGetValue(from.Id, out var declared) && declared is not null
                    ? declared.Append(ActivityResult.FaultOutcome)
                    : from.Type.Descriptor.Outcomes;
                problems.Add(FormatProblem.Error("UNKNOWN_OUTCOME", JsonPath.Property(path, "from"),
                    $"node '{from.Id}' ({from.Type.Descriptor.Type}) has no outcome '{c.Outcome}'; it has {string.Join(", ", outcomes)}", from.Id));
                ok = false;
            }
            if (!byId.TryGetValue(c.To, out var to))
            {
                problems.Add(FormatProblem.Error("UNKNOWN_NODE", JsonPath.Property(path, "to"), $"connection to unknown node '{c.To}'"));
                ok = false;
            }
            if (!seen.Add((c.FromNode, c.Outcome, c.To)))
            {
                problems.Add(FormatProblem.Warning("DUPLICATE_CONNECTION", path, $"connection {c.From} → {c.To} appears twice"));
                continue;
            }
            if (!ok || from is null || to is null) continue;
            if (!targets.TryGetValue((from, c.Outcome), out var list)) targets[(from, c.Outcome)] = list = [];
            list.Add(to);
        }
        foreach (var ((from, outcome), list) in targets) from.Targets[outcome] = list.ToArray();
    }

    private static bool HasOutcome(CompiledNode node, string outcome, Dictionary<string, List<string>?> declaredOutcomes)
    {
        if (outcome == ActivityResult.FaultOutcome) return true;
        if (declaredOutcomes.TryGetValue(node.Id, out var declared) && declared is not null) return declared.Contains(outcome);
        return node.Type.Descriptor.DynamicOutcomes || node.Type.Descriptor.Outcomes.Contains(outcome);
    }

    private static CompiledNode[] FindStarts(FlowDefinition flow, List<CompiledNode> nodes, Dictionary<string, CompiledNode> byId, List<FormatProblem> problems)
    {
        if (flow.Start is not null)
        {
            if (byId.TryGetValue(flow.Start, out var start) && start is not null) return [start];
            problems.Add(FormatProblem.Error("UNKNOWN_NODE", "$.start", $"start node '{flow.Start}' does not exist"));
            return [];
        }
        var hasIncoming = new HashSet<string>(flow.Connections.Select(c => c.To), StringComparer.Ordinal);
        var starts = nodes.Where(n => !hasIncoming.Contains(n.Id)).ToArray();
        if (starts.Length == 0 && nodes.Count > 0)
            problems.Add(FormatProblem.Error("NO_START", "$.start",
                "every node has an incoming connection, so nothing can start; set 'start' to the first node"));
        return starts;
    }

    private static void ReportUnreachable(FlowDefinition flow, List<CompiledNode> nodes, CompiledNode[] starts, List<FormatProblem> problems)
    {
        var reached = new bool[nodes.Count];
        var stack = new Stack<CompiledNode>(starts);
        foreach (var s in starts) reached[s.Index] = true;
        while (stack.Count > 0)
            foreach (var targets in stack.Pop().Targets.Values)
                foreach (var t in targets)
                    if (!reached[t.Index]) { reached[t.Index] = true; stack.Push(t); }
        foreach (var node in nodes)
            if (!reached[node.Index])
                problems.Add(FormatProblem.Warning("UNREACHABLE", JsonPath.Index("$.nodes", flow.Nodes.IndexOf(node.Definition)),
                    $"node '{node.Id}' can never run: no path leads to it from the start", node.Id));
    }

    private static void PrepareJoin(CompiledNode join, List<CompiledNode> nodes)
    {
        var incoming = new List<CompiledNode>[nodes.Count];
        foreach (var node in nodes)
            foreach (var targets in node.Targets.Values)
                foreach (var t in targets)
                    (incoming[t.Index] ??= []).Add(node);
        join.InboundSources = incoming[join.Index]?.Select(n => n.Id).Distinct().Count() ?? 0;
        var reachable = new bool[nodes.Count];
        var stack = new Stack<CompiledNode>();
        stack.Push(join);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            if (incoming[current.Index] is not { } sources) continue;
            foreach (var source in sources)
                if (!reachable[source.Index]) { reachable[source.Index] = true; stack.Push(source); }
        }
        join.ReachableFrom = reachable;
    }

    private string Suggest(string type)
    {
        var best = registry.Descriptors.Select(d => d.Type)
            .Select(t => (t, d: TextDistance.Levenshtein(t.ToLowerInvariant(), type.ToLowerInvariant())))
            .OrderBy(x => x.d).FirstOrDefault();
        return best.t is not null && best.d <= Math.Max(2, type.Length / 3) ? $"; did you mean '{best.t}'?" : "";
    }
}
