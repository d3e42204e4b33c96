using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;
using Acornima.Ast;
using Jint;
using JintEngine = Jint.Engine;
using Jint.Native;
using Jint.Native.Function;
using Jint.Native.Object;
using Jint.Runtime.Descriptors;
using Jint.Runtime;

namespace FlowConnectors.Engine.Expressions;

/// <summary>
/// The JavaScript of one running instance, on a pooled engine (<see cref="PooledScriptEngine"/>) it rents when a
/// script first has to run and holds until it is disposed. The model (<c>input</c>, <c>vars</c>, <c>nodes</c>,
/// <c>flow</c>) is converted to JavaScript once and then only where it changed, so evaluating a prepared script costs
/// the script itself and little else. A run whose expressions are all read from its values (member paths and the
/// shapes of <see cref="ScriptShortcut"/>, as a connector's helper flow is made of) rents no engine at all.
/// </summary>
internal sealed partial class ScriptHost : IDisposable
{
    private PooledScriptEngine? _pooled;
    private JintEngine _engine = null!;
    private readonly IExpressionModel _model;
    private readonly ScriptLimits _limits;
    private JsObject _nodes = null!;
    private JsObject _vars = null!;
    // These four serve the rented engine only, so they are made with it (a run that never rents one never needs them).
    private HashSet<string> _dirtyNodes = null!;
    private HashSet<string> _dirtyVars = null!;
    private List<string> _locals = null!;
    private JsValue _input = null!;
    private readonly CancellationToken _cancellationToken;
    // Before the engine is rented: whether the input passed the depth check its conversion makes (null: not checked).
    private bool? _inputDepthChecked;
    // The property each node's outputs have until a script first reads them (see LazyOutputs).
    private Dictionary<string, PropertyDescriptor> _lazy = null!;
    // A script declared something at its top level: a global binding may now stand in front of input or nodes.
    private bool _declared;
    private bool _disposed;

    public ScriptHost(IExpressionModel model, ScriptLimits limits, CancellationToken cancellationToken)
    {
        _model = model;
        _limits = limits;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Rents the engine and sets this run's globals, as they stand now, on first need.</summary>
    private void EnsureEngine()
    {
        if (_pooled is not null) return;
        var pooled = PooledScriptEngine.Rent(_limits, this, _cancellationToken);
        try
        {
            _engine = pooled.Engine;
            _nodes = new JsObject(_engine);
            _vars = new JsObject(_engine);
            _input = JsConvert.ToJs(_engine, _model.Input);
            _engine.SetValue("input", _input);
            _engine.SetValue("flow", JsConvert.ToJs(_engine, _model.FlowMetadata));
            _engine.SetValue("nodes", _nodes);
            _engine.SetValue("vars", _vars);
        }
        catch
        {
            pooled.Return();
            throw;
        }
        _pooled = pooled;
        // Everything is new to this engine: the changes noted before it was rented are all in the model.
        _dirtyNodes = new(StringComparer.Ordinal);
        _dirtyVars = new(StringComparer.Ordinal);
        _locals = [];
        _lazy = new(StringComparer.Ordinal);
        foreach (var id in _model.NodeOutputs.Keys) _dirtyNodes.Add(id);
        foreach (var name in _model.Variables.Keys) _dirtyVars.Add(name);
    }

    internal TimeProvider Clock => _model.Clock;

    internal void SetRequestedOutcome(string name) => RequestedOutcome = name;

    /// <summary>The outcome a script picked with <c>setOutcome(name)</c>, cleared before each run.</summary>
    public string? RequestedOutcome { get; private set; }

    public void NodeOutputsChanged(string nodeId)
    {
        if (_pooled is not null) _dirtyNodes.Add(nodeId);
    }

    public void VariableChanged(string name)
    {
        if (_pooled is not null) _dirtyVars.Add(name);
    }

    /// <summary>Evaluates a prepared script; <paramref name="locals"/> are extra globals for this call only.</summary>
    public JsonNode? Evaluate(in Prepared<Script> script, IReadOnlyList<KeyValuePair<string, JsonNode?>>? locals = null)
    {
        EnsureEngine();
        Refresh();
        RequestedOutcome = null;
        if (!_declared) _declared = DeclaresGlobals(script);
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
            // A script's own throw (or a helper's refusal) leaves the engine as it was; a limit or a cancellation
            // stopped it somewhere inside, so it is not reused.
            if (e is not (JavaScriptException or ExpressionException or Acornima.ParseErrorException)) _pooled!.Spoiled = true;
            throw new ExpressionException(message);
        }
        catch (Exception)
        {
            _pooled!.Spoiled = true;
            throw;
        }
        finally
        {
            foreach (var name in _locals) _engine.SetValue(name, JsValue.Undefined);
            _locals.Clear();
        }
    }

    private static bool DeclaresGlobals(in Prepared<Script> script)
    {
        if (script.Program is not { } program) return true;
        foreach (var statement in program.Body)
            if (statement is Declaration) return true;
        return false;
    }

    /// <summary>
    /// Reads a member path (<c>nodes.send.body</c>) without running its script, when the result is sure to be the
    /// script's: <c>input</c> and <c>nodes</c> are still this run's objects (no script replaced them or declared a
    /// global of its own), each step is an own data property (or, for a node's outputs no script has read yet, the
    /// outputs themselves), and the value converts to JavaScript and back to the same JSON within the limits.
    /// Anything else (a missing step, an array, an inherited member, a large value) returns false: the script runs.
    /// </summary>
    public bool TryEvaluatePath(MemberPath path, out JsonNode? result) => TryReadPath(path, jsonOnly: false, 0, out result);

    /// <summary>
    /// <see cref="TryEvaluatePath"/>, for the shortcuts: with <paramref name="jsonOnly"/>, only a value still read from
    /// the run's JSON (no script has converted it), so it is plain JSON; <paramref name="counted"/> is the size the
    /// caller's result already holds besides this value (the limits apply to the whole).
    /// </summary>
    internal bool TryReadPath(MemberPath path, bool jsonOnly, long counted, out JsonNode? result)
    {
        result = null;
        if (_declared || _cancellationToken.IsCancellationRequested) return false;
        if (_pooled is null) return TryReadWithoutEngine(path, counted, out result);
        Refresh();
        var root = _engine.Global.GetOwnProperty(path.RootKey);
        var expected = path.Root == "nodes" ? (JsValue)_nodes : _input;
        if (!root.IsDataDescriptor() || !ReferenceEquals(root.Value, expected)) return false;
        var names = path.Names;
        JsValue current = expected;
        var i = 0;
        if (path.Root == "nodes" && _lazy.TryGetValue(names[0], out var lazy) && StoredValue(lazy) is null && ReferenceEquals(_nodes.GetOwnProperty(path.Keys[0]), lazy))
        {
            // Outputs no script has seen: the script would convert them now, so they are read as they are.
            return TryReadStoredOutput(path, counted, out result);
        }
        for (; i < names.Length; i++)
        {
            // An object no script has looked into (its prototype still the plain one): its JSON is read as it is.
            if (current is LazyJsonObject { Untouched: { } json } untouched)
                return ReferenceEquals(untouched.Prototype, _engine.Intrinsics.Object.PrototypeObject) && TryReadJson(json, path, i, counted, out result);
            if (jsonOnly) return false;
            if (current is not ObjectInstance o || (o.GetType() != typeof(JsObject) && o is not LazyJsonObject)) return false;
            var property = o.GetOwnProperty(path.Keys[i]);
            if (property == PropertyDescriptor.Undefined)
            {
                if (i < names.Length - 1 || !ReferenceEquals(o.Prototype, _engine.Intrinsics.Object.PrototypeObject) || !IsMissing(names[i])) return false;
                current = JsValue.Undefined;
                break;
            }
            if (!property.IsDataDescriptor()) return false;
            current = property.Value;
        }
        // `path || {}`: JavaScript's own truthiness of the value the script would see.
        result = path.OrEmptyObject && !TypeConverter.ToBoolean(current) ? new JsonObject() : JsConvert.FromJs(current, _limits);
        RequestedOutcome = null;
        Interlocked.Increment(ref _pathReads);
        return true;
    }

    /// <summary>
    /// No script has run: <c>input</c> and <c>nodes</c> are the run's values as the engine would get them, so the path
    /// is read from their JSON (the input passing the depth check its conversion would make first).
    /// </summary>
    private bool TryReadWithoutEngine(MemberPath path, long counted, out JsonNode? result)
    {
        result = null;
        // The engine converts the input first, refusing one nested too deep: then the script runs and reports it.
        _inputDepthChecked ??= JsConvert.IsWithinInputDepth(_model.Input);
        if (_inputDepthChecked != true) return false;
        return path.Root == "input" ? TryReadJson(_model.Input, path, 0, counted, out result) : TryReadStoredOutput(path, counted, out result);
    }

    /// <summary><c>nodes.x.y…</c> read from node x's outputs as the run stored them (an output it does not have reads as undefined).</summary>
    private bool TryReadStoredOutput(MemberPath path, long counted, out JsonNode? result)
    {
        result = null;
        var names = path.Names;
        if (names.Length == 1 || !_model.NodeOutputs.TryGetValue(names[0], out var outputs)) return false;
        if (!outputs.TryGetValue(names[1], out var value))
        {
            if (names.Length > 2 || !IsMissing(names[1])) return false;
            result = path.OrEmptyObject ? new JsonObject() : null;
            RequestedOutcome = null;
            return true;
        }
        return TryReadJson(value, path, 2, counted, out result);
    }

    /// <summary>
    /// True when the global <paramref name="name"/> (<c>Object</c>, <c>url</c>) is still the built-in one: no engine
    /// yet, or no script replaced it or declared a binding of that name.
    /// </summary>
    internal bool IsBuiltInGlobal(string name)
    {
        if (_pooled is null) return true;
        if (_declared) return false;
        var property = _engine.Global.GetOwnProperty(name);
        return property.IsDataDescriptor() && ReferenceEquals(property.Value, _pooled.BuiltInGlobal(name));
    }

    internal ScriptLimits Limits => _limits;

    /// <summary>Answers a <see cref="ScriptShortcut"/> shape without running its script, when its result is sure.</summary>
    public bool TryEvaluateShortcut(ScriptShortcut shortcut, out JsonNode? result)
    {
        result = null;
        if (_declared || _cancellationToken.IsCancellationRequested || !shortcut.TryEvaluate(this, out result)) return false;
        RequestedOutcome = null;
        Interlocked.Increment(ref _shortcuts);
        return true;
    }

    private static long _shortcuts;

    /// <summary>How many expressions <see cref="ScriptShortcut"/> answered without running them, in this process (tests).</summary>
    internal static long Shortcuts => Interlocked.Read(ref _shortcuts);

    /// <summary>Reads <paramref name="names"/> from <paramref name="from"/> on in JSON not yet converted, as the script would.</summary>
    private bool TryReadJson(JsonNode? value, MemberPath path, int from, long counted, out JsonNode? result)
    {
        result = null;
        var names = path.Names;
        for (var i = from; i < names.Length; i++)
        {
            if (value is not JsonObject o) return false;
            if (!o.TryGetPropertyValue(names[i], out var next))
            {
                if (i < names.Length - 1 || !IsMissing(names[i])) return false;
                if (path.OrEmptyObject) result = new JsonObject();
                RequestedOutcome = null;
                return true;
            }
            value = next;
        }
        if (path.OrEmptyObject)
        {
            if (!TryTruthiness(value, out var truthy)) return false;
            if (!truthy) result = new JsonObject();
            else if (!MemberPath.TryRoundTrip(value, _limits, counted, out result)) return false;
        }
        else if (!MemberPath.TryRoundTrip(value, _limits, counted, out result)) return false;
        RequestedOutcome = null;
        Interlocked.Increment(ref _pathReads);
        return true;
    }

    // Whether JavaScript finds the value true once converted: JSON has no NaN or undefined, and its null, false, 0 and
    // empty text are the falsy ones (JsonValues.IsTruthy); false for a number it cannot read (the script decides).
    private static bool TryTruthiness(JsonNode? value, out bool truthy)
    {
        truthy = JsonValues.IsTruthy(value);
        return value is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.Number || JsonValues.TryGetNumber(v, out _);
    }

    private static long _pathReads;

    /// <summary>How many member paths were read without running their script, in this process (tests of the shortcut).</summary>
    internal static long PathReads => Interlocked.Read(ref _pathReads);

    /// <summary>True when a plain object's prototype (the frozen built-in one) has no such member either.</summary>
    private static bool IsMissing(string name) => !PooledScriptEngine.ObjectPrototypeNames.Contains(name);

    private void Refresh()
    {
        if (_dirtyNodes.Count > 0)
        {
            // Converted when a script first reads nodes.<id>: a loop node's outputs (a page of records) change every
            // round, and converting them for a script that reads only input cost more than the rest of the round.
            foreach (var id in _dirtyNodes)
            {
                if (_model.NodeOutputs.ContainsKey(id))
                {
                    var lazy = LazyOutputs(this, id);
                    _lazy[id] = lazy;
                    _nodes.FastSetProperty(id, lazy);
                }
                else
                {
                    _lazy.Remove(id);
                    _nodes.FastSetProperty(id, new PropertyDescriptor(JsValue.Undefined, PropertyFlag.ConfigurableEnumerableWritable));
                }
            }
            _dirtyNodes.Clear();
        }
        if (_dirtyVars.Count > 0)
        {
            foreach (var name in _dirtyVars)
                _vars.FastSetDataProperty(name, _model.Variables.TryGetValue(name, out var value) ? JsConvert.ToJs(_engine, value) : JsValue.Undefined);
            _dirtyVars.Clear();
        }
    }

    /// <summary>
    /// A data property that converts the node's outputs on its first read and then holds them, as if they had been
    /// set at once; a script's assignment replaces the value the same way. One object per node output per run (a
    /// getter and a setter function were ten).
    /// </summary>
    private static PropertyDescriptor LazyOutputs(ScriptHost host, string id) =>
        PropertyDescriptor.CreateLazy((Host: host, Id: id), static state => state.Host.ConvertOutputs(state.Id));

    private JsValue ConvertOutputs(string id) =>
        _model.NodeOutputs.TryGetValue(id, out var outputs) ? JsConvert.ToJs(_engine, outputs) : JsValue.Undefined;

    /// <summary>
    /// The value a lazy descriptor holds: null until a script read it (which converts it) or wrote it. Jint's own
    /// field, read directly: asking the descriptor for its value would convert it, and an assignment stores into
    /// the field without going through the descriptor.
    /// </summary>
    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = "_value")]
    private static extern ref JsValue? StoredValue(PropertyDescriptor descriptor);

    /// <summary>Turns every way a script can fail into one sentence; null for host bugs.</summary>
    internal string? Describe(Exception e) => e switch
    {
        JavaScriptException js => ErrorName(js) + js.Message + Where(js),
        System.Text.RegularExpressions.RegexMatchTimeoutException => $"script ran longer than the {_limits.Timeout.TotalMilliseconds:0} ms limit (in a regular expression)",
        TimeoutException => $"script ran longer than the {_limits.Timeout.TotalMilliseconds:0} ms limit",
        MemoryLimitExceededException => $"script used more than the {_limits.MemoryBytes / (1024 * 1024)} MB memory limit",
        RecursionDepthOverflowException => $"script recursed deeper than the limit of {_limits.RecursionDepth} calls",
        StatementsCountOverflowException => $"script ran more than the limit of {_limits.MaxStatements:N0} statements",
        ExecutionCanceledException or OperationCanceledException => "script was cancelled",
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

    /// <summary>The source name of the scripts the host runs before a flow's (the result-size guards, the frozen built-ins).</summary>
    internal const string BuiltInSource = "built-in";

    /// <summary>
    /// Where in the flow's script an error was thrown. One thrown inside the host's own wrappers (String.prototype.repeat,
    /// JSON.stringify, …) is placed at the script's call into them, from the stack: it was reported at the wrapper's line,
    /// a line 6 in a script of one line.
    /// </summary>
    private static string Where(JavaScriptException e)
    {
        if (e.Location.SourceFile != BuiltInSource)
            return Where(e.Location.Start.Line, ExpressionCompiler.AuthorColumn(e.Location.SourceFile, e.Location.Start.Line, e.Location.Start.Column));
        foreach (var frame in (e.JavaScriptStackTrace ?? "").Split('\n'))
        {
            var match = StackFrame().Match(frame.Trim());
            if (!match.Success || match.Groups["source"].Value == BuiltInSource) continue;
            var line = int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture);
            var column = int.Parse(match.Groups["column"].Value, System.Globalization.CultureInfo.InvariantCulture) - 1;
            return Where(line, ExpressionCompiler.AuthorColumn(match.Groups["source"].Value, line, column));
        }
        return "";
    }

    /// <summary>A frame of Jint's stack trace: <c>at name (source:line:column)</c> or <c>at source:line:column</c>, columns from 1.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^at (?:.*\()?(?<source>[^()]*):(?<line>\d+):(?<column>\d+)\)?$")]
    private static partial System.Text.RegularExpressions.Regex StackFrame();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _pooled?.Return();
    }
}
