using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

public sealed class FaultTests
{
    [Fact]
    public async Task An_unconnected_fault_faults_the_flow_naming_the_node_and_message()
    {
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "f",
          "nodes": [ { "id": "boom", "type": "Fail", "inputs": { "message": "order 42 is missing" } } ], "connections": [] }
        """);
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.NodeId.ShouldBe("boom");
        result.Fault.ToString().ShouldBe("node 'boom' (Fail): order 42 is missing");
    }

    [Theory]
    [InlineData("const n = -1;\nreturn 'abc'.repeat(n);", "RangeError: Invalid count value (line 2, column 8)")]
    [InlineData("const radix = 99;\nreturn (1).toString(radix);", "RangeError: toString() radix argument must be between 2 and 36 (line 2, column 21)")]
    [InlineData("const x = 1;\n\nreturn JSON.stringify(1n);", "TypeError: Do not know how to serialize a BigInt (line 3, column 8)")]
    // On the first line, where the function-body wrapper sits, columns are the author's too (they were 14 too far).
    [InlineData("return new Array(-1);", "RangeError: Invalid array length (line 1, column 8)")]
    [InlineData("return 'abc'.repeat(-1);", "RangeError: Invalid count value (line 1, column 8)")]
    [InlineData("return null.x;", "TypeError: Cannot read properties of null (reading 'x') (line 1, column 13)")]
    public async Task A_script_error_thrown_inside_a_wrapped_built_in_names_the_line_of_the_script(string code, string fault)
    {
        var result = await Flow.RunAsync($$"""
        { "format": 1, "id": "f", "nodes": [ { "id": "js", "type": "RunJavaScript", "inputs": { "code": {{System.Text.Json.JsonSerializer.Serialize(code)}} } } ], "connections": [] }
        """);
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault.ShouldNotBeNull().Message.ShouldBe(fault);
    }

    [Fact]
    public async Task A_syntax_error_on_a_scripts_first_line_names_the_authors_column()
    {
        var refused = await Should.ThrowAsync<FlowConnectors.Engine.Flows.FlowValidationException>(() => Flow.RunAsync("""
        { "format": 1, "id": "f", "nodes": [ { "id": "js", "type": "RunJavaScript", "inputs": { "code": "return 1 +;" } } ], "connections": [] }
        """));
        refused.Message.ShouldEndWith("$.nodes[0].inputs.code: JavaScript syntax error: Unexpected token ';' (line 1, column 11)");
    }

    [Theory]
    [InlineData("new Date('not a date')", "null")]
    [InlineData("[new Date(NaN), new Date(0)]", "[null,\"1970-01-01T00:00:00Z\"]")]
    [InlineData("new Date(8.64e15)", "null")] // year 275760: past the last year the server keeps (9999)
    public async Task A_script_that_returns_an_invalid_date_or_one_past_9999_gives_null_as_JSON_stringify_does_for_invalid_ones(string expression, string json)
    {
        var result = await Flow.RunAsync($$"""
        { "format": 1, "id": "f", "outputs": [ { "name": "when", "type": "any" } ],
          "nodes": [ { "id": "out", "type": "SetOutput", "inputs": { "name": "when", "value": { "js": "{{expression}}" } } } ], "connections": [] }
        """);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        (result.Outputs["when"]?.ToJsonString() ?? "null").ShouldBe(json);
    }

    [Fact]
    public async Task A_connected_fault_outcome_handles_the_error_and_the_flow_finishes()
    {
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "f",
          "outputs": [ { "name": "handled", "type": "string" } ],
          "nodes": [ { "id": "boom", "type": "Fail", "inputs": { "message": "nope" } },
                     { "id": "handler", "type": "SetOutput", "inputs": { "name": "handled", "value": { "js": "nodes.boom.error.message" } } } ],
          "connections": [ { "from": "boom:fault", "to": "handler" } ] }
        """);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["handled"]!.GetValue<string>().ShouldBe("nope");
    }

    [Fact]
    public async Task A_cycle_with_no_exit_is_stopped_by_the_step_limit()
    {
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "cycle", "start": "a",
          "nodes": [ { "id": "a", "type": "NoOp" }, { "id": "b", "type": "NoOp" } ],
          "connections": [ { "from": "a:done", "to": "b" }, { "from": "b:done", "to": "a" } ] }
        """, options: new FlowEngineOptions { MaxSteps = 500 });
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.Message.ShouldContain("limit of 500 steps");
        result.State.Steps.ShouldBe(501);
    }

    [Fact]
    public async Task Cancellation_stops_a_waiting_branch_with_a_clear_fault()
    {
        using var cts = new CancellationTokenSource();
        var engine = Flow.Engine();
        var flow = engine.Compile(FlowConnectors.Engine.Flows.FlowJson.Parse("""
        { "format": 1, "id": "cycle", "start": "a",
          "nodes": [ { "id": "a", "type": "NoOp" }, { "id": "b", "type": "NoOp" } ],
          "connections": [ { "from": "a:done", "to": "b" }, { "from": "b:done", "to": "a" } ] }
        """));
        await cts.CancelAsync();
        var result = await engine.RunAsync(flow, cancellationToken: cts.Token);
        result.Status.ShouldBe(FlowStatus.Cancelled);
        result.Fault!.Message.ShouldBe("the flow was cancelled");
    }

    [Fact]
    public async Task A_script_that_runs_too_many_statements_faults_naming_the_statement_limit()
    {
        // A generous time limit, so a loaded machine cannot reach the 2 s default before the statement count.
        var limits = new FlowConnectors.Engine.Expressions.ScriptLimits { Timeout = TimeSpan.FromMinutes(2) };
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "js", "nodes": [ { "id": "spin", "type": "RunJavaScript", "inputs": { "code": "while (true) {}" } } ], "connections": [] }
        """, options: new FlowEngineOptions { ScriptLimits = limits });
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.ToString().ShouldBe("node 'spin' (RunJavaScript): script ran more than the limit of 1,000,000 statements");
    }

    [Theory]
    [InlineData("function f(n) { return f(n + 1); } f(0)", "recursed deeper than the limit of 256")]
    [InlineData("'x'.repeat(50 * 1024 * 1024)", "over the limit of")]
    [InlineData("const a = []; while (true) a.push({ big: 'y'.repeat(1000) })", "limit")]
    [InlineData("System.IO.File.ReadAllText('/etc/passwd')", "ReferenceError: System is not defined")]
    [InlineData("undefinedThing.x", "ReferenceError: undefinedThing is not defined")]
    public async Task Runaway_or_forbidden_javascript_faults_with_a_clear_message(string code, string expected)
    {
        var result = await Flow.RunAsync($$"""
        { "format": 1, "id": "js", "outputs": [ { "name": "r", "type": "any" } ],
          "nodes": [ { "id": "evil", "type": "SetOutput", "inputs": { "name": "r", "value": { "js": {{System.Text.Json.JsonSerializer.Serialize(code)}} } } } ],
          "connections": [] }
        """);
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.NodeId.ShouldBe("evil");
        result.Fault.Message.ShouldContain(expected);
        result.Fault.Message.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task A_script_that_runs_past_its_time_limit_faults_naming_the_limit()
    {
        var limits = new FlowConnectors.Engine.Expressions.ScriptLimits { Timeout = TimeSpan.FromMilliseconds(200), MaxStatements = int.MaxValue };
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "js", "nodes": [ { "id": "spin", "type": "RunJavaScript", "inputs": { "code": "for (;;) {}" } } ], "connections": [] }
        """, options: new FlowEngineOptions { ScriptLimits = limits });
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.ToString().ShouldBe("node 'spin' (RunJavaScript): script ran longer than the 200 ms limit");
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_names_the_node_the_input_and_both_types()
    {
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "types",
          "nodes": [ { "id": "loop", "type": "ForEach", "inputs": { "items": { "js": "({ not: 'a list' })" } } } ], "connections": [] }
        """);
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.ToString().ShouldBe("node 'loop' (ForEach): input 'items' expected array but got object {\"not\":\"a list\"}");
    }

    [Fact]
    public async Task A_whole_number_too_large_for_its_input_names_the_input_at_run_time_and_at_validation()
    {
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "big", "nodes": [ { "id": "cut", "type": "Text.Substring", "inputs": { "text": "abc", "start": { "js": "1e12" } } } ], "connections": [] }
        """);
        result.Fault!.ToString().ShouldBe("node 'cut' (Text.Substring): input 'start' expected an integer between -2147483648 and 2147483647 but got 1000000000000");
        Flow.Validate("""
        { "format": 1, "id": "big", "nodes": [ { "id": "cut", "type": "Text.Substring", "inputs": { "text": "abc", "start": 1e12 } } ], "connections": [] }
        """).Single().ToString().ShouldBe("$.nodes[0].inputs.start: input 'start' expected an integer between -2147483648 and 2147483647 but got 1000000000000");
    }

    [Fact]
    public async Task Missing_and_unknown_flow_inputs_are_all_reported_before_running()
    {
        var engine = Flow.Engine();
        var flow = engine.Compile(FlowConnectors.Engine.Flows.FlowJson.Parse("""
        { "format": 1, "id": "in", "inputs": [ { "name": "a", "type": "integer", "required": true }, { "name": "b", "type": "integer" } ],
          "nodes": [], "connections": [] }
        """));
        var error = await Should.ThrowAsync<FlowInputException>(() => engine.RunAsync(flow, Flow.Input("""{ "b": "x", "c": 1 }""")));
        error.Problems.ShouldBe([
            "input 'a' is required",
            "input 'b' is integer: expected integer but got string \"x\"",
            "unknown input 'c'; the flow takes a, b",
        ]);
    }

    [Fact]
    public async Task A_run_keeps_at_most_max_log_entries_and_says_how_many_more_it_did_not_keep()
    {
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "chatty",
          "nodes": [ { "id": "loop", "type": "ForEach", "inputs": { "items": [1, 2, 3, 4, 5] } },
                     { "id": "log", "type": "Log", "inputs": { "message": { "js": "'item ' + nodes.loop.currentItem" } } } ],
          "connections": [ { "from": "loop:iterate", "to": "log" } ] }
        """, options: new FlowEngineOptions { MaxLogEntries = 3 });

        result.Status.ShouldBe(FlowStatus.Finished);
        result.Logs.Select(l => (l.Level, l.Message)).ShouldBe([
            ("info", "item 1"), ("info", "item 2"), ("info", "item 3"),
            ("warning", "2 more log entries were not kept (maxLogEntries 3)"),
        ]);
    }

    [Fact]
    public async Task Secret_inputs_are_redacted_in_the_journal_logs_and_errors()
    {
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "secret",
          "inputs": [ { "name": "token", "type": "string", "secret": true } ],
          "nodes": [ { "id": "log", "type": "Log", "inputs": { "message": { "template": "using {{ input.token }}" } } },
                     { "id": "boom", "type": "Fail", "inputs": { "message": { "js": "'bad token ' + input.token" } } } ],
          "connections": [ { "from": "log:done", "to": "boom" } ] }
        """, Flow.Input("""{ "token": "s3cr3t-value" }"""));
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.Message.ShouldBe("bad token ***");
        result.Logs.Single().Message.ShouldBe("using ***");
        var journal = System.Text.Json.JsonSerializer.Serialize(result.Journal);
        journal.ShouldNotContain("s3cr3t-value");
        journal.ShouldContain("***");
    }
}
