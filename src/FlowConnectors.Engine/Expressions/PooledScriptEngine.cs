using System.Collections.Concurrent;
using Jint;
using Jint.Constraints;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime.Descriptors;
using JintEngine = Jint.Engine;

namespace FlowConnectors.Engine.Expressions;

/// <summary>
/// A sandboxed Jint engine that serves one run at a time and is then reused by the next (a new engine with its
/// helpers and size guards per run was a quarter of a webhook run's allocation). Set up once: the limits, the
/// helpers (<c>base64</c>, <c>url</c>, <c>dates</c>, <c>setOutcome</c>, which call the run holding the engine),
/// the size guards, then every built-in object is frozen and the global surface captured.
/// Nothing one run does is seen by the next:
/// <list type="bullet">
/// <item>globals it adds, replaces or deletes, and its top-level <c>let</c>/<c>const</c>/<c>class</c>, are undone
/// by restoring the captured global surface (Jint's <c>RestoreGlobalSnapshot</c>), which also drops queued jobs;</item>
/// <item>built-in objects (prototypes, constructors, <c>JSON</c>, <c>Math</c>, the helpers, and the hidden
/// iterator and generator prototypes) cannot be changed at all: they are frozen, so the restore has nothing to
/// miss. A strict-mode assignment to one throws a TypeError. So that plain objects can still get their own
/// <c>toString</c>, <c>name</c>, <c>message</c> and the like, those inherited properties are accessors whose
/// setter defines the property on the object assigned to (the "override mistake" fix of hardened JavaScript);</item>
/// <item>the run's values (<c>input</c>, <c>flow</c>, <c>nodes</c>, <c>vars</c>) are new objects per run.</item>
/// </list>
/// An engine whose run ended in a limit (time, memory, statements, recursion, stack) or an unexpected error is
/// dropped, not reused.
/// </summary>
internal sealed class PooledScriptEngine : IDisposable
{
    // Per set of limits (an engine's limits are fixed when it is built); a few per core is all a server keeps busy.
    private static readonly ConcurrentDictionary<ScriptLimits, ConcurrentQueue<PooledScriptEngine>> Pools = new();
    private static readonly int MaxPooled = Math.Max(4, Environment.ProcessorCount * 4);
    private static readonly TimeSpan Unbounded = TimeSpan.FromDays(3650);

    // Intrinsics no global names: the iterator, generator and async function prototypes.
    private static readonly Prepared<Acornima.Ast.Script> Hidden = JintEngine.PrepareScript("""
        [Reflect.getPrototypeOf([][Symbol.iterator]()), Reflect.getPrototypeOf(new Map()[Symbol.iterator]()),
         Reflect.getPrototypeOf(new Set()[Symbol.iterator]()), Reflect.getPrototypeOf(''[Symbol.iterator]()),
         Reflect.getPrototypeOf(/a/g[Symbol.matchAll]('')), Reflect.getPrototypeOf(function* () {}),
         Reflect.getPrototypeOf(async function () {}), Reflect.getPrototypeOf(async function* () {})]
        """, source: ScriptHost.BuiltInSource, strict: true);

    // Turns an inherited data property into an accessor whose setter gives the object assigned to its own property.
    private static readonly Prepared<Acornima.Ast.Script> Overridable = JintEngine.PrepareScript("""
        (function (o, key) {
          const d = Reflect.getOwnPropertyDescriptor(o, key), value = d.value;
          Reflect.defineProperty(o, key, {
            get: function () { return value; },
            set: function (v) {
              if (this === o) throw new TypeError("Cannot assign to read only property '" + key + "' of a built-in object");
              Reflect.defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
            },
            enumerable: d.enumerable, configurable: false,
          });
        })
        """, source: ScriptHost.BuiltInSource, strict: true);

    private static readonly string[] OverridableKeys = ["constructor", "toString", "toLocaleString", "valueOf", "name", "message", "toJSON", "cause", "stack"];

    /// <summary>Freezes every object reachable from the global object (but not the global object itself).</summary>
    private static void FreezeBuiltIns(JintEngine engine)
    {
        var root = engine.Global;
        var seen = new HashSet<ObjectInstance>(ReferenceEqualityComparer.Instance) { root };
        var objects = new List<ObjectInstance>();
        void Add(JsValue? value)
        {
            if (value is ObjectInstance o && seen.Add(o)) objects.Add(o);
        }
        void AddOwnValues(ObjectInstance o)
        {
            foreach (var key in o.GetOwnPropertyKeys())
            {
                var descriptor = o.GetOwnProperty(key);
                if (descriptor == PropertyDescriptor.Undefined) continue;
                if (descriptor.IsAccessorDescriptor())
                {
                    Add(descriptor.Get);
                    Add(descriptor.Set);
                }
                else Add(descriptor.Value);
            }
        }
        AddOwnValues(root);
        Add(root.Prototype);
        if (engine.Evaluate(Hidden) is JsArray hidden)
            foreach (var value in hidden) Add(value);
        for (var i = 0; i < objects.Count; i++)
        {
            Add(objects[i].Prototype);
            AddOwnValues(objects[i]);
        }
        var overridable = engine.Evaluate(Overridable);
        var freeze = engine.Evaluate("Object.freeze");
        foreach (var o in objects)
        {
            foreach (var key in OverridableKeys)
            {
                var descriptor = o.GetOwnProperty(key);
                if (descriptor != PropertyDescriptor.Undefined && descriptor.IsDataDescriptor() && descriptor.Writable && descriptor.Configurable)
                    engine.Invoke(overridable, o, key);
            }
        }
        foreach (var o in objects) engine.Invoke(freeze, o);
    }

    private readonly OperationDeadlineConstraint _operation = new();
    private readonly GlobalSnapshot _clean;
    private readonly ScriptLimits _limits;

    private PooledScriptEngine(ScriptLimits limits)
    {
        _limits = limits;
        Engine = new JintEngine(options =>
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
            // The run's cancellation, armed per run (Begin/End) instead of fixed when the engine is built.
            options.Constraint(_operation);
            options.MaxArraySize(1_000_000);
            options.RegexTimeoutInterval(limits.Timeout);
            options.DisableStringCompilation();
        });
        // The run's own globals exist from the start (as undefined), so the captured surface has them.
        foreach (var name in RunGlobals) Engine.SetValue(name, JsValue.Undefined);
        Engine.SetValue("setOutcome", new Action<string>(name => Current?.SetRequestedOutcome(name)));
        ScriptHelpers.Install(Engine, () => Current?.Clock ?? TimeProvider.System);
        ResultSizeGuards.Install(Engine, limits.MaxStringLength);
        FreezeBuiltIns(Engine);
        _url = Engine.Global.Get("url");
        _clean = Engine.Advanced.CaptureGlobalSnapshot();
    }

    private readonly JsValue _url;

    /// <summary>The value the global <paramref name="name"/> has in a clean engine (<c>Object</c>, <c>url</c>); null for others.</summary>
    internal JsValue? BuiltInGlobal(string name) => name switch
    {
        "Object" => Engine.Intrinsics.Object,
        "url" => _url,
        _ => null,
    };

    /// <summary>
    /// The own members of <c>Object.prototype</c> (frozen in every pooled engine, so the same in all): a plain object's
    /// member of any other name that it does not have is undefined, without asking an engine.
    /// </summary>
    internal static readonly IReadOnlySet<string> ObjectPrototypeNames = ReadObjectPrototypeNames();

    private static HashSet<string> ReadObjectPrototypeNames()
    {
        using var engine = new JintEngine();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in engine.Intrinsics.Object.PrototypeObject.GetOwnPropertyKeys(Jint.Runtime.Types.String)) names.Add(key.ToString());
        return names;
    }

    /// <summary>The globals each run sets (and a restore resets).</summary>
    internal static readonly string[] RunGlobals = ["input", "flow", "nodes", "vars"];

    public JintEngine Engine { get; }

    /// <summary>The run holding the engine, which the helpers call back.</summary>
    public ScriptHost? Current { get; private set; }

    /// <summary>Set when the run ended in a way that may leave the engine in an unknown state: it is not reused.</summary>
    public bool Spoiled { get; set; }

    // How many engines were built per set of limits (tests of the reuse).
    private static readonly ConcurrentDictionary<ScriptLimits, int> BuiltCounts = new();

    /// <summary>How many engines have been built for these limits.</summary>
    internal static int Built(ScriptLimits limits) => BuiltCounts.TryGetValue(limits, out var count) ? count : 0;

    public static PooledScriptEngine Rent(ScriptLimits limits, ScriptHost host, CancellationToken cancellationToken)
    {
        var engine = Pools.GetOrAdd(limits, _ => new ConcurrentQueue<PooledScriptEngine>()).TryDequeue(out var pooled)
            ? pooled
            : Create(limits);
        engine.Current = host;
        engine._operation.Begin(Unbounded, cancellationToken);
        return engine;
    }

    private static PooledScriptEngine Create(ScriptLimits limits)
    {
        BuiltCounts.AddOrUpdate(limits, 1, (_, count) => count + 1);
        return new PooledScriptEngine(limits);
    }

    /// <summary>The run is over: the engine is cleaned and pooled, or dropped when it cannot be trusted.</summary>
    public void Return()
    {
        _operation.End();
        Current = null;
        if (!Spoiled)
        {
            try
            {
                Engine.Advanced.ResetCallStack();
                Engine.Advanced.RestoreGlobalSnapshot(_clean);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                Spoiled = true;
            }
        }
        var pool = Pools.GetOrAdd(_limits, _ => new ConcurrentQueue<PooledScriptEngine>());
        if (Spoiled || pool.Count >= MaxPooled) Dispose();
        else pool.Enqueue(this);
    }

    public void Dispose() => Engine.Dispose();
}
