using System.Text.Json.Nodes;
using Acornima.Ast;
using FlowConnectors.Engine.Values;
using Jint;

namespace FlowConnectors.Engine.Expressions;

/// <summary>
/// The request-building expressions connector flows are made of, answered from the run's JSON without an engine when
/// that gives exactly the script's result (otherwise the script runs as any other):
/// <list type="bullet">
/// <item><c>Object.assign({ Accept: 'application/json' }, input.headers || {})</c>: an object literal of literal
/// values, then the members of a plain JSON object read at a member path (with or without <c>|| {}</c>);</item>
/// <item><c>'/api/now/table/incident/' + url.encode(input.id)</c>: string literals, member paths and
/// <c>url.encode(path)</c> joined with <c>+</c>, every path giving a string.</item>
/// </list>
/// A value that is not what the shape expects (a number where text is joined, a string or array given to
/// <c>Object.assign</c>), a name a plain object inherits or JavaScript orders first (index-like), a global a script
/// replaced or shadowed, or a value a script already converted: the script runs.
/// </summary>
internal abstract class ScriptShortcut
{
    /// <summary>The shortcut for the script, or null when it has no shape served here.</summary>
    public static ScriptShortcut? Of(in Prepared<Script> script)
    {
        if (script.Program is not { } program) return null;
        var body = program.Body;
        if (body.Count != 1 || body[0] is not NonSpecialExpressionStatement statement) return null;
        return AssignedObject.Of(statement.Expression) ?? (ScriptShortcut?)Concatenation.Of(statement.Expression);
    }

    /// <summary>The script's result, when the run's values say what it is without running it.</summary>
    public abstract bool TryEvaluate(ScriptHost host, out JsonNode? result);

    /// <summary>Names a plain object's <c>Object.assign</c> or literal treats apart: inherited ones, index-like ones.</summary>
    private static bool IsPlainName(string name) =>
        !(name.Length > 0 && char.IsAsciiDigit(name[0])) && !PooledScriptEngine.ObjectPrototypeNames.Contains(name);

    private sealed class AssignedObject : ScriptShortcut
    {
        private readonly KeyValuePair<string, Literal>[] _constants;
        private readonly MemberPath _source;
        // What the constants count towards the result's size limit (JsConvert.FromJs's measure), and their longest text.
        private readonly long _constantSize;
        private readonly int _longestText;

        private AssignedObject(KeyValuePair<string, Literal>[] constants, MemberPath source)
        {
            _constants = constants;
            _source = source;
            _constantSize = 4;
            foreach (var (key, value) in constants)
            {
                var length = value is StringLiteral text ? text.Value.Length : 0;
                _constantSize += key.Length + 4 + length;
                _longestText = Math.Max(_longestText, length);
            }
        }

        public static AssignedObject? Of(Expression expression)
        {
            if (expression is not CallExpression { Optional: false, Arguments.Count: 2 } call
                || call.Callee is not MemberExpression { Computed: false, Optional: false, Object: Identifier { Name: "Object" }, Property: Identifier { Name: "assign" } }
                || call.Arguments[0] is not ObjectExpression literal
                || MemberPath.Of(call.Arguments[1]) is not { } source)
                return null;
            var constants = new List<KeyValuePair<string, Literal>>();
            foreach (var node in literal.Properties)
            {
                if (node is not ObjectProperty { Kind: PropertyKind.Init, Computed: false, Method: false, Shorthand: false } property) return null;
                var key = property.Key switch
                {
                    Identifier identifier => identifier.Name,
                    StringLiteral text => text.Value,
                    _ => null,
                };
                if (key is null || !IsPlainName(key)) return null;
                if (property.Value is not (StringLiteral or NumericLiteral or BooleanLiteral or NullLiteral)) return null;
                // A name written twice keeps its first place and takes the last value, as in JavaScript.
                var index = constants.FindIndex(c => c.Key == key);
                if (index >= 0) constants[index] = new(key, (Literal)property.Value);
                else constants.Add(new(key, (Literal)property.Value));
            }
            return new AssignedObject(constants.ToArray(), source);
        }

        public override bool TryEvaluate(ScriptHost host, out JsonNode? result)
        {
            result = null;
            var limits = host.Limits;
            if (_longestText > limits.MaxStringLength || _constantSize > Math.Min(limits.MaxResultLength, 1_000_000) || !host.IsBuiltInGlobal("Object"))
                return false;
            if (!host.TryReadPath(_source, jsonOnly: true, _constantSize, out var source)) return false;
            // null and undefined give nothing to copy; strings, numbers, arrays are left to the script.
            if (source is not null and not JsonObject) return false;
            var assigned = new JsonObject();
            foreach (var (key, value) in _constants) assigned[key] = ToJson(value);
            if (source is JsonObject members)
            {
                var copied = members.ToArray();
                foreach (var (key, _) in copied)
                    if (!IsPlainName(key)) return false;
                members.Clear();
                foreach (var (key, value) in copied) assigned[key] = value;
            }
            result = assigned;
            return true;
        }

        private static JsonNode? ToJson(Literal value) => value switch
        {
            StringLiteral text => JsonValue.Create(text.Value),
            NumericLiteral number => double.IsFinite(number.Value) ? JsonValues.FromNumber(number.Value) : null,
            BooleanLiteral boolean => JsonValue.Create(boolean.Value),
            _ => null,
        };
    }

    private sealed class Concatenation : ScriptShortcut
    {
        // Each part: a literal text, or a path whose text is joined as it is or through url.encode.
        private readonly (string? Text, MemberPath? Path, bool Encoded)[] _parts;

        private Concatenation((string?, MemberPath?, bool)[] parts) => _parts = parts;

        public static Concatenation? Of(Expression expression)
        {
            if (expression is not NonLogicalBinaryExpression { Operator: Acornima.Operator.Addition }) return null;
            var parts = new List<(string?, MemberPath?, bool)>();
            return Collect(expression, parts) ? new Concatenation(parts.ToArray()) : null;
        }

        private static bool Collect(Expression expression, List<(string?, MemberPath?, bool)> parts)
        {
            switch (expression)
            {
                case NonLogicalBinaryExpression { Operator: Acornima.Operator.Addition } plus:
                    return Collect(plus.Left, parts) && Collect(plus.Right, parts);
                case StringLiteral text:
                    parts.Add((text.Value, null, false));
                    return true;
                case CallExpression { Optional: false, Arguments.Count: 1 } call
                    when call.Callee is MemberExpression { Computed: false, Optional: false, Object: Identifier { Name: "url" }, Property: Identifier { Name: "encode" } }
                         && MemberPath.Of(call.Arguments[0]) is { OrEmptyObject: false } encoded:
                    parts.Add((null, encoded, true));
                    return true;
                default:
                    if (MemberPath.Of(expression) is not { OrEmptyObject: false } path) return false;
                    parts.Add((null, path, false));
                    return true;
            }
        }

        public override bool TryEvaluate(ScriptHost host, out JsonNode? result)
        {
            result = null;
            var limits = host.Limits;
            var budget = Math.Min(limits.MaxStringLength, Math.Min(limits.MaxResultLength - 4, 1_000_000));
            var pieces = new string[_parts.Length];
            var length = 0;
            for (var i = 0; i < pieces.Length; i++)
            {
                var (text, path, encoded) = _parts[i];
                var part = text;
                if (path is not null)
                {
                    if (encoded && !host.IsBuiltInGlobal("url")) return false;
                    // Only text joins as text: anything else (a number, null, undefined, an object) is the script's to convert.
                    if (!host.TryReadPath(path, jsonOnly: true, 0, out var value) || value is not JsonValue leaf || !JsonValues.TryGetString(leaf, out var read))
                        return false;
                    if (encoded)
                    {
                        // The helper's own function (ScriptHelpers); a failure is the script's to report.
                        try { part = Uri.EscapeDataString(read); }
                        catch (Exception e) when (e is UriFormatException or ArgumentException) { return false; }
                    }
                    else part = read;
                }
                if ((length += part!.Length) > budget) return false;
                pieces[i] = part;
            }
            result = JsonValue.Create(string.Concat(pieces));
            return true;
        }
    }
}
