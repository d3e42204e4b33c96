using System.Text.Json.Nodes;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Runtime;
using Jint;
using Jint.Native;
using Jint.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>
/// Values handed to scripts are converted on first touch (JsConvert.ToJs gives a LazyJsonObject per JSON object).
/// Whatever a script does with one, it must see what a conversion of the whole value up front gave it: the reference
/// here is that conversion (plain objects filled at once), and every operation is run on both.
/// </summary>
public sealed class LazyValueTests
{
    // Index-like keys (JavaScript moves them first), numbers JavaScript writes back otherwise, nulls, escapes,
    // non-ASCII text, a key named __proto__, nesting in objects and arrays.
    internal const string Document = """
        { "b": 1, "2": "two", "a": { "x": [1, { "deep": { "k": "v" } }, null], "n": null },
          "1": 1.50, "numbers": { "big": 12345678901234567890, "exp": 1e2, "neg": -0, "frac": -3.25e-2 },
          "text": "caf\u00e9 \"quoted\" \\ tab\t", "__proto__": { "p": 1 }, "t": true, "f": false, "empty": {} }
        """;

    internal static readonly string[] Scripts =
    [
        "JSON.stringify(v)",
        "JSON.stringify(v, null, 2)",
        "JSON.stringify(v.a)",
        "Object.keys(v)",
        "Object.values(v.numbers)",
        "Object.entries(v.a)",
        "Reflect.ownKeys(v)",
        "Object.getOwnPropertyNames(v.a)",
        "Object.assign({}, v)",
        "({ ...v, extra: 1 })",
        "(() => { const keys = []; for (const k in v) keys.push(k); return keys; })()",
        "(() => { const keys = []; for (const k in v.a.x[1]) keys.push(k); return keys; })()",
        "['a' in v, 'zz' in v, 'toString' in v, '2' in v, '__proto__' in v]",
        "[v.hasOwnProperty('a'), v.hasOwnProperty('zz'), Object.prototype.hasOwnProperty.call(v, '1'), Object.hasOwn(v.a, 'n')]",
        "[typeof v, typeof v.a, v instanceof Object, v.a instanceof Object, Array.isArray(v), Array.isArray(v.a.x)]",
        "[Object.getPrototypeOf(v) === Object.prototype, Object.getPrototypeOf(v.a.x[1]) === Object.prototype, v.constructor === Object]",
        "[Object.prototype.toString.call(v), String(v), `${v.a.x[1]}`, v.toString === Object.prototype.toString]",
        "[Object.isExtensible(v), Object.isFrozen(v), Object.isSealed(v.a)]",
        "Object.getOwnPropertyDescriptor(v, 'b')",
        "Object.getOwnPropertyDescriptor(v.a, 'x').value",
        "(delete v.b, delete v['2'], JSON.stringify(v))",
        "(v.a.x[1].deep.k = 'changed', v.z = 1, v['0'] = 'zero', JSON.stringify(v))",
        "(v.a.x.push(4), v.a.x.length)",
        "(Object.freeze(v), [Object.isFrozen(v), Object.keys(v).length])",
        "(() => { Object.freeze(v.a); try { v.a.n = 1; return 'assigned'; } catch (e) { return e.constructor.name; } })()",
        "(Object.defineProperty(v, 'b', { value: 9, enumerable: false }), [v.b, Object.keys(v)])",
        "(Object.setPrototypeOf(v.a, { inherited: 'yes' }), [v.a.inherited, Object.keys(v.a)])",
        "(Object.setPrototypeOf(v, null), Object.keys(v))",
        "(Object.preventExtensions(v.a), v.a.more = 1, v.a.more)",
        "v.__proto__ === Object.prototype",
        "v['__proto__'].p",
        "[v.numbers.big, v.numbers.exp, Object.is(v.numbers.neg, -0), v.numbers.frac, v[1], v[2]]",
        "v.a.x[1]",
        "v.empty",
        "Object.keys(v.empty).length",
        "v.a",
        "v",
        "[v.missing, v.a.missing, v.a.n]",
        "(() => { const { a: { x: [first, second] }, ...rest } = v; return [first, second, Object.keys(rest)]; })()",
        "Object.fromEntries(Object.entries(v.numbers).map(([k, n]) => [k, n * 2]))",
        "JSON.parse(JSON.stringify(v.a))",
        "new Map(Object.entries(v.a)).size",
        "Object.keys(Object.getOwnPropertyDescriptors(v))",
    ];

    public static TheoryData<string> ScriptCases()
    {
        var data = new TheoryData<string>();
        foreach (var script in Scripts) data.Add(script);
        return data;
    }

    /// <summary>The conversion as it was before values became lazy: every object filled at once.</summary>
    internal static JsValue Eager(Jint.Engine engine, JsonNode? value)
    {
        switch (value)
        {
            case null:
                return JsValue.Null;
            case JsonObject obj:
                var target = new JsObject(engine);
                foreach (var (key, child) in obj) target.FastSetDataProperty(key, Eager(engine, child));
                return target;
            case JsonArray array:
                return new JsArray(engine, array.Select(item => Eager(engine, item)).ToArray());
            default:
                var converted = JsConvert.ToJs(engine, value);
                converted.ShouldNotBeOfType<LazyJsonObject>();
                return converted;
        }
    }

    internal static string Run(string script, Func<Jint.Engine, JsonNode, JsValue> convert, JsonNode source)
    {
        using var engine = new Jint.Engine(options => options.Strict());
        engine.SetValue("v", convert(engine, source));
        try
        {
            return JsConvert.FromJs(engine.Evaluate(script), ScriptLimits.Default)?.ToJsonString() ?? "undefined";
        }
        catch (JavaScriptException e)
        {
            return "threw " + e.Message;
        }
    }

    [Theory]
    [MemberData(nameof(ScriptCases))]
    public void A_script_sees_what_a_full_conversion_gave_it(string script)
    {
        var eagerSource = JsonNode.Parse(Document)!;
        var lazySource = JsonNode.Parse(Document)!;

        var lazy = Run(script, (engine, value) => JsConvert.ToJs(engine, value).ShouldBeOfType<LazyJsonObject>(), lazySource);

        lazy.ShouldBe(Run(script, Eager, eagerSource));
        // Whatever the script did, the JSON the value came from is as it was.
        lazySource.ToJsonString().ShouldBe(JsonNode.Parse(Document)!.ToJsonString());
    }

    [Fact]
    public void An_untouched_value_converts_back_to_the_json_a_full_conversion_gives()
    {
        using var engine = new Jint.Engine(options => options.Strict());
        var source = JsonNode.Parse(Document)!;
        var lazy = JsConvert.ToJs(engine, source).ShouldBeOfType<LazyJsonObject>();
        lazy.Untouched.ShouldBeSameAs(source);

        var back = JsConvert.FromJs(lazy, ScriptLimits.Default)!.ToJsonString();

        back.ShouldBe(JsConvert.FromJs(Eager(engine, source), ScriptLimits.Default)!.ToJsonString());
        // Index-like keys first, as JavaScript orders them; numbers as JavaScript writes them.
        back.ShouldStartWith("""{"1":1.5,"2":"two","b":1,""");
        // Only touched objects are filled: the nested ones converted back from their JSON give the same too.
        lazy.Get("a");
        lazy.Untouched.ShouldBeNull();
        JsConvert.FromJs(lazy, ScriptLimits.Default)!.ToJsonString().ShouldBe(back);
        source.ToJsonString().ShouldBe(JsonNode.Parse(Document)!.ToJsonString());
    }

    [Fact]
    public void The_depth_limit_holds_for_parts_no_script_touches()
    {
        JsonNode deep = new JsonObject { ["leaf"] = 1 };
        for (var i = 0; i < 300; i++) deep = new JsonObject { ["next"] = deep };
        var value = new JsonObject { ["shallow"] = 1, ["deep"] = deep };
        using var engine = new Jint.Engine(options => options.Strict());

        Should.Throw<ExpressionException>(() => JsConvert.ToJs(engine, value))
            .Message.ShouldBe($"a value nests deeper than {JsConvert.MaxInputDepth} levels");
    }

    [Fact]
    public void The_result_size_limit_holds_for_an_untouched_value()
    {
        var big = new JsonObject();
        for (var i = 0; i < 100; i++) big["k" + i] = new string('x', 100);
        var limits = ScriptLimits.Default with { MaxResultLength = 5_000 };
        using var engine = new Jint.Engine(options => options.Strict());
        var eager = Should.Throw<ExpressionException>(() => JsConvert.FromJs(Eager(engine, big), limits)).Message;

        var lazy = Should.Throw<ExpressionException>(() => JsConvert.FromJs(JsConvert.ToJs(engine, big), limits)).Message;
        // Also where the untouched object is one member of a larger result.
        var wrapped = engine.Evaluate("(function (v) { return { before: 'x', v: v }; })").AsFunctionInstance();
        var nested = Should.Throw<ExpressionException>(() => JsConvert.FromJs(wrapped.Call(JsValue.Undefined, [JsConvert.ToJs(engine, big)]), limits)).Message;

        lazy.ShouldBe(eager);
        nested.ShouldBe(eager);
    }

    [Fact]
    public async Task A_script_changing_its_input_changes_neither_the_run_values_nor_the_next_run_on_the_reused_engine()
    {
        const string flow = """
            { "format": 1, "id": "mutate",
              "inputs": [ { "name": "order", "type": "object" } ],
              "outputs": [ { "name": "changed", "type": "any" }, { "name": "after", "type": "any" }, { "name": "path", "type": "any" } ],
              "nodes": [
                { "id": "change", "type": "SetOutput", "inputs": { "name": "changed", "value": { "js": "(input.order.lines[0].sku = 'X', delete input.order.id, input.order.extra = true, Object.freeze(input.order), JSON.stringify(input.order))" } } },
                { "id": "after", "type": "SetOutput", "inputs": { "name": "after", "value": { "js": "JSON.stringify(input.order)" } } },
                { "id": "path", "type": "SetOutput", "inputs": { "name": "path", "value": { "js": "input.order.lines" } } }
              ],
              "connections": [ { "from": "change:done", "to": "after" }, { "from": "after:done", "to": "path" } ] }
            """;
        const string order = """{ "order": { "id": "o-1", "lines": [ { "sku": "A", "qty": 2 } ] } }""";
        var limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(29) };
        var options = new FlowEngineOptions { ScriptLimits = limits };

        for (var run = 0; run < 3; run++)
        {
            var input = JsonNode.Parse(order)!.AsObject();
            var result = await Flow.RunAsync(flow, input, options);

            result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
            ((string?)result.Outputs["changed"]).ShouldBe("""{"lines":[{"sku":"X","qty":2}],"extra":true}""");
            // Within the run the script's changes stay in JavaScript and later scripts see them (also a path read).
            ((string?)result.Outputs["after"]).ShouldBe("""{"lines":[{"sku":"X","qty":2}],"extra":true}""");
            result.Outputs["path"]!.ToJsonString().ShouldBe("""[{"sku":"X","qty":2}]""");
            // The caller's value and the next run see the order as it came.
            input.ToJsonString().ShouldBe(JsonNode.Parse(order)!.ToJsonString());
        }
        PooledScriptEngine.Built(limits).ShouldBe(1);
    }

    [Fact]
    public async Task A_path_read_of_an_untouched_value_respects_a_prototype_a_script_gave_it()
    {
        const string flow = """
            { "format": 1, "id": "proto",
              "inputs": [ { "name": "order", "type": "object" } ],
              "outputs": [ { "name": "before", "type": "any" }, { "name": "set", "type": "any" }, { "name": "after", "type": "any" } ],
              "nodes": [
                { "id": "before", "type": "SetOutput", "inputs": { "name": "before", "value": { "js": "input.order.id" } } },
                { "id": "set", "type": "SetOutput", "inputs": { "name": "set", "value": { "js": "(Object.setPrototypeOf(input.order, { inherited: 'from proto' }), 1)" } } },
                { "id": "after", "type": "SetOutput", "inputs": { "name": "after", "value": { "js": "input.order.inherited" } } }
              ],
              "connections": [ { "from": "before:done", "to": "set" }, { "from": "set:done", "to": "after" } ] }
            """;
        var before = ScriptHost.PathReads;

        var result = await Flow.RunAsync(flow, JsonNode.Parse("""{ "order": { "id": "o-1" } }""")!.AsObject());

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
        ((string?)result.Outputs["before"]).ShouldBe("o-1");
        ((string?)result.Outputs["after"]).ShouldBe("from proto");
        (ScriptHost.PathReads - before).ShouldBeGreaterThanOrEqualTo(1);
    }
}

/// <summary>Copies that share parsed text (a called flow's outputs, a member path's value) are copies all the same.</summary>
public sealed class SharedTextCopyTests
{
    [Fact]
    public void A_copy_sharing_parsed_text_is_equal_and_independent()
    {
        const string json = """{ "s": "caf\u00e9 \"q\"", "n": 1.50, "a": [1, "x", null, { "k": true }], "o": { "2": 2, "1": 1 }, "z": null }""";
        var source = JsonNode.Parse(json)!;

        var copy = FlowConnectors.Engine.Values.JsonValues.CopySharingText(source, runValue: false)!;

        copy.ToJsonString().ShouldBe(source.DeepClone().ToJsonString());
        JsonNode.DeepEquals(copy, source).ShouldBeTrue();
        copy["s"] = "changed";
        copy["a"]!.AsArray().Add(5);
        copy["o"]!["1"] = 9;
        source.ToJsonString().ShouldBe(JsonNode.Parse(json)!.ToJsonString());
    }
}
