using System.Text.Json.Nodes;
using Acornima.Ast;
using Jint;
using Scriban;

namespace FlowConnectors.Engine.Expressions;

/// <summary>
/// A node input ready to evaluate: a literal, a prepared JavaScript expression, a parsed template,
/// or an object/array tree with expressions inside. Parsing happens once, at compile time.
/// </summary>
internal abstract class CompiledValue
{
    public virtual bool IsConstant => false;
    public abstract JsonNode? Evaluate(ExpressionEvaluator evaluator, IReadOnlyList<KeyValuePair<string, JsonNode?>>? locals = null);
}

internal sealed class ConstantValue(JsonNode? value) : CompiledValue
{
    public JsonNode? Value { get; } = value;
    public override bool IsConstant => true;
    public override JsonNode? Evaluate(ExpressionEvaluator evaluator, IReadOnlyList<KeyValuePair<string, JsonNode?>>? locals = null) => Value;
}

internal sealed class ScriptValue : CompiledValue
{
    private readonly Prepared<Script> _script;
    // A plain read such as nodes.send.body, which the host may answer without running the script.
    private readonly MemberPath? _path;
    // Or a request-building shape (Object.assign of constants and a path, a joined URL) the host may answer the same way.
    private readonly ScriptShortcut? _shortcut;

    public ScriptValue(Prepared<Script> script)
    {
        _script = script;
        _path = MemberPath.Of(script);
        _shortcut = _path is null ? ScriptShortcut.Of(script) : null;
    }

    public override JsonNode? Evaluate(ExpressionEvaluator evaluator, IReadOnlyList<KeyValuePair<string, JsonNode?>>? locals = null)
    {
        if (locals is not { Count: > 0 })
        {
            if (_path is not null && evaluator.Scripts.TryEvaluatePath(_path, out var value)) return value;
            if (_shortcut is not null && evaluator.Scripts.TryEvaluateShortcut(_shortcut, out value)) return value;
        }
        return evaluator.Scripts.Evaluate(_script, locals);
    }
}

internal sealed class TemplateValue(Template template) : CompiledValue
{
    public override JsonNode? Evaluate(ExpressionEvaluator evaluator, IReadOnlyList<KeyValuePair<string, JsonNode?>>? locals = null) =>
        JsonValue.Create(evaluator.Templates.Render(template, locals));
}

internal sealed class ObjectTreeValue(KeyValuePair<string, CompiledValue>[] entries) : CompiledValue
{
    public override JsonNode? Evaluate(ExpressionEvaluator evaluator, IReadOnlyList<KeyValuePair<string, JsonNode?>>? locals = null)
    {
        var result = new JsonObject();
        foreach (var (key, value) in entries)
        {
            var v = value.Evaluate(evaluator, locals);
            result[key] = v?.Parent is null ? v : v.DeepClone();
        }
        return result;
    }
}

internal sealed class ArrayTreeValue(CompiledValue[] items) : CompiledValue
{
    public override JsonNode? Evaluate(ExpressionEvaluator evaluator, IReadOnlyList<KeyValuePair<string, JsonNode?>>? locals = null)
    {
        var result = new JsonArray();
        foreach (var item in items)
        {
            var v = item.Evaluate(evaluator, locals);
            result.Add(v?.Parent is null ? v : v.DeepClone());
        }
        return result;
    }
}
