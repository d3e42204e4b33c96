using System.Text.Json.Nodes;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Values;
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
        // Members read one at a time before anything fills the object: the same values, the same value when read
        // twice (also after the object is filled), and the JSON's key order, whatever comes next.
        "[v.a === v.a, v.a.x === v.a.x, v.numbers === v.numbers, v.a.x[1] === v.a.x[1]]",
        "(v.text, v.a, v['2'], v.zz, [Object.keys(v), Object.keys(v.a)])",
        "(() => { const a = v.a; a.added = 1; a.x.push(9); return [a === v.a, JSON.stringify(v)]; })()",
        "(() => { v.a.n = 'changed'; return v; })()",
        "(v.b, v.text, v.t, v.numbers.big, v)",
        "(v.zz, [v.constructor === Object, v.toString === Object.prototype.toString, Object.keys(v)])",
        "(v.b, ['b' in v, 'zz' in v, 'toString' in v, v.hasOwnProperty('text'), '__proto__' in v, Object.hasOwn(v.a, 'x')])",
        "(() => { const a = v.a; delete v.a; return [a.n, 'a' in v, Object.keys(v), v.a]; })()",
        "(() => { const a = v.a; return [delete v.b, a === v.a, JSON.stringify(v)]; })()",
        "(v.b, Object.defineProperty(v, 'b', { value: 9, enumerable: false }), [v.b, Object.keys(v), JSON.stringify(v)])",
        "(() => { const a = v.a; Object.defineProperty(v, 'x', { value: 1 }); return [a === v.a, Object.getOwnPropertyNames(v)]; })()",
        "(v.b, v.b = 5, v.t = 'x', v.zz = 1, [v.b, v.zz, JSON.stringify(v)])",
        "(v.a, v.b, JSON.stringify(v), JSON.stringify(v.a))",
        "(v.a, Object.entries(v.a).length, Reflect.ownKeys(v), Object.assign({}, v.a))",
        "(() => { const keys = []; v.b; for (const k in v) keys.push(k); return keys; })()",
        "[v[Symbol.iterator], v[Symbol.toPrimitive], `${v.a}`, String(v), Object.getOwnPropertySymbols(v).length]",
        "[v[1], v['1'], v[2], v['2'], v['__proto__'].p, v.__proto__.p, Object.keys(v)]",
        "(() => { const a = v.a; const all = [v.b, v['2'], v['1'], v.numbers, v.text, v.t, v.f, v.empty, v.__proto__, v.zz]; return [a === v.a, all.length, Object.keys(v)]; })()",
        "(() => { for (let i = 0; i < 20; i++) v['m' + i]; const a = v.a; return [a === v.a, v.zz, Object.keys(v)]; })()",
        "(() => { const c = Object.create(v); return [c.b, c.a === v.a, 'a' in c, Object.keys(c), Object.keys(v)]; })()",
        "(v.a, Object.freeze(v), [Object.isFrozen(v), v.a === v.a, Object.isFrozen(v.a)])",
        "(() => { const n = v.numbers; return [Object.is(n.neg, -0), n.big, Object.keys(n), v.numbers === n]; })()",
        "(Object.setPrototypeOf(v, { zz: 'inherited' }), [v.zz, v.b, Object.keys(v)])",
        "(v.b, Object.preventExtensions(v), v.more = 1, [v.more, v.b, Object.isExtensible(v)])",
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
    public void Reading_members_one_at_a_time_fills_nothing_else_and_a_listing_fills_the_object()
    {
        foreach (var source in new[] { JsonNode.Parse(Document)!, ParsedJson.NodeOf(System.Text.Json.JsonDocument.Parse(Document).RootElement)! })
        {
            using var engine = new Jint.Engine(options => options.Strict());
            var lazy = JsConvert.ToJs(engine, source).ShouldBeOfType<LazyJsonObject>();
            engine.SetValue("v", lazy);

            engine.Evaluate("v.b + v.text + v.zz + v.a.n + v.a.n").ToString().ShouldBe("1café \"quoted\" \\ tab\tundefinednullnull");

            lazy.Filled.ShouldBeFalse();
            var a = lazy.Get("a").ShouldBeOfType<LazyJsonObject>();
            a.Filled.ShouldBeFalse();
            // Handing out an object member ends the untouched state (a script may change it); strings did not.
            lazy.Untouched.ShouldBeNull();
            engine.Evaluate("Object.keys(v).length").AsNumber().ShouldBe(10);
            lazy.Filled.ShouldBeTrue();
            a.Filled.ShouldBeFalse();
            lazy.Get("a").ShouldBeSameAs(a);
        }
    }

    [Fact]
    public void A_value_whose_scalars_alone_were_read_still_converts_back_from_its_json()
    {
        using var engine = new Jint.Engine(options => options.Strict());
        var source = JsonNode.Parse(Document)!;
        var lazy = JsConvert.ToJs(engine, source).ShouldBeOfType<LazyJsonObject>();
        engine.SetValue("v", lazy);

        engine.Evaluate("[v.b, v.text, v.t, v.zz]");

        lazy.Untouched.ShouldBeSameAs(source);
    }

    [Theory]
    [InlineData("(v.b, v)", """{"a":{"n":1},"b":"x"}""")]
    [InlineData("(() => { v.a.n = 'changed'; return v; })()", """{"a":{"n":"changed"},"b":"x"}""")]
    [InlineData("(() => { const a = v.a; a.n = 2; return [v.b, v]; })()", """["x",{"a":{"n":2},"b":"x"}]""")]
    public void A_value_an_object_member_of_which_was_handed_out_converts_back_from_javascript(string script, string expected)
    {
        // A document the member-path copy takes (no index-like names): an untouched value converts back from its JSON.
        foreach (var source in new[] { JsonNode.Parse("""{ "a": { "n": 1 }, "b": "x" }""")!, ParsedJson.NodeOf(System.Text.Json.JsonDocument.Parse("""{ "a": { "n": 1 }, "b": "x" }""").RootElement)! })
            Run(script, (engine, value) => JsConvert.ToJs(engine, value), source).ShouldBe(expected);
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
