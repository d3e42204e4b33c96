using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;
using Scriban;
using Scriban.Runtime;
using Scriban.Syntax;

namespace FlowConnectors.Engine.Expressions;

/// <summary>
/// Renders Scriban templates against the same model JavaScript sees. Like <see cref="ScriptHost"/>
/// it converts the model once per instance and then only what changed.
/// </summary>
internal sealed class TemplateHost : IDisposable
{
    private readonly IExpressionModel _model;
    private readonly ScriptLimits _limits;
    private readonly CancellationToken _cancellationToken;
    // One per host, re-armed for each render: the template time limit is the script time limit.
    private CancellationTokenSource _deadline;
    private readonly ScriptObject _globals = new();
    private readonly ScriptObject _nodes = new();
    private readonly ScriptObject _vars = new();
    private readonly HashSet<string> _dirtyNodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirtyVars = new(StringComparer.Ordinal);

    public TemplateHost(IExpressionModel model, ScriptLimits limits, CancellationToken cancellationToken)
    {
        _model = model;
        _limits = limits;
        _cancellationToken = cancellationToken;
        _deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _globals["input"] = ToScriban(model.Input);
        _globals["flow"] = ToScriban(model.FlowMetadata);
        _globals["nodes"] = _nodes;
        _globals["vars"] = _vars;
        var base64 = new ScriptObject();
        base64.Import("encode", new Func<string, string>(s => Convert.ToBase64String(Encoding.UTF8.GetBytes(s ?? ""))));
        base64.Import("decode", new Func<string, string>(s => Encoding.UTF8.GetString(Convert.FromBase64String(s ?? ""))));
        _globals["base64"] = base64;
        var url = new ScriptObject();
        url.Import("encode", new Func<string, string>(s => Uri.EscapeDataString(s ?? "")));
        url.Import("decode", new Func<string, string>(s => Uri.UnescapeDataString(s ?? "")));
        _globals["url"] = url;
        var json = new ScriptObject();
        json.Import("stringify", new Func<object?, string>(o =>
        {
            var text = FromScriban(o)?.ToJsonString() ?? "null";
            return text.Length <= limits.MaxStringLength ? text
                : throw new ExpressionException($"json.stringify would produce a string longer than the limit of {limits.MaxStringLength:N0} characters");
        }));
        _globals["json"] = json;
        var dates = new ScriptObject();
        dates.Import("now", new Func<string>(() => ValueConverter.FormatDateTime(model.Clock.GetUtcNow())));
        dates.Import("format", new Func<string, string, string?, string>((d, f, z) => DateHelpers.Format(DateHelpers.Parse(d), f, z)));
        _globals["dates"] = dates;
        foreach (var id in model.NodeOutputs.Keys) _dirtyNodes.Add(id);
        foreach (var name in model.Variables.Keys) _dirtyVars.Add(name);
    }

    public void NodeOutputsChanged(string nodeId) => _dirtyNodes.Add(nodeId);

    public void VariableChanged(string name) => _dirtyVars.Add(name);

    public string Render(Template template, IReadOnlyList<KeyValuePair<string, JsonNode?>>? locals = null)
    {
        Refresh();
        var context = new TemplateContext
        {
            StrictVariables = false,
            LoopLimit = _limits.TemplateLoopLimit,
            RecursiveLimit = 64,
            LimitToString = _limits.MaxStringLength,
            OutputLimit = _limits.MaxStringLength,
            // Over a limit is an error, not a silently shortened text.
            OnOutputLimit = ScriptLimitBehavior.Throw,
            OnStringLimit = ScriptLimitBehavior.Throw,
            RegexTimeOut = _limits.Timeout,
            CancellationToken = Arm(),
            NewLine = "\n",
            MemberRenamer = member => member.Name,
        };
        context.PushCulture(CultureInfo.InvariantCulture);
        context.PushGlobal(_globals);
        if (locals is { Count: > 0 })
        {
            var scope = new ScriptObject();
            foreach (var (name, value) in locals) scope[name] = ToScriban(value);
            context.PushGlobal(scope);
        }
        try
        {
            return template.Render(context);
        }
        catch (Exception e) when (e is ScriptAbortException or OperationCanceledException)
        {
            throw new ExpressionException(_cancellationToken.IsCancellationRequested
                ? "template was cancelled"
                : $"template ran longer than the {_limits.Timeout.TotalMilliseconds:0} ms limit");
        }
        catch (ScriptRuntimeException e) when (e.InnerException is System.Text.RegularExpressions.RegexMatchTimeoutException || e.OriginalMessage.Contains("Regex engine has timed out", StringComparison.Ordinal))
        {
            throw new ExpressionException($"template ran longer than the {_limits.Timeout.TotalMilliseconds:0} ms limit (in a regular expression)");
        }
        catch (ScriptRuntimeException e)
        {
            throw new ExpressionException($"template error: {e.OriginalMessage} (line {e.Span.Start.Line + 1}, column {e.Span.Start.Column + 1})");
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            throw new ExpressionException($"template error: {e.Message}");
        }
        catch (InsufficientExecutionStackException)
        {
            throw new ExpressionException("template nests too deeply to render");
        }
        finally
        {
            _deadline.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The token for one render: the run's, plus the time limit from now.</summary>
    private CancellationToken Arm()
    {
        if (_deadline.IsCancellationRequested || !_deadline.TryReset())
        {
            _deadline.Dispose();
            _deadline = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken);
        }
        _deadline.CancelAfter(_limits.Timeout);
        return _deadline.Token;
    }

    public void Dispose() => _deadline.Dispose();

    private void Refresh()
    {
        foreach (var id in _dirtyNodes)
        {
            if (_model.NodeOutputs.TryGetValue(id, out var outputs)) _nodes[id] = ToScriban(outputs);
            else _nodes.Remove(id);
        }
        _dirtyNodes.Clear();
        foreach (var name in _dirtyVars)
        {
            if (_model.Variables.TryGetValue(name, out var value)) _vars[name] = ToScriban(value);
            else _vars.Remove(name);
        }
        _dirtyVars.Clear();
    }

    internal static ScriptObject ToScriban(IReadOnlyDictionary<string, JsonNode?> values)
    {
        var so = new ScriptObject();
        foreach (var (key, child) in values) so[key] = ToScriban(child);
        return so;
    }

    internal static object? ToScriban(JsonNode? value) => ToScriban(value, 0);

    private static object? ToScriban(JsonNode? value, int depth)
    {
        if (depth > JsConvert.MaxInputDepth || !System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new ExpressionException($"a value nests deeper than {JsConvert.MaxInputDepth} levels");
        switch (value)
        {
            case null: return null;
            case JsonObject obj:
                var so = new ScriptObject();
                foreach (var (key, child) in obj) so[key] = ToScriban(child, depth + 1);
                return so;
            case JsonArray array:
                var sa = new ScriptArray(array.Count);
                foreach (var item in array) sa.Add(ToScriban(item, depth + 1));
                return sa;
        }
        if (JsonValues.TryGetString(value, out var s)) return s;
        if (value is JsonValue v && v.TryGetValue(out long l)) return l;
        if (JsonValues.TryGetNumber(value, out var d)) return d == Math.Floor(d) && Math.Abs(d) < 9e15 ? (long)d : d;
        return value.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.True => true,
            System.Text.Json.JsonValueKind.False => false,
            _ => null,
        };
    }

    internal static JsonNode? FromScriban(object? value) => FromScriban(value, 0);

    /// <summary>Deeper than JSON text can be written (64), a template's value is refused rather than recursed into.</summary>
    private static JsonNode? FromScriban(object? value, int depth) => depth > 64
        ? throw new ExpressionException("a value nests deeper than 64 levels or refers to itself")
        : value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValues.FromNumber(d),
        decimal m => JsonValue.Create(m),
        ScriptObject so => new JsonObject(so.Select(p => KeyValuePair.Create(p.Key, FromScriban(p.Value, depth + 1)))),
        ScriptArray sa => new JsonArray(sa.Select(item => FromScriban(item, depth + 1)).ToArray()),
        _ => JsonValue.Create(value.ToString()),
    };
}
