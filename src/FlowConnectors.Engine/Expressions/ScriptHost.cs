using System.Text;
using System.Text.Json.Nodes;
using Acornima.Ast;
using Jint;
using JintEngine = Jint.Engine;
using Jint.Native;
using Jint.Runtime;

namespace FlowConnectors.Engine.Expressions;

/// <summary>
/// One sandboxed Jint engine for one running instance. The model (<c>input</c>, <c>vars</c>,
/// <c>nodes</c>, <c>flow</c>) is converted to JavaScript once and then only where it changed, so
/// evaluating a prepared script costs the script itself and little else.
/// </summary>
internal sealed class ScriptHost : IDisposable
{
    private readonly JintEngine _engine;
    private readonly IExpressionModel _model;
    private readonly ScriptLimits _limits;
    private readonly JsObject _nodes;
    private readonly JsObject _vars;
    private readonly HashSet<string> _dirtyNodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirtyVars = new(StringComparer.Ordinal);
    private readonly List<string> _locals = [];

    public ScriptHost(IExpressionModel model, ScriptLimits limits, CancellationToken cancellationToken)
    {
        _model = model;
        _limits = limits;
        _engine = new JintEngine(options =>
        {
            options.Strict();
            // Jint's own time limit compares a deadline inline (no timer per evaluation) and is amortized, so
            // tight loops keep their fast lane; a regular expression gets the same limit, not its own.
            options.TimeoutInterval(limits.Timeout);
            // Probes the native stack on every entry into a function and in JSON.stringify, join, flat and the
            // other recursive built-ins: a structure nested 20,000 deep raises a RangeError instead of ending
            // the process, whatever the stack of the thread the run is on.
            options.Constraints.StackOverflowGuard = true;
            options.LimitMemory(limits.MemoryBytes);
            options.LimitRecursion(limits.RecursionDepth);
            options.MaxStatements(limits.MaxStatements);
            options.CancellationToken(cancellationToken);
            options.MaxArraySize(1_000_000);
            options.RegexTimeoutInterval(limits.Timeout);
            options.DisableStringCompilation();
        });
        _nodes = new JsObject(_engine);
        _vars = new JsObject(_engine);
        _engine.SetValue("input", JsConvert.ToJs(_engine, model.Input));
        _engine.SetValue("flow", JsConvert.ToJs(_engine, model.FlowMetadata));
        _engine.SetValue("nodes", _nodes);
        _engine.SetValue("vars", _vars);
        _engine.SetValue("setOutcome", new Action<string>(name => RequestedOutcome = name));
        InstallHelpers();
        ResultSizeGuards.Install(_engine, limits.MaxStringLength);
        foreach (var id in model.NodeOutputs.Keys) _dirtyNodes.Add(id);
        foreach (var name in model.Variables.Keys) _dirtyVars.Add(name);
    }

    /// <summary>The outcome a script picked with <c>setOutcome(name)</c>, cleared before each run.</summary>
    public string? RequestedOutcome { get; private set; }

    public void NodeOutputsChanged(string nodeId) => _dirtyNodes.Add(nodeId);

    public void VariableChanged(string name) => _dirtyVars.Add(name);

    /// <summary>Evaluates a prepared script; <paramref name="locals"/> are extra globals for this call only.</summary>
    public JsonNode? Evaluate(in Prepared<Script> script, IReadOnlyList<KeyValuePair<string, JsonNode?>>? locals = null)
    {
        Refresh();
        RequestedOutcome = null;
        if (locals is not null)
            foreach (var (name, value) in locals)
            {
                _engine.SetValue(name, JsConvert.ToJs(_engine, value));
                _locals.Add(name);
            }
        try
        {
            var result = _engine.Evaluate(script);
            return JsConvert.FromJs(result, _limits);
        }
        catch (Exception e) when (Describe(e) is { } message)
        {
            throw new ExpressionException(message);
        }
        finally
        {
            foreach (var name in _locals) _engine.SetValue(name, JsValue.Undefined);
            _locals.Clear();
        }
    }

    private void Refresh()
    {
        if (_dirtyNodes.Count > 0)
        {
            foreach (var id in _dirtyNodes)
                _nodes.FastSetDataProperty(id, _model.NodeOutputs.TryGetValue(id, out var outputs) ? JsConvert.ToJs(_engine, outputs) : JsValue.Undefined);
            _dirtyNodes.Clear();
        }
        if (_dirtyVars.Count > 0)
        {
            foreach (var name in _dirtyVars)
                _vars.FastSetDataProperty(name, _model.Variables.TryGetValue(name, out var value) ? JsConvert.ToJs(_engine, value) : JsValue.Undefined);
            _dirtyVars.Clear();
        }
    }

    /// <summary>Turns every way a script can fail into one sentence; null for host bugs.</summary>
    internal string? Describe(Exception e) => e switch
    {
        JavaScriptException js => ErrorName(js) + js.Message + Where(js.Location.Start.Line, js.Location.Start.Column),
        System.Text.RegularExpressions.RegexMatchTimeoutException => $"script ran longer than the {_limits.Timeout.TotalMilliseconds:0} ms limit (in a regular expression)",
        TimeoutException => $"script ran longer than the {_limits.Timeout.TotalMilliseconds:0} ms limit",
        MemoryLimitExceededException => $"script used more than the {_limits.MemoryBytes / (1024 * 1024)} MB memory limit",
        RecursionDepthOverflowException => $"script recursed deeper than the limit of {_limits.RecursionDepth} calls",
        StatementsCountOverflowException => $"script ran more than the limit of {_limits.MaxStatements:N0} statements",
        ExecutionCanceledException => "script was cancelled",
        InsufficientExecutionStackException => "script nests too deeply (the value or code is nested too deep to evaluate)",
        ExpressionException ee => ee.Message,
        Acornima.ParseErrorException pe => $"syntax error: {pe.Description}{Where(pe.LineNumber, pe.Column)}",
        JintException je => je.Message,
        OutOfMemoryException => $"script used more than the {_limits.MemoryBytes / (1024 * 1024)} MB memory limit",
        _ => null,
    };

    private static string ErrorName(JavaScriptException e)
    {
        var name = e.Error.IsObject() ? e.Error.Get("name").ToString() : "";
        return name is { Length: > 0 } and not "undefined" ? name + ": " : "";
    }

    private static string Where(int line, int column) => line > 0 ? $" (line {line}, column {column + 1})" : "";

    private void InstallHelpers()
    {
        var base64 = new JsObject(_engine);
        base64.FastSetDataProperty("encode", Function(s => Convert.ToBase64String(Encoding.UTF8.GetBytes(s))));
        base64.FastSetDataProperty("decode", Function(s =>
        {
            try { return Encoding.UTF8.GetString(Convert.FromBase64String(s)); }
            catch (FormatException) { throw new ExpressionException("base64.decode: the text is not valid Base64"); }
        }));
        _engine.SetValue("base64", base64);

        var url = new JsObject(_engine);
        url.FastSetDataProperty("encode", Function(Uri.EscapeDataString));
        url.FastSetDataProperty("decode", Function(Uri.UnescapeDataString));
        _engine.SetValue("url", url);

        var dates = new JsObject(_engine);
        dates.FastSetDataProperty("now", JsValue.FromObject(_engine, new Func<string>(() =>
            Values.ValueConverter.FormatDateTime(_model.Clock.GetUtcNow()))));
        dates.FastSetDataProperty("addMinutes", JsValue.FromObject(_engine, new Func<string, double, string>((date, minutes) =>
            Values.ValueConverter.FormatDateTime(DateHelpers.Parse(date).AddMinutes(minutes)))));
        dates.FastSetDataProperty("addDays", JsValue.FromObject(_engine, new Func<string, double, string>((date, days) =>
            Values.ValueConverter.FormatDateTime(DateHelpers.Parse(date).AddDays(days)))));
        dates.FastSetDataProperty("format", JsValue.FromObject(_engine, new Func<string, string, string?, string>((date, format, zone) =>
            DateHelpers.Format(DateHelpers.Parse(date), format, zone))));
        _engine.SetValue("dates", dates);
    }

    private JsValue Function(Func<string, string> body) => JsValue.FromObject(_engine, body);

    public void Dispose() => _engine.Dispose();
}
