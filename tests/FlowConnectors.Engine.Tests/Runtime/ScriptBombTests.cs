using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>
/// Scripts and templates that used to end the process (a native stack overflow no catch sees) or take
/// gigabytes before a limit was checked: each is now a node fault with a clear message.
/// </summary>
public sealed class ScriptBombTests
{
    private static string JsFlow(string code) => $$"""
        { "format": 1, "id": "bomb", "outputs": [ { "name": "r", "type": "any" } ],
          "nodes": [ { "id": "bomb", "type": "RunJavaScript", "inputs": { "code": {{JsonSerializer.Serialize(code)}} } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "r", "value": { "js": "nodes.bomb.result" } } } ],
          "connections": [ { "from": "bomb:done", "to": "out" } ] }
        """;

    private static string TemplateFlow(string template) => $$"""
        { "format": 1, "id": "bomb",
          "nodes": [ { "id": "bomb", "type": "Template", "inputs": { "template": {{JsonSerializer.Serialize(template)}} } } ],
          "connections": [] }
        """;

    public static TheoryData<string> DeepStructures => new()
    {
        "let o = {}; for (let i = 0; i < 20000; i++) o = { a: o }; return JSON.stringify(o).length;",
        "let a = [1]; for (let i = 0; i < 5000; i++) a = [a]; return String(a).length;",
        "let a = [1]; for (let i = 0; i < 200000; i++) a = [a]; return String(a).length;",
        "let a = []; for (let i = 0; i < 200000; i++) a = [a]; return a.flat(Infinity).length;",
        "let a = [1]; for (let i = 0; i < 200000; i++) a = [a]; return `${a}`.length;",
        "let o = {}; for (let i = 0; i < 200000; i++) o = { a: o }; return JSON.stringify(o, null, 2).length;",
        "let f = function () { return 1; }; for (let i = 0; i < 200000; i++) f = f.bind(null); return f();",
        "let p = {}; for (let i = 0; i < 100000; i++) p = new Proxy(p, {}); return p.x;",
        "function* g(n) { if (n > 0) yield* g(n - 1); else yield 1; } return [...g(200000)].length;",
    };

    [Theory]
    [MemberData(nameof(DeepStructures))]
    public async Task A_structure_nested_thousands_deep_faults_the_node_instead_of_overflowing_the_stack(string code)
    {
        var limits = new ScriptLimits { Timeout = TimeSpan.FromMinutes(1), MaxStatements = int.MaxValue };
        var result = await Flow.RunAsync(JsFlow(code), options: new FlowEngineOptions { ScriptLimits = limits });

        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.NodeId.ShouldBe("bomb");
        // Array-to-text conversions go through the guarded join, a script function, so the call limit may answer first.
        result.Fault.Message.ShouldMatch("Maximum call stack size exceeded|recursed deeper than the limit of 256 calls");
    }

    [Fact]
    public async Task A_deep_structure_faults_cleanly_even_on_a_thread_with_a_small_stack()
    {
        // The guard measures the stack it runs on, so a host thread of any size is safe.
        FlowRunResult? result = null;
        var thread = new Thread(() => result = Flow.RunAsync(JsFlow(
            "let o = {}; for (let i = 0; i < 20000; i++) o = { a: o }; return JSON.stringify(o).length;")).GetAwaiter().GetResult(), 256 * 1024);
        thread.Start();
        thread.Join();

        result!.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.Message.ShouldContain("Maximum call stack size exceeded");
    }

    [Fact]
    public async Task A_result_nested_deeper_than_json_can_hold_is_refused_when_converted()
    {
        var result = await Flow.RunAsync(JsFlow("let a = []; for (let i = 0; i < 20000; i++) a = [a]; return a;"));

        result.Fault!.ToString().ShouldBe("node 'bomb' (RunJavaScript): the result nests deeper than 64 levels or refers to itself");
    }

    [Fact]
    public async Task A_value_nested_too_deep_for_a_script_is_refused_before_it_is_converted()
    {
        JsonNode deep = new JsonArray();
        for (var i = 0; i < 300; i++) deep = new JsonArray(deep);
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "deep", "inputs": [ { "name": "value", "type": "any" } ], "outputs": [ { "name": "r", "type": "any" } ],
          "nodes": [ { "id": "read", "type": "SetOutput", "inputs": { "name": "r", "value": { "js": "1" } } } ], "connections": [] }
        """, new JsonObject { ["value"] = deep });

        result.Fault!.ToString().ShouldBe("node 'read' (SetOutput): input 'value': a value nests deeper than 256 levels");
    }

    [Fact]
    public void Code_nested_too_deep_to_parse_is_a_validation_problem_not_a_crash()
    {
        var code = new string('(', 100_000) + "1" + new string(')', 100_000);
        var problems = Flow.Validate($$"""
        { "format": 1, "id": "deep", "outputs": [ { "name": "r", "type": "any" } ],
          "nodes": [ { "id": "read", "type": "SetOutput", "inputs": { "name": "r", "value": { "js": "{{code}}" } } } ], "connections": [] }
        """);

        problems.ShouldContain(p => p.Code == "JS_SYNTAX" && p.Message.Contains("nest"));
    }

    // 5,000 levels: far past both limits, and built in a fraction of the template time limit. Building 50,000 took over
    // the 2,000 ms limit at a load average of 40 on 2 cores, so the node faulted for its time instead of its depth.
    [Theory]
    [InlineData("{{ a = [] }}{{ for i in 1..5000 }}{{ a = [a] }}{{ end }}{{ a }}", "too deeply nested")]
    [InlineData("{{ a = [] }}{{ for i in 1..5000 }}{{ a = [a] }}{{ end }}{{ json.stringify a }}", "nests deeper than 64 levels")]
    public async Task A_template_building_a_structure_thousands_deep_faults_the_node(string template, string expected)
    {
        var result = await Flow.RunAsync(TemplateFlow(template));

        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.NodeId.ShouldBe("bomb");
        result.Fault.Message.ShouldContain(expected);
    }

    [Theory]
    [InlineData("const s = 'x'.repeat(10 * 1024 * 1024); return JSON.stringify(Array(200).fill(s)).length;", "JSON.stringify would produce a string over the limit of 10,485,760 characters")]
    [InlineData("const s = 'x'.repeat(10 * 1024 * 1024); return JSON.stringify({ a: s, b: s }).length;", "JSON.stringify would produce a string over the limit of 10,485,760 characters")]
    [InlineData("const s = 'x'.repeat(10 * 1024 * 1024); return Array(200).fill(s).join('').length;", "join would produce a string over the limit of 10,485,760 characters")]
    [InlineData("const s = 'x'.repeat(10 * 1024 * 1024); return String([[s], [s]]).length;", "join would produce a string over the limit of 10,485,760 characters")]
    [InlineData("return Array(1000).join('y'.repeat(1024 * 1024)).length;", "join would produce a string over the limit of 10,485,760 characters")]
    [InlineData("return 'ab'.padEnd(2 ** 30).length;", "padEnd would produce a string over the limit of 10,485,760 characters")]
    [InlineData("return Array(2000).fill('z'.repeat(100000));", "the result is larger than the limit of 33,554,432 characters")]
    public async Task A_script_producing_a_huge_string_faults_before_building_it(string code, string expected)
    {
        var limits = new ScriptLimits { Timeout = TimeSpan.FromMinutes(1) };
        var result = await Flow.RunAsync(JsFlow(code), options: new FlowEngineOptions { ScriptLimits = limits });

        result.Fault!.ToString().ShouldBe($"node 'bomb' (RunJavaScript): {expected}");
    }

    [Fact]
    public async Task Json_stringify_and_join_of_ordinary_values_are_unchanged()
    {
        var result = await Flow.RunAsync(JsFlow("""
            return [JSON.stringify({ a: [1, 'x', null, { b: true }] }), JSON.stringify([1, 2], null, 2), [1, [2, [3]]].join('-'),
                    String([1, [2, 3]]), 'ab'.repeat(3), '7'.padStart(3, '0'), 'x'.padEnd(2)];
            """));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["r"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(
            ["{\"a\":[1,\"x\",null,{\"b\":true}]}", "[\n  1,\n  2\n]", "1-2,3", "1,2,3", "ababab", "007", "x "]);
    }

    [Fact]
    public async Task A_template_regular_expression_is_held_to_the_script_time_limit()
    {
        var limits = new ScriptLimits { Timeout = TimeSpan.FromMilliseconds(300) };
        var result = await Flow.RunAsync(TemplateFlow("{{ \"" + new string('a', 40) + "b\" | regex.match \"^(a+)+$\" }}"),
            options: new FlowEngineOptions { ScriptLimits = limits });

        result.Fault!.ToString().ShouldBe("node 'bomb' (Template): template ran longer than the 300 ms limit (in a regular expression)");
    }

    [Fact]
    public async Task A_template_that_loops_past_the_time_limit_faults_naming_the_limit()
    {
        var limits = new ScriptLimits { Timeout = TimeSpan.FromMilliseconds(300), TemplateLoopLimit = 0 };
        var result = await Flow.RunAsync(TemplateFlow("{{ s = \"ab\" | string.pad_right 100000 }}{{ while true }}{{ x = s | string.replace \"a\" \"b\" }}{{ end }}"),
            options: new FlowEngineOptions { ScriptLimits = limits });

        result.Fault!.ToString().ShouldBe("node 'bomb' (Template): template ran longer than the 300 ms limit");
    }

    [Fact]
    public async Task A_javascript_regular_expression_is_held_to_the_script_time_limit()
    {
        var limits = new ScriptLimits { Timeout = TimeSpan.FromMilliseconds(300) };
        var result = await Flow.RunAsync(JsFlow("return /^(a+)+$/.test('" + new string('a', 40) + "b');"),
            options: new FlowEngineOptions { ScriptLimits = limits });

        result.Fault!.ToString().ShouldStartWith("node 'bomb' (RunJavaScript): script ran longer than the 300 ms limit");
    }
}
