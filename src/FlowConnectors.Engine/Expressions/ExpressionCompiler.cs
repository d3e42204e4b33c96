using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Acornima.Ast;
using FlowConnectors.Engine.Flows;
using Jint;
using Scriban;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Engine.Expressions;

/// <summary>
/// Recognises expressions in input values and prepares them. An object with the single key
/// <c>js</c> or <c>template</c> (a string) is an expression, anywhere in the value; an object with
/// the single key <c>literal</c> is taken as its content verbatim, so a literal that looks like an
/// expression can still be written.
/// </summary>
public sealed class ExpressionCompiler
{
    private readonly ConcurrentDictionary<string, Prepared<Script>> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Prepared<Script>> _bodies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Template> _templates = new(StringComparer.Ordinal);
    private const int MaxCacheEntries = 10_000;

    internal CompiledValue Compile(JsonNode? value, string path, List<FormatProblem> problems, string? nodeId)
    {
        if (value is JsonObject obj)
        {
            if (TryGetExpression(obj, out var kind, out var content))
            {
                var codePath = JsonPath.Property(path, kind);
                switch (kind)
                {
                    case "literal":
                        return new ConstantValue(content);
                    case "js":
                        if (!JsonValuesIsString(content, out var code))
                        {
                            problems.Add(FormatProblem.Error("WRONG_TYPE", codePath, "a JavaScript expression must be a string", nodeId));
                            return new ConstantValue(null);
                        }
                        return TryPrepareExpression(code, codePath, problems, nodeId) is { } prepared ? new ScriptValue(prepared) : new ConstantValue(null);
                    case "template":
                        if (!JsonValuesIsString(content, out var text))
                        {
                            problems.Add(FormatProblem.Error("WRONG_TYPE", codePath, "a template must be a string", nodeId));
                            return new ConstantValue(null);
                        }
                        return TryParseTemplate(text, codePath, problems, nodeId) is { } template ? new TemplateValue(template) : new ConstantValue(null);
                }
            }
            var entries = new List<KeyValuePair<string, CompiledValue>>();
            var constant = true;
            foreach (var (key, child) in obj)
            {
                var compiled = Compile(child, JsonPath.Property(path, key), problems, nodeId);
                constant &= compiled.IsConstant;
                entries.Add(KeyValuePair.Create(key, compiled));
            }
            return constant ? new ConstantValue(Unwrap(value)) : new ObjectTreeValue(entries.ToArray());
        }
        if (value is JsonArray array)
        {
            var items = new CompiledValue[array.Count];
            var constant = true;
            for (var i = 0; i < items.Length; i++)
            {
                items[i] = Compile(array[i], JsonPath.Index(path, i), problems, nodeId);
                constant &= items[i].IsConstant;
            }
            return constant ? new ConstantValue(Unwrap(value)) : new ArrayTreeValue(items);
        }
        return new ConstantValue(value);
    }

    /// <summary>True when the value holds a <c>js</c> or <c>template</c> expression anywhere.</summary>
    public static bool ContainsExpression(JsonNode? value) => value switch
    {
        JsonObject obj when TryGetExpression(obj, out var kind, out _) => kind != "literal",
        JsonObject obj => obj.Any(p => ContainsExpression(p.Value)),
        JsonArray array => array.Any(ContainsExpression),
        _ => false,
    };

    /// <summary>The literal value with <c>{ "literal": … }</c> wrappers removed.</summary>
    internal static JsonNode? Unwrap(JsonNode? value)
    {
        switch (value)
        {
            case JsonObject obj when TryGetExpression(obj, out var kind, out var content) && kind == "literal":
                return content?.DeepClone();
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, child) in obj) copy[key] = Unwrap(child);
                return copy;
            case JsonArray array:
                return new JsonArray(array.Select(Unwrap).ToArray());
            default:
                return value?.DeepClone();
        }
    }

    internal static bool TryGetExpression(JsonObject obj, out string kind, out JsonNode? content)
    {
        kind = "";
        content = null;
        if (obj.Count != 1) return false;
        var (key, value) = obj.First();
        if (key is not ("js" or "template" or "literal")) return false;
        if (key != "literal" && !JsonValuesIsString(value, out _)) return false;
        kind = key;
        content = value;
        return true;
    }

    private static bool JsonValuesIsString(JsonNode? value, out string text) => Values.JsonValues.TryGetString(value, out text);

    /// <summary>Prepares a JavaScript expression (its completion value is the result).</summary>
    internal Prepared<Script>? TryPrepareExpression(string code, string path, List<FormatProblem> problems, string? nodeId)
    {
        try { return PrepareExpression(code); }
        catch (ExpressionException e)
        {
            problems.Add(FormatProblem.Error("JS_SYNTAX", path, $"JavaScript {e.Message}", nodeId));
            return null;
        }
    }

    internal Template? TryParseTemplate(string text, string path, List<FormatProblem> problems, string? nodeId)
    {
        try { return ParseTemplate(text); }
        catch (ExpressionException e)
        {
            problems.Add(FormatProblem.Error("TEMPLATE_SYNTAX", path, e.Message, nodeId));
            return null;
        }
    }

    /// <summary>Checks a function body (Run JavaScript code) and reports a syntax error with its path.</summary>
    internal void CheckFunctionBody(string code, string path, List<FormatProblem> problems, string? nodeId)
    {
        try { PrepareFunctionBody(code); }
        catch (ExpressionException e)
        {
            problems.Add(FormatProblem.Error("JS_SYNTAX", path, $"JavaScript {e.Message}", nodeId));
        }
    }

    public Prepared<Script> PrepareExpression(string code) => Cached(_scripts, code, static code => code, null);

    /// <summary>The source name of code prepared by <see cref="PrepareFunctionBody"/>, whose first line starts after <see cref="BodyPrefix"/>.</summary>
    internal const string FunctionBodySource = "function-body";

    internal const string BodyPrefix = "(function () {";

    /// <summary>
    /// A position in prepared code as its author wrote it: a function body's first line starts after the wrapper, which stays
    /// on that line so line numbers match (its columns were reported <see cref="BodyPrefix"/>'s 14 characters too far).
    /// </summary>
    internal static int AuthorColumn(string? source, int line, int column) =>
        source == FunctionBodySource && line == 1 ? Math.Max(0, column - BodyPrefix.Length) : column;

    /// <summary>Prepares code that may <c>return</c>: it runs as the body of a function.</summary>
    public Prepared<Script> PrepareFunctionBody(string code) =>
        Cached(_bodies, code, static code => BodyPrefix + code + "\n})()", FunctionBodySource);

    public Template ParseTemplate(string text)
    {
        if (_templates.TryGetValue(text, out var cached)) return cached;
        Template template;
        try { template = Template.Parse(text); }
        catch (InsufficientExecutionStackException) { throw new ExpressionException("template syntax error: the template nests too deeply"); }
        if (template.HasErrors)
        {
            var first = template.Messages.First(m => m.Type == Scriban.Parsing.ParserMessageType.Error);
            throw new ExpressionException($"template syntax error: {first.Message} (line {first.Span.Start.Line + 1}, column {first.Span.Start.Column + 1})");
        }
        if (_templates.Count > MaxCacheEntries) _templates.Clear();
        _templates[text] = template;
        return template;
    }

    // The source is made only when the code is not prepared yet: Run JavaScript asks for its body on every run.
    private static Prepared<Script> Cached(ConcurrentDictionary<string, Prepared<Script>> cache, string key, Func<string, string> sourceOf, string? sourceName)
    {
        if (cache.TryGetValue(key, out var prepared)) return prepared;
        var source = sourceOf(key);
        try
        {
            prepared = Jint.Engine.PrepareScript(source, sourceName, strict: true);
        }
        catch (Exception e) when (e is InsufficientExecutionStackException || e.InnerException is InsufficientExecutionStackException)
        {
            throw new ExpressionException("syntax error: the code nests too deeply");
        }
        catch (Exception e) when (e is Acornima.ParseErrorException or ScriptPreparationException)
        {
            var parse = e as Acornima.ParseErrorException ?? e.InnerException as Acornima.ParseErrorException;
            throw new ExpressionException(parse is null
                ? $"syntax error: {e.Message}"
                : $"syntax error: {parse.Description} (line {parse.LineNumber}, column {AuthorColumn(sourceName, parse.LineNumber, parse.Column) + 1})");
        }
        if (cache.Count > MaxCacheEntries) cache.Clear();
        cache[key] = prepared;
        return prepared;
    }
}

