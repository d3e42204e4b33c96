using System.Text.Json;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>
/// Script engines are pooled and reused from one run to the next: nothing a run changes in its engine is seen
/// by a later run, and the limits hold on a reused engine as on a new one.
/// </summary>
public sealed class ScriptEngineReuseTests
{
    // Limits of their own, so these runs get a pool of their own and the engine counts are this class's alone.
    // Each test's own limits (the pool is keyed by them). The statement limit is far above what an endless loop runs
    // before a time limit or a cancellation stops it, so on a fast machine the limit a test is about is the one that fires.
    private static ScriptLimits Limits(int tag) => new() { MaxStatements = 200_000_000 - tag, Timeout = TimeSpan.FromSeconds(30) };

    private static string JsFlow(string code) => $$"""
        { "format": 1, "id": "reuse", "outputs": [ { "name": "r", "type": "any" } ],
          "nodes": [ { "id": "js", "type": "RunJavaScript", "inputs": { "code": {{JsonSerializer.Serialize(code)}} } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "r", "value": { "js": "nodes.js.result" } } } ],
          "connections": [ { "from": "js:done", "to": "out" } ] }
        """;

    private static async Task<FlowRunResult> RunAsync(string code, ScriptLimits limits) =>
        await Flow.RunAsync(JsFlow(code), options: new FlowEngineOptions { ScriptLimits = limits });

    [Fact]
    public async Task Globals_and_built_ins_changed_by_one_run_are_not_seen_by_the_next_on_the_same_engine()
    {
        var limits = Limits(1);
        var mutate = await RunAsync("""
            globalThis.leaked = 'from run 1';
            globalThis.JSON = { stringify: () => 'hijacked' };
            const tries = [];
            for (const attempt of [
              () => { Array.prototype.first = function () { return this[0]; }; },
              () => { Object.prototype.polluted = true; },
              () => { String.prototype.trim = () => 'hijacked'; },
              () => { Math.max = () => -1; },
              () => { Object.setPrototypeOf(Array.prototype, null); },
              () => { Object.getPrototypeOf([][Symbol.iterator]()).next = () => ({ done: true }); },
              () => { base64.encode = () => 'hijacked'; },
              () => { delete Array.prototype.map; },
            ]) { try { attempt(); tries.push('changed'); } catch (e) { tries.push(e.name); } }
            // Plain objects still get their own toString, name and message (inherited ones are built-in).
            const o = {}; o.toString = () => 'own';
            const e = new Error('x'); e.name = 'ValidationError';
            return { tries, own: String(o), error: String(e), leaked: globalThis.leaked };
            """, limits);
        mutate.Status.ShouldBe(FlowStatus.Finished, mutate.Fault?.Message);
        var first = mutate.Outputs["r"]!.AsObject();
        // Built-in objects are frozen: every attempt to change one fails in strict mode.
        first["tries"]!.AsArray().Select(t => (string?)t).ShouldAllBe(t => t == "TypeError");
        ((string?)first["own"]).ShouldBe("own");
        ((string?)first["error"]).ShouldBe("ValidationError: x");
        ((string?)first["leaked"]).ShouldBe("from run 1");

        var observe = await RunAsync("""
            return {
              leaked: typeof leaked, json: JSON.stringify({ a: 1 }), first: typeof [].first, polluted: ({}).polluted === undefined,
              trim: ' a '.trim(), max: Math.max(1, 2), spread: [...[1, 2]].length, b64: base64.encode('a'), map: [1].map(x => x + 1)[0],
            };
            """, limits);

        observe.Status.ShouldBe(FlowStatus.Finished, observe.Fault?.Message);
        var second = observe.Outputs["r"]!.AsObject();
        ((string?)second["leaked"]).ShouldBe("undefined");
        ((string?)second["json"]).ShouldBe("{\"a\":1}");
        ((string?)second["first"]).ShouldBe("undefined");
        ((bool?)second["polluted"]).ShouldBe(true);
        ((string?)second["trim"]).ShouldBe("a");
        ((long?)second["max"]).ShouldBe(2);
        ((long?)second["spread"]).ShouldBe(2);
        ((string?)second["b64"]).ShouldBe("YQ==");
        ((long?)second["map"]).ShouldBe(2);
        // The second run ran on the first run's engine: one engine was built for both.
        PooledScriptEngine.Built(limits).ShouldBe(1);
    }

    [Fact]
    public async Task Top_level_declarations_of_an_expression_do_not_outlive_its_run()
    {
        var limits = Limits(2);
        const string flow = """
            { "format": 1, "id": "decl", "outputs": [ { "name": "r", "type": "any" } ],
              "nodes": [ { "id": "out", "type": "SetOutput", "inputs": { "name": "r", "value": { "js": "let total = 40; total + 2" } } } ],
              "connections": [] }
            """;
        var options = new FlowEngineOptions { ScriptLimits = limits };
        for (var run = 0; run < 3; run++)
        {
            var result = await Flow.RunAsync(flow, options: options);
            result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
            ((long?)result.Outputs["r"]).ShouldBe(42);
        }
        PooledScriptEngine.Built(limits).ShouldBe(1);
    }

    [Fact]
    public async Task Limits_still_apply_on_a_reused_engine_and_an_engine_stopped_by_one_is_not_reused()
    {
        var limits = new ScriptLimits { Timeout = TimeSpan.FromMilliseconds(300), MaxStatements = 20_000_000 - 3 };
        (await RunAsync("return 1;", limits)).Status.ShouldBe(FlowStatus.Finished);

        var endless = await RunAsync("while (true) {}", limits);
        endless.Status.ShouldBe(FlowStatus.Faulted);
        endless.Fault!.Message.ShouldContain("300 ms limit");

        // The statement limit on an engine of its own that has already served a run: low enough that the loop reaches it
        // long before the generous timeout, however loaded the machine (a 20-million limit once took over 30 s at load 55).
        var counted = new ScriptLimits { MaxStatements = 100_000 - 3, Timeout = TimeSpan.FromMinutes(5) };
        (await RunAsync("return 1;", counted)).Status.ShouldBe(FlowStatus.Finished);
        var counting = await RunAsync("let i = 0; while (true) i++;", counted);
        counting.Status.ShouldBe(FlowStatus.Faulted);
        counting.Fault!.Message.ShouldContain("statements");
        PooledScriptEngine.Built(counted).ShouldBe(1);

        (await RunAsync("return 2;", limits)).Status.ShouldBe(FlowStatus.Finished);
        // The first engine served the first run, was dropped after the timeout, and a new one served the last run.
        PooledScriptEngine.Built(limits).ShouldBe(2);
    }

    [Fact]
    public async Task A_cancelled_run_stops_its_script_on_a_reused_engine()
    {
        var limits = Limits(4);
        (await RunAsync("return 1;", limits)).Status.ShouldBe(FlowStatus.Finished);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var engine = Flow.Engine(new FlowEngineOptions { ScriptLimits = limits });
        var result = await engine.RunAsync(engine.Compile(FlowConnectors.Engine.Flows.FlowJson.Parse(JsFlow("while (true) {}"))), cancellationToken: cancel.Token);
        result.Status.ShouldBe(FlowStatus.Cancelled);
        PooledScriptEngine.Built(limits).ShouldBe(1);
    }
}
