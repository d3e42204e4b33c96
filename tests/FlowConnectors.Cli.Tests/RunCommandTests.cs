using System.Text.Json.Nodes;

namespace FlowConnectors.Cli.Tests;

public sealed class RunCommandTests
{
    private const string Echo = """
        {
          "format": 1, "id": "echo",
          "inputs": [ { "name": "who", "type": "string", "required": true }, { "name": "extra", "type": "any" } ],
          "outputs": [ { "name": "who", "type": "string" }, { "name": "extra", "type": "any" } ],
          "nodes": [ { "id": "out", "type": "Return", "inputs": { "outputs": { "who": { "js": "input.who" }, "extra": { "js": "input.extra" } } } } ],
          "connections": []
        }
        """;

    private static string Script(string id, string code) =>
        new JsonObject
        {
            ["format"] = 1, ["id"] = id,
            ["nodes"] = new JsonArray(new JsonObject { ["id"] = "script", ["type"] = "RunJavaScript", ["inputs"] = new JsonObject { ["code"] = code } }),
            ["connections"] = new JsonArray(),
        }.ToJsonString();

    [Fact]
    public async Task Run_prints_the_outputs_as_json_on_stdout_and_a_line_per_node_on_stderr()
    {
        using var temp = new TempDir();
        temp.Write("echo.flow.json", Echo);

        // The real process: exit code 0, outputs alone on stdout.
        var result = await temp.FlowcProcessAsync("run", "echo.flow.json", "--input", "who=Ada");

        result.ExitCode.ShouldBe(0, result.ToString());
        JsonNode.DeepEquals(result.StdoutJson, JsonNode.Parse("""{ "who": "Ada", "extra": null }""")).ShouldBeTrue(result.ToString());
        result.Stderr.ShouldContain("out");
        result.Stderr.ShouldContain("Return");
        result.Stderr.ShouldContain(" ms");
    }

    [Fact]
    public async Task Run_reads_input_values_as_json_when_they_are_json_and_lets_input_override_input_json()
    {
        using var temp = new TempDir();
        temp.Write("echo.flow.json", Echo);
        temp.Write("input.json", """{ "who": "from file", "extra": "from file" }""");

        var result = await temp.FlowcAsync("run", "echo.flow.json", "--input-json", "input.json", "--input", """extra={"n": 1, "ok": true}""");
        var text = await temp.FlowcAsync("run", "echo.flow.json", "--input", "who=Ada", "--input", "extra=not json");

        result.ExitCode.ShouldBe(0, result.ToString());
        JsonNode.DeepEquals(result.StdoutJson, JsonNode.Parse("""{ "who": "from file", "extra": { "n": 1, "ok": true } }""")).ShouldBeTrue(result.ToString());
        JsonNode.DeepEquals(text.StdoutJson, JsonNode.Parse("""{ "who": "Ada", "extra": "not json" }""")).ShouldBeTrue(text.ToString());
    }

    [Fact]
    public async Task Run_exits_2_naming_the_input_when_a_required_input_is_missing()
    {
        using var temp = new TempDir();
        temp.Write("echo.flow.json", Echo);

        var result = await temp.FlowcAsync("run", "echo.flow.json");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("error: input 'who' is required");
        result.Stdout.ShouldBeEmpty();
    }

    [Fact]
    public async Task Run_exits_2_on_an_input_without_a_name()
    {
        using var temp = new TempDir();
        temp.Write("echo.flow.json", Echo);

        var result = await temp.FlowcAsync("run", "echo.flow.json", "--input", "Ada");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("--input expects name=value");
    }

    [Fact]
    public async Task Run_exits_2_with_line_and_column_and_no_stack_trace_on_a_malformed_flow_file()
    {
        using var temp = new TempDir();
        temp.Write("bad.flow.json", "{\n  \"format\": 1,\n  \"id\": \"x\",\n  \"nodes\": [ { \"id\": \"a\" \"type\": \"NoOp\" } ]\n}\n");

        var result = await temp.FlowcAsync("run", "bad.flow.json");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("bad.flow.json: $: line 4, column 26: malformed JSON");
        result.Stderr.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task Run_exits_2_and_prints_the_problems_of_an_invalid_flow()
    {
        using var temp = new TempDir();
        temp.Write("bad.flow.json", """{ "format": 1, "id": "bad", "nodes": [ { "id": "a", "type": "Sleep" } ], "connections": [] }""");

        var result = await temp.FlowcAsync("run", "bad.flow.json");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("bad.flow.json: $.nodes[0].type: unknown activity type 'Sleep'");
    }

    [Fact]
    public async Task Run_exits_2_with_one_line_for_missing_files()
    {
        using var temp = new TempDir();
        temp.Write("echo.flow.json", Echo);

        var noFlow = await temp.FlowcAsync("run", "nowhere.flow.json");
        var noInput = await temp.FlowcAsync("run", "echo.flow.json", "--input-json", "nowhere.json");

        noFlow.ExitCode.ShouldBe(2, noFlow.ToString());
        noFlow.Stderr.Trim().ShouldBe("error: flow file not found: nowhere.flow.json");
        noInput.ExitCode.ShouldBe(2, noInput.ToString());
        noInput.Stderr.Trim().ShouldBe("error: input file not found: nowhere.json");
    }

    [Fact]
    public async Task Run_exits_2_with_the_size_limit_when_a_flow_file_is_50_MB()
    {
        using var temp = new TempDir();
        var huge = new string('x', 50 * 1024 * 1024);
        temp.Write("huge.flow.json", $$"""{ "format": 1, "id": "huge", "nodes": [ { "id": "a", "type": "Log", "inputs": { "message": "{{huge}}" } } ], "connections": [] }""");

        var result = await temp.FlowcAsync("run", "huge.flow.json");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("file is 50.0 MB, larger than the 16 MB limit");
    }

    [Fact]
    public async Task Run_exits_1_and_names_the_node_when_the_flow_faults()
    {
        using var temp = new TempDir();
        temp.Write("fail.flow.json", """{ "format": 1, "id": "fail", "nodes": [ { "id": "boom", "type": "Fail", "inputs": { "message": "it broke" } } ], "connections": [] }""");

        // The real process: exit code 1.
        var result = await temp.FlowcProcessAsync("run", "fail.flow.json");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stderr.ShouldContain("error: node 'boom' (Fail): it broke");
    }

    [Fact]
    public async Task Run_exits_1_with_the_statement_limit_when_javascript_loops_forever()
    {
        using var temp = new TempDir();
        temp.Write("spin.flow.json", Script("spin", "while (true) {}"));

        var result = await temp.FlowcAsync("run", "spin.flow.json");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stderr.ShouldContain("error: node 'script' (RunJavaScript): script ran more than the limit of 1,000,000 statements");
    }

    [Fact]
    public async Task Run_exits_1_with_the_timeout_when_javascript_runs_too_long()
    {
        using var temp = new TempDir();
        // Catastrophic backtracking: one statement that runs for ever.
        temp.Write("slow.flow.json", Script("slow", "return /(a+)+$/.test('a'.repeat(40) + 'b');"));

        var result = await temp.FlowcAsync("run", "slow.flow.json");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stderr.ShouldContain("error: node 'script' (RunJavaScript): script ran longer than the 2000 ms limit");
    }

    [Fact]
    public async Task Run_exits_1_with_the_step_limit_when_nodes_cycle_without_an_exit()
    {
        using var temp = new TempDir();
        temp.Write("cycle.flow.json", """
            { "format": 1, "id": "cycle", "start": "a",
              "nodes": [ { "id": "a", "type": "NoOp" }, { "id": "b", "type": "NoOp" } ],
              "connections": [ { "from": "a:done", "to": "b" }, { "from": "b:done", "to": "a" } ] }
            """);

        var result = await temp.FlowcAsync("run", "cycle.flow.json");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stderr.ShouldContain("the flow exceeded its limit of 100,000 steps; it may loop without an exit");
        result.Stderr.ShouldContain("more steps (use --journal for all)");
    }

    [Fact]
    public async Task Run_exits_1_with_the_recursion_limit_when_javascript_recurses_too_deep()
    {
        using var temp = new TempDir();
        temp.Write("deep.flow.json", Script("deep", "function f(n) { return f(n + 1) + 1; }\nreturn f(0);"));

        var result = await temp.FlowcAsync("run", "deep.flow.json");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stderr.ShouldContain("script recursed deeper than the limit of 256 calls");
    }

    [Fact]
    public async Task Run_exits_1_with_the_nesting_limit_when_a_flow_calls_itself()
    {
        using var temp = new TempDir();
        temp.Write("self.flow.json", """{ "format": 1, "id": "self", "nodes": [ { "id": "again", "type": "CallFlow", "inputs": { "flowId": "self" } } ], "connections": [] }""");

        var result = await temp.FlowcAsync("run", "self.flow.json");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stderr.ShouldContain("calls nest deeper than 16 flows");
    }

    [Fact]
    public async Task Run_exits_1_with_a_clear_limit_when_javascript_builds_a_50_MB_string()
    {
        using var temp = new TempDir();
        temp.Write("big.flow.json", Script("big", "return 'x'.repeat(50 * 1024 * 1024);"));

        var result = await temp.FlowcAsync("run", "big.flow.json");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stderr.ShouldMatch("error: node 'script' \\(RunJavaScript\\): .*(limit)");
        result.Stderr.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task Run_finds_called_flows_anywhere_under_the_flows_directory()
    {
        using var temp = new TempDir();
        temp.Write("main.flow.json", """
            { "format": 1, "id": "main", "outputs": [ { "name": "twice", "type": "number" } ],
              "nodes": [ { "id": "call", "type": "CallFlow", "inputs": { "flowId": "double", "inputs": { "n": 21 } } },
                         { "id": "out", "type": "SetOutput", "inputs": { "name": "twice", "value": { "js": "nodes.call.outputs.result" } } } ],
              "connections": [ { "from": "call:done", "to": "out" } ] }
            """);
        temp.Write("lib/math/double.flow.json", """
            { "format": 1, "id": "double", "inputs": [ { "name": "n", "type": "number" } ], "outputs": [ { "name": "result", "type": "number" } ],
              "nodes": [ { "id": "out", "type": "SetOutput", "inputs": { "name": "result", "value": { "js": "input.n * 2" } } } ], "connections": [] }
            """);

        var result = await temp.FlowcAsync("run", "main.flow.json");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StdoutJson!["twice"]!.GetValue<double>().ShouldBe(42);
    }

    [Fact]
    public async Task Run_prints_log_messages_on_stderr()
    {
        var result = await Flowc.RunAsync(Repo.Examples, "run", "log.flow.json", "--input", "user=grace");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stderr.ShouldContain("log info start: processing grace");
        result.Stderr.ShouldContain("log warning warn: user grace has no e-mail address");
        result.Stdout.ShouldNotContain("processing");
    }

    [Fact]
    public async Task Run_with_journal_prints_each_node_with_inputs_outputs_and_errors_as_json_on_stderr()
    {
        var result = await Flowc.RunAsync(Repo.Examples, "run", "fail-and-fault-handler.flow.json", "--input", "orderId=B-2", "--journal");

        result.ExitCode.ShouldBe(0, result.ToString());
        var journal = JsonNode.Parse(result.Stderr)!.AsArray();
        journal.Select(e => e!["nodeId"]!.GetValue<string>()).ShouldBe(["reserve", "handle"]);
        journal[0]!["outcome"]!.GetValue<string>().ShouldBe("fault");
        journal[0]!["error"]!.GetValue<string>().ShouldBe("order B-2 is out of stock");
        journal[0]!["inputs"]!["message"]!.GetValue<string>().ShouldBe("order B-2 is out of stock");
    }

    [Fact]
    public async Task Run_exits_3_and_lists_the_bookmarks_when_the_flow_suspends()
    {
        using var temp = new TempDir();

        // The real process: exit code 3.
        var result = await Flowc.RunProcessAsync(temp.Path, "run", Path.Combine(Repo.Examples, "wait-for-event.flow.json"), "--input", "requestId=r-1");

        result.ExitCode.ShouldBe(3, result.ToString());
        result.Stderr.ShouldContain("waiting: event {\"event\":\"approval\",\"correlationId\":\"r-1\"} (bookmark ");
        result.Stderr.ShouldContain("--state-out");
    }

    [Fact]
    public async Task Run_with_no_wait_suspends_on_a_delay_instead_of_waiting()
    {
        using var temp = new TempDir();
        var state = Path.Combine(temp.Path, "state.json");

        var result = await Flowc.RunAsync(temp.Path, "run", Path.Combine(Repo.Examples, "delay.flow.json"), "--no-wait", "--state-out", state);

        result.ExitCode.ShouldBe(3, result.ToString());
        result.Stderr.ShouldContain("waiting: delay {\"resumeAt\":");
        File.Exists(state).ShouldBeTrue();
    }

    [Fact]
    public async Task Run_exits_2_on_an_unknown_option()
    {
        // The real process: exit code 2 from the parser.
        var result = await Flowc.RunProcessAsync(Repo.Examples, "run", "hello.flow.json", "--frobnicate");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("--frobnicate");
    }
}
