using System.Text.Json.Nodes;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>
/// An expression that only reads a member path (<c>nodes.parse.result.numbers</c>, <c>input.id</c>) is answered from
/// the run's values without running the script (ScriptHost.TryEvaluatePath). The answer must be the script's in every
/// case: the same JSON, the scripts before it respected (assignments, replaced globals, shadowing declarations), the
/// same errors and limits, and nothing carried from one run to the next on a reused engine.
/// </summary>
public sealed class MemberPathTests
{
    // Numbers JavaScript writes back otherwise, nulls, keys that look like indexes (JavaScript moves them first),
    // escapes, non-ASCII text and nesting.
    private const string Document = """
        { "numbers": { "a": 1.50, "b": 1e2, "c": 12345678901234567890, "d": -0, "e": 7, "f": -3.25e-2 },
          "keys": { "b": 1, "2": 2, "a": 3, "1": 4 },
          "nested": { "list": [1, "two", null, { "x": [true, false] }], "none": null, "text": "caf\u00e9 \"quoted\" \\ tab\t" },
          "text": "plain" }
        """;

    private static string ParseNode(string json) =>
        $$"""{ "id": "parse", "type": "Json.Parse", "inputs": { "text": {{JsonValue.Create(json).ToJsonString()}} } }""";

    /// <summary>A flow: parse the document, then one SetOutput per (name, expression), in order.</summary>
    private static string FlowOf(params (string Name, string Js)[] outputs) => FlowOf(Document, outputs);

    private static string FlowOf(string document, params (string Name, string Js)[] outputs)
    {
        var nodes = new List<string> { ParseNode(document) };
        var connections = new List<string>();
        var previous = "parse";
        foreach (var (name, js) in outputs)
        {
            nodes.Add($$"""{ "id": "{{name}}", "type": "SetOutput", "inputs": { "name": "{{name}}", "value": { "js": {{JsonValue.Create(js).ToJsonString()}} } } }""");
            connections.Add($$"""{ "from": "{{previous}}:done", "to": "{{name}}" }""");
            previous = name;
        }
        return $$"""
            { "format": 1, "id": "paths",
              "inputs": [ { "name": "id", "type": "string" } ],
              "outputs": [ {{string.Join(", ", outputs.Select(o => $$"""{ "name": "{{o.Name}}", "type": "any" }"""))}} ],
              "nodes": [ {{string.Join(", ", nodes)}} ],
              "connections": [ {{string.Join(", ", connections)}} ] }
            """;
    }

    private static string Json(FlowRunResult result, string name) => result.Outputs.GetValueOrDefault(name)?.ToJsonString() ?? "null";

    [Fact]
    public async Task A_path_gives_the_json_its_script_gives()
    {
        string[] paths = ["nodes.parse.result.numbers", "nodes.parse.result.keys", "nodes.parse.result.nested", "nodes.parse.result.nested.list",
            "nodes.parse.result.nested.none", "nodes.parse.result.text", "nodes.parse.result.missing", "input.id", "input.missing"];
        // First every path while no script has seen the parsed value, then each again through a script that is not a
        // plain path (a computed member), which runs in the engine.
        var outputs = paths.Select((p, i) => ("p" + i, p)).Concat(paths.Select((p, i) => ("s" + i, "[" + p + "][0]"))).ToArray();
        var before = ScriptHost.PathReads;

        var result = await Flow.RunAsync(FlowOf(outputs), Flow.Input("""{ "id": "INC-7" }"""));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        for (var i = 0; i < paths.Length; i++) Json(result, "p" + i).ShouldBe(Json(result, "s" + i), paths[i]);
        Json(result, "p0").ShouldBe("""{"a":1.5,"b":100,"c":1.2345678901234567E+19,"d":0,"e":7,"f":-0.0325}""");
        Json(result, "p1").ShouldBe("""{"1":4,"2":2,"b":1,"a":3}""");
        Json(result, "p2").ShouldBe("""{"list":[1,"two",null,{"x":[true,false]}],"none":null,"text":"caf\u00E9 \u0022quoted\u0022 \\ tab\t"}""");
        Json(result, "p7").ShouldBe("\"INC-7\"");
        Json(result, "p8").ShouldBe("null");
        // The shortcut was taken (at least for the paths it serves here: not for the keys JavaScript reorders).
        (ScriptHost.PathReads - before).ShouldBeGreaterThanOrEqualTo(6);
    }

    [Fact]
    public async Task A_path_reads_what_earlier_scripts_changed()
    {
        var result = await Flow.RunAsync(FlowOf(
            ("a", "(nodes.parse.result.text = 'changed', 1)"),
            ("b", "nodes.parse.result.text"),
            ("c", "(input.id = 'changed too', 1)"),
            ("d", "input.id"),
            ("e", "(Object.defineProperty(input, 'other', { get: () => 'from a getter', enumerable: true }), 1)"),
            ("f", "input.other"),
            ("g", "(nodes = { parse: { result: { text: 'replaced' } } }, 1)"),
            ("h", "nodes.parse.result.text")), Flow.Input("""{ "id": "INC-7" }"""));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        Json(result, "b").ShouldBe("\"changed\"");
        Json(result, "d").ShouldBe("\"changed too\"");
        Json(result, "f").ShouldBe("\"from a getter\"");
        Json(result, "h").ShouldBe("\"replaced\"");
    }

    [Fact]
    public async Task A_path_reads_node_outputs_a_script_assigned_or_redefined_before_any_script_read_them()
    {
        var assigned = await Flow.RunAsync(FlowOf(
            ("a", "(nodes.parse = { result: { text: 'assigned' } }, 1)"),
            ("b", "nodes.parse.result.text")), Flow.Input("""{ "id": "INC-7" }"""));
        var defined = await Flow.RunAsync(FlowOf(
            ("a", "(Object.defineProperty(nodes, 'parse', { value: { result: { text: 'defined' } } }), 1)"),
            ("b", "nodes.parse.result.text")), Flow.Input("""{ "id": "INC-7" }"""));

        assigned.Status.ShouldBe(FlowStatus.Finished, assigned.Fault?.ToString());
        Json(assigned, "b").ShouldBe("\"assigned\"");
        defined.Status.ShouldBe(FlowStatus.Finished, defined.Fault?.ToString());
        Json(defined, "b").ShouldBe("\"defined\"");
    }

    [Fact]
    public async Task A_path_is_shadowed_by_a_global_a_script_declared()
    {
        var result = await Flow.RunAsync(FlowOf(
            ("a", "const input = { id: 'shadow' }; 1"),
            ("b", "input.id"),
            ("c", "nodes.parse.result.text")), Flow.Input("""{ "id": "INC-7" }"""));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        Json(result, "b").ShouldBe("\"shadow\"");
        Json(result, "c").ShouldBe("\"plain\"");
    }

    [Fact]
    public async Task Nothing_a_run_changes_reaches_the_next_run_on_the_same_engine()
    {
        var engine = Flow.Engine();
        var spoiler = engine.Compile(Engine.Flows.FlowJson.Parse(FlowOf(
            ("a", "(nodes = { parse: { result: { text: 'leaked' } } }, input.id = 'leaked', 1)"),
            ("b", "const input = { id: 'leaked' }; 1"))));
        var reader = engine.Compile(Engine.Flows.FlowJson.Parse(FlowOf(("a", "input.id"), ("b", "nodes.parse.result.text"))));

        for (var round = 0; round < 5; round++)
        {
            (await engine.RunAsync(spoiler, Flow.Input("""{ "id": "first" }"""))).Status.ShouldBe(FlowStatus.Finished);
            var result = await engine.RunAsync(reader, Flow.Input($$"""{ "id": "run {{round}}" }"""));

            result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
            Json(result, "a").ShouldBe($"\"run {round}\"");
            Json(result, "b").ShouldBe("\"plain\"");
        }
    }

    [Fact]
    public async Task A_path_that_cannot_be_read_fails_as_its_script_does()
    {
        var result = await Flow.RunAsync(FlowOf(("a", "nodes.parse.result.missing.deeper")), Flow.Input("{}"));

        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.NodeId.ShouldBe("a");
        result.Fault.Message.ShouldContain("TypeError");
        result.Fault.Message.ShouldContain("deeper");
    }

    [Fact]
    public async Task A_path_to_a_value_over_the_limits_fails_as_its_script_does()
    {
        var options = new FlowEngineOptions { ScriptLimits = new ScriptLimits { MaxResultLength = 40 } };

        var result = await Flow.RunAsync(FlowOf(("a", "nodes.parse.result.nested")), Flow.Input("{}"), options);

        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.Message.ShouldContain("larger than the limit of 40 characters");
    }

    // Every kind of value `path || {}` may meet: the falsy ones, truthy ones of each type, keys JavaScript reorders.
    private const string Falsy = """
        { "values": { "none": null, "no": false, "zero": 0, "negativeZero": -0, "zeroPointZero": 0.0, "empty": "",
                      "yes": true, "one": 1, "text": "x", "space": " ", "object": { "a": 1 }, "emptyObject": {}, "list": [0], "emptyList": [],
                      "reordered": { "b": 1, "2": 2 }, "big": 12345678901234567890 } }
        """;

    [Fact]
    public async Task A_path_or_an_empty_object_gives_what_its_script_gives()
    {
        string[] names = ["none", "no", "zero", "negativeZero", "zeroPointZero", "empty", "yes", "one", "text", "space", "object", "emptyObject",
            "list", "emptyList", "reordered", "big", "missing"];
        // Read from parsed outputs no script has seen, from the same after a script touched them, and from input; each
        // against the same expression in a form that is not a plain path (so it runs in the engine).
        var outputs = new List<(string, string)>();
        foreach (var (name, i) in names.Select((n, i) => (n, i))) outputs.Add(("p" + i, $"nodes.parse.result.values.{name} || {{}}"));
        outputs.Add(("touch", "(nodes.parse.result.values.touched = 1, 1)"));
        foreach (var (name, i) in names.Select((n, i) => (n, i))) outputs.Add(("t" + i, $"nodes.parse.result.values.{name} || {{}}"));
        foreach (var (name, i) in names.Select((n, i) => (n, i))) outputs.Add(("s" + i, $"[nodes.parse.result.values.{name}][0] || {{}}"));
        outputs.Add(("setInput", "(input.nan = NaN, input.inf = Infinity, input.zero = 0, input.no = false, input.empty = '', input.nothing = null, input.yes = 'y', 1)"));
        string[] inputNames = ["nan", "inf", "zero", "no", "empty", "nothing", "yes", "id", "missing"];
        foreach (var (name, i) in inputNames.Select((n, i) => (n, i)))
        {
            outputs.Add(("i" + i, $"input.{name} || {{}}"));
            outputs.Add(("j" + i, $"[input.{name}][0] || {{}}"));
        }
        var before = ScriptHost.PathReads;

        var result = await Flow.RunAsync(FlowOf(Falsy, outputs.ToArray()), Flow.Input("""{ "id": "INC-7" }"""));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        for (var i = 0; i < names.Length; i++)
        {
            Json(result, "p" + i).ShouldBe(Json(result, "s" + i), names[i]);
            Json(result, "t" + i).ShouldBe(Json(result, "s" + i), names[i]);
        }
        for (var i = 0; i < inputNames.Length; i++) Json(result, "i" + i).ShouldBe(Json(result, "j" + i), inputNames[i]);
        // The falsy ones give an empty object, the rest their value.
        Json(result, "p0").ShouldBe("{}");
        Json(result, "p3").ShouldBe("{}");
        Json(result, "p5").ShouldBe("{}");
        Json(result, "p9").ShouldBe("\" \"");
        Json(result, "p11").ShouldBe("{}");
        Json(result, "p13").ShouldBe("[]");
        Json(result, "p16").ShouldBe("{}");
        Json(result, "i0").ShouldBe("{}");
        Json(result, "i7").ShouldBe("\"INC-7\"");
        // Read without running the script: every one of the 17 parsed reads but the reordered keys, both times, and the
        // input reads.
        (ScriptHost.PathReads - before).ShouldBeGreaterThanOrEqualTo(2 * 16 + inputNames.Length);
    }
}
