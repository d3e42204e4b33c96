using System.Text.Json.Nodes;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>
/// The request-building shapes of connector flows (<c>Object.assign({ … }, input.headers || {})</c>,
/// <c>'/path/' + url.encode(input.id)</c>) are answered from the run's JSON without running them (ScriptShortcut), and a
/// run made only of such expressions and member paths rents no engine. Each answer is checked against Jint itself: the
/// same expression written so that it is not a shape served (a path read through <c>[path][0]</c>) runs in the engine,
/// in a run of its own, and both must end the same way (status, fault message, output).
/// </summary>
public sealed class ScriptShortcutTests
{
    // Every kind of value the shapes may meet: falsy ones, each type, keys JavaScript moves or a plain object inherits,
    // text that needs encoding, escapes, nesting.
    private const string Document = """
        { "values": { "none": null, "no": false, "zero": 0, "empty": "", "yes": true, "one": 1, "fraction": 1.50, "big": 12345678901234567890,
                      "text": "INC-7", "spaced": "a b/c?d=e&f#g%h+i", "accented": "caf\u00e9 \u00fc\u00df", "emoji": "\ud83d\ude00 ok",
                      "escaped": "line\nbreak \"quoted\" \\ tab\t", "long": "0123456789012345678901234567890123456789",
                      "object": { "X-Trace": "t-1", "n": 2, "nested": { "deep": [1, { "a": null }] } },
                      "override": { "Accept": "text/plain", "Extra": "1" }, "lower": { "accept": "text/xml" },
                      "nullMember": { "Accept": null, "b": null }, "emptyObject": {}, "list": [1, 2], "emptyList": [],
                      "reordered": { "b": 1, "2": 2 }, "proto": { "__proto__": { "x": 1 } }, "inherited": { "toString": "own" },
                      "readOnly": { "hasOwnProperty": 1 }, "constructor": { "constructor": "c" },
                      "escapedName": { "caf\u00e9": 1, "q\"uote": 2 } } }
        """;

    private static readonly string[] Names =
    [
        "none", "no", "zero", "empty", "yes", "one", "fraction", "big", "text", "spaced", "accented", "emoji", "escaped", "long",
        "object", "override", "lower", "nullMember", "emptyObject", "list", "emptyList", "reordered", "proto", "inherited", "readOnly",
        "constructor", "escapedName", "missing",
    ];

    private static string FlowOf(string document, string js) => $$"""
        { "format": 1, "id": "shortcut",
          "inputs": [ { "name": "id", "type": "any" }, { "name": "headers", "type": "any" } ],
          "outputs": [ { "name": "r", "type": "any" } ],
          "nodes": [ { "id": "parse", "type": "Json.Parse", "inputs": { "text": {{JsonValue.Create(document).ToJsonString()}} } },
                     { "id": "a", "type": "SetOutput", "inputs": { "name": "r", "value": { "js": {{JsonValue.Create(js).ToJsonString()}} } } } ],
          "connections": [ { "from": "parse:done", "to": "a" } ] }
        """;

    private static string Outcome(FlowRunResult result) =>
        result.Status == FlowStatus.Finished
            ? "finished " + (result.Outputs.GetValueOrDefault("r")?.ToJsonString() ?? "null")
            : result.Status + " " + result.Fault?.Message;

    /// <summary>Runs the shape and its engine-run twin, each in its own run, and says how each ended.</summary>
    private static async Task<(string Shape, string Script)> BothAsync(string shape, string script, JsonObject? input = null, FlowEngineOptions? options = null)
    {
        var viaShape = await Flow.RunAsync(FlowOf(Document, shape), input?.DeepClone().AsObject() ?? new JsonObject(), options);
        var viaScript = await Flow.RunAsync(FlowOf(Document, script), input?.DeepClone().AsObject() ?? new JsonObject(), options);
        return (Outcome(viaShape), Outcome(viaScript));
    }

    [Fact]
    public async Task Object_assign_of_constants_and_a_path_gives_what_jint_gives_for_every_value()
    {
        const string constants = "{ Accept: 'application/json', 'X-Count': 1.50, Flag: true, Nothing: null, Accept: 'application/json; v=2' }";
        var before = ScriptHost.Shortcuts;
        var finished = 0;
        foreach (var name in Names)
        {
            foreach (var orEmpty in new[] { " || {}", "" })
            {
                var (shape, script) = await BothAsync(
                    $"Object.assign({constants}, nodes.parse.result.values.{name}{orEmpty})",
                    $"Object.assign({constants}, [nodes.parse.result.values.{name}][0]{orEmpty})");
                shape.ShouldBe(script, name + orEmpty);
                if (shape.StartsWith("finished")) finished++;
            }
        }
        // From the flow's input too (converted as the engine converts it, never parsed text).
        foreach (var headers in new JsonNode?[] { null, new JsonObject(), new JsonObject { ["Accept"] = "text/csv", ["X-A"] = "1" }, JsonValue.Create("ab"), JsonValue.Create(0) })
        {
            var input = new JsonObject { ["headers"] = headers };
            var (shape, script) = await BothAsync("Object.assign({ Accept: 'application/json' }, input.headers || {})",
                "Object.assign({ Accept: 'application/json' }, [input.headers][0] || {})", input);
            shape.ShouldBe(script, headers?.ToJsonString() ?? "null");
        }
        var (missing, _) = await BothAsync("Object.assign({ Accept: 'application/json' }, input.headers || {})", "1");
        missing.ShouldBe("finished {\"Accept\":\"application/json\"}");
        var (overridden, _) = await BothAsync("Object.assign({ Accept: 'application/json', B: 1 }, nodes.parse.result.values.override)", "1");
        overridden.ShouldBe("finished {\"Accept\":\"text/plain\",\"B\":1,\"Extra\":\"1\"}");
        // The read-only inherited name makes Object.assign throw in the engine: the shape leaves it to the script.
        var (readOnly, _) = await BothAsync("Object.assign({}, nodes.parse.result.values.readOnly)", "1");
        readOnly.ShouldContain("TypeError");
        finished.ShouldBeGreaterThan(30);
        // Answered without the engine at least for the plain objects, the falsy values and the missing member, both ways.
        (ScriptHost.Shortcuts - before).ShouldBeGreaterThanOrEqualTo(20);
    }

    [Fact]
    public async Task A_joined_url_gives_what_jint_gives_for_every_value()
    {
        var before = ScriptHost.Shortcuts;
        foreach (var name in Names)
        {
            var (encoded, encodedScript) = await BothAsync(
                $"'/api/now/table/incident/' + url.encode(nodes.parse.result.values.{name})",
                $"'/api/now/table/incident/' + url.encode([nodes.parse.result.values.{name}][0])");
            encoded.ShouldBe(encodedScript, "url.encode " + name);
            var (plain, plainScript) = await BothAsync(
                $"'/users/' + nodes.parse.result.values.{name} + '/roles'",
                $"'/users/' + [nodes.parse.result.values.{name}][0] + '/roles'");
            plain.ShouldBe(plainScript, "joined " + name);
        }
        foreach (var id in new JsonNode?[] { JsonValue.Create("9d385017c611228701d22104cc95c371"), JsonValue.Create("a/b c"), JsonValue.Create(""), JsonValue.Create(42),
                     JsonValue.Create(1.5), JsonValue.Create(true), null, new JsonObject { ["a"] = 1 }, new JsonArray(1, 2) })
        {
            var input = new JsonObject { ["id"] = id };
            var (shape, script) = await BothAsync("'/api/now/table/incident/' + url.encode(input.id)",
                "'/api/now/table/incident/' + url.encode([input.id][0])", input);
            shape.ShouldBe(script, id?.ToJsonString() ?? "null");
            (shape, script) = await BothAsync("input.id + '/' + url.encode(input.id)", "[input.id][0] + '/' + url.encode([input.id][0])", input);
            shape.ShouldBe(script, id?.ToJsonString() ?? "null");
        }
        var (joined, _) = await BothAsync("'/api/now/table/incident/' + url.encode(nodes.parse.result.values.spaced)", "1");
        joined.ShouldBe("finished \"/api/now/table/incident/a%20b%2Fc%3Fd%3De%26f%23g%25h%2Bi\"");
        (ScriptHost.Shortcuts - before).ShouldBeGreaterThanOrEqualTo(2 * 10);
    }

    [Fact]
    public async Task A_joined_url_over_the_limits_fails_as_its_script_does()
    {
        var options = new FlowEngineOptions { ScriptLimits = new ScriptLimits { MaxStringLength = 30 } };

        var (shape, script) = await BothAsync("'/x/' + nodes.parse.result.values.long", "'/x/' + [nodes.parse.result.values.long][0]", options: options);

        shape.ShouldBe(script);
        shape.ShouldContain("over the limit of 30");
    }

    [Fact]
    public async Task The_shapes_respect_globals_and_values_earlier_scripts_changed()
    {
        async Task<string> RunAsync(string first, string second, JsonObject input)
        {
            var flow = $$"""
                { "format": 1, "id": "changed", "inputs": [ { "name": "id", "type": "any" }, { "name": "headers", "type": "any" } ],
                  "outputs": [ { "name": "r", "type": "any" }, { "name": "x", "type": "any" } ],
                  "nodes": [ { "id": "first", "type": "SetOutput", "inputs": { "name": "x", "value": { "js": {{JsonValue.Create(first).ToJsonString()}} } } },
                             { "id": "a", "type": "SetOutput", "inputs": { "name": "r", "value": { "js": {{JsonValue.Create(second).ToJsonString()}} } } } ],
                  "connections": [ { "from": "first:done", "to": "a" } ] }
                """;
            return Outcome(await Flow.RunAsync(flow, input));
        }
        var input = Flow.Input("""{ "id": "a b", "headers": { "X": "1" } }""");

        (await RunAsync("(url = { encode: s => 'replaced' }, 1)", "'/x/' + url.encode(input.id)", input)).ShouldBe("finished \"/x/replaced\"");
        (await RunAsync("(Object = { assign: () => 'replaced' }, 1)", "Object.assign({ A: 1 }, input.headers || {})", input)).ShouldBe("finished \"replaced\"");
        (await RunAsync("(input.id = 5, input.headers.Y = 2, 1)", "'/x/' + url.encode(input.id)", input)).ShouldBe("finished \"/x/5\"");
        (await RunAsync("(input.headers.Y = undefined, 1)", "Object.assign({ Y: 'kept?' }, input.headers || {})", input)).ShouldBe("finished {\"X\":\"1\"}");
        (await RunAsync("(input.headers = 'ab', 1)", "Object.assign({ A: 1 }, input.headers || {})", input)).ShouldBe("finished {\"0\":\"a\",\"1\":\"b\",\"A\":1}");
        (await RunAsync("1", "'/x/' + url.encode(input.id)", input)).ShouldBe("finished \"/x/a%20b\"");
    }

    [Fact]
    public async Task The_shapes_are_shadowed_by_a_global_a_script_declared()
    {
        var flow = """
            { "format": 1, "id": "shadow", "inputs": [ { "name": "id", "type": "any" } ], "outputs": [ { "name": "r", "type": "any" }, { "name": "s", "type": "any" }, { "name": "x", "type": "any" } ],
              "nodes": [ { "id": "first", "type": "RunJavaScript", "inputs": { "code": "return 1;" } },
                         { "id": "declare", "type": "SetOutput", "inputs": { "name": "x", "value": { "js": "const url = { encode: () => 'shadow' }; const Object = { assign: () => 'shadow' }; 1" } } },
                         { "id": "a", "type": "SetOutput", "inputs": { "name": "r", "value": { "js": "'/x/' + url.encode(input.id)" } } },
                         { "id": "b", "type": "SetOutput", "inputs": { "name": "s", "value": { "js": "Object.assign({ A: 1 }, input.headers || {})" } } } ],
              "connections": [ { "from": "first:done", "to": "declare" }, { "from": "declare:done", "to": "a" }, { "from": "a:done", "to": "b" } ] }
            """;

        var result = await Flow.RunAsync(flow, Flow.Input("""{ "id": "a b" }"""));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["r"]!.ToJsonString().ShouldBe("\"/x/shadow\"");
        result.Outputs["s"]!.ToJsonString().ShouldBe("\"shadow\"");
    }

    [Fact]
    public async Task A_run_of_paths_and_shapes_alone_rents_no_engine_and_one_script_rents_it()
    {
        // Limits of their own: the engines built for them are this test's alone.
        var options = new FlowEngineOptions { ScriptLimits = new ScriptLimits { MaxStatements = 200_000_000 - 77 } };
        const string Helper = """
            { "format": 1, "id": "helper", "inputs": [ { "name": "id", "type": "string" }, { "name": "headers", "type": "object" }, { "name": "query", "type": "object" } ],
              "outputs": [ { "name": "url", "type": "any" }, { "name": "headers", "type": "any" }, { "name": "query", "type": "any" }, { "name": "id", "type": "any" } ],
              "nodes": [ { "id": "url", "type": "SetOutput", "inputs": { "name": "url", "value": { "js": "'/api/now/table/incident/' + url.encode(input.id)" } } },
                         { "id": "headers", "type": "SetOutput", "inputs": { "name": "headers", "value": { "js": "Object.assign({ Accept: 'application/json' }, input.headers || {})" } } },
                         { "id": "query", "type": "SetOutput", "inputs": { "name": "query", "value": { "js": "input.query || {}" } } },
                         { "id": "id", "type": "SetOutput", "inputs": { "name": "id", "value": { "js": "input.id" } } }
                         SCRIPT ],
              "connections": [ { "from": "url:done", "to": "headers" }, { "from": "headers:done", "to": "query" }, { "from": "query:done", "to": "id" } ] }
            """;
        var input = Flow.Input("""{ "id": "a/b c", "headers": { "X-Trace": "t" } }""");

        var result = await Flow.RunAsync(Helper.Replace("SCRIPT", ""), input, options);

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["url"]!.ToJsonString().ShouldBe("\"/api/now/table/incident/a%2Fb%20c\"");
        result.Outputs["headers"]!.ToJsonString().ShouldBe("""{"Accept":"application/json","X-Trace":"t"}""");
        result.Outputs["query"]!.ToJsonString().ShouldBe("{}");
        result.Outputs["id"]!.ToJsonString().ShouldBe("\"a/b c\"");
        PooledScriptEngine.Built(options.ScriptLimits).ShouldBe(0);

        var withScript = await Flow.RunAsync(Helper.Replace("SCRIPT", """, { "id": "js", "type": "RunJavaScript", "inputs": { "code": "return nodes.headers;" } }"""), input, options);

        withScript.Status.ShouldBe(FlowStatus.Finished, withScript.Fault?.ToString());
        PooledScriptEngine.Built(options.ScriptLimits).ShouldBe(1);
    }

    [Fact]
    public async Task A_path_read_without_an_engine_refuses_an_input_nested_too_deep_as_the_engine_does()
    {
        JsonNode deep = new JsonArray();
        for (var i = 0; i < 300; i++) deep = new JsonArray(deep);
        var flow = """
            { "format": 1, "id": "deep", "inputs": [ { "name": "value", "type": "any" }, { "name": "id", "type": "any" } ], "outputs": [ { "name": "r", "type": "any" } ],
              "nodes": [ { "id": "read", "type": "SetOutput", "inputs": { "name": "r", "value": { "js": "input.id" } } } ], "connections": [] }
            """;

        var result = await Flow.RunAsync(flow, new JsonObject { ["value"] = deep, ["id"] = "x" });

        result.Fault!.ToString().ShouldBe("node 'read' (SetOutput): input 'value': a value nests deeper than 256 levels");
    }

    [Fact]
    public async Task The_names_a_plain_object_inherits_are_those_of_the_engines_object_prototype()
    {
        var result = await Flow.RunAsync(FlowOf(Document, "Object.getOwnPropertyNames(Object.prototype)"), new JsonObject());

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["r"]!.AsArray().Select(n => (string)n!).Order().ShouldBe(PooledScriptEngine.ObjectPrototypeNames.Order());
    }
}
