namespace FlowConnectors.Engine.Tests.Runtime;

public sealed class BranchingTests
{
    private const string Counter = """
        "outputs": [ { "name": "trace", "type": "string" } ],
        "variables": [ { "name": "trace", "type": "string", "default": "" } ],
    """;

    private static string Append(string id, string text) =>
        $$"""{ "id": "{{id}}", "type": "SetVariable", "inputs": { "name": "trace", "value": { "js": "vars.trace + '{{text}}'" } } }""";

    private const string Out = """{ "id": "out", "type": "SetOutput", "inputs": { "name": "trace", "value": { "js": "vars.trace" } } }""";

    [Fact]
    public async Task Wait_any_join_continues_after_the_first_branch()
    {
        var result = await Flow.RunAsync($$"""
        { "format": 1, "id": "any", {{Counter}}
          "nodes": [ { "id": "fork", "type": "Fork" }, {{Append("a", "a")}}, {{Append("b1", "b")}}, {{Append("b2", "B")}},
                     { "id": "join", "type": "Join", "inputs": { "mode": "any" } }, {{Append("after", "!")}}, {{Out}} ],
          "connections": [ { "from": "fork:done", "to": "a" }, { "from": "fork:done", "to": "b1" }, { "from": "b1:done", "to": "b2" },
                           { "from": "a:done", "to": "join" }, { "from": "b2:done", "to": "join" },
                           { "from": "join:done", "to": "after" }, { "from": "after:done", "to": "out" } ] }
        """);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        // 'a' arrives first and the join continues before the slower branch has finished;
        // the slower branch still completes, and its arrival is absorbed.
        var order = result.Journal.Select(j => j.NodeId).ToList();
        order.IndexOf("join").ShouldBeLessThan(order.IndexOf("b2"));
        order.Count(id => id == "join").ShouldBe(1);
        order.Count(id => id == "after").ShouldBe(1);
        result.Outputs["trace"]!.GetValue<string>().ShouldBe("abB!");
    }

    [Fact]
    public async Task Wait_all_join_does_not_wait_for_a_branch_that_was_not_taken()
    {
        var result = await Flow.RunAsync($$"""
        { "format": 1, "id": "dead-path", {{Counter}}
          "nodes": [ { "id": "check", "type": "If", "inputs": { "condition": true } }, {{Append("yes", "y")}}, {{Append("no", "n")}},
                     { "id": "join", "type": "Join" }, {{Out}} ],
          "connections": [ { "from": "check:true", "to": "yes" }, { "from": "check:false", "to": "no" },
                           { "from": "yes:done", "to": "join" }, { "from": "no:done", "to": "join" }, { "from": "join:done", "to": "out" } ] }
        """);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["trace"]!.GetValue<string>().ShouldBe("y");
    }

    [Fact]
    public async Task Wait_all_join_inside_a_loop_waits_for_both_branches_in_every_pass()
    {
        var result = await Flow.RunAsync($$"""
        { "format": 1, "id": "loop-join", {{Counter}}
          "nodes": [ { "id": "loop", "type": "ForEach", "inputs": { "items": [1, 2] } }, {{Append("a", "a")}}, {{Append("b", "b")}},
                     { "id": "join", "type": "Join" }, {{Append("j", "|")}}, {{Out}} ],
          "connections": [ { "from": "loop:iterate", "to": "a" }, { "from": "loop:iterate", "to": "b" },
                           { "from": "a:done", "to": "join" }, { "from": "b:done", "to": "join" }, { "from": "join:done", "to": "j" },
                           { "from": "loop:done", "to": "out" } ] }
        """);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["trace"]!.GetValue<string>().ShouldBe("ab|ab|");
    }

    [Fact]
    public async Task Switch_follows_the_matching_case_and_falls_back_to_default()
    {
        const string json = """
        { "format": 1, "id": "switch",
          "inputs": [ { "name": "size", "type": "string" } ],
          "outputs": [ { "name": "label", "type": "string" } ],
          "nodes": [ { "id": "pick", "type": "Switch", "inputs": { "value": { "js": "input.size" }, "cases": { "small": "S", "large": "L" } } },
                     { "id": "s", "type": "SetOutput", "inputs": { "name": "label", "value": "small" } },
                     { "id": "l", "type": "SetOutput", "inputs": { "name": "label", "value": "large" } },
                     { "id": "d", "type": "SetOutput", "inputs": { "name": "label", "value": "other" } } ],
          "connections": [ { "from": "pick:small", "to": "s" }, { "from": "pick:large", "to": "l" }, { "from": "pick:default", "to": "d" } ] }
        """;
        (await Flow.RunAsync(json, Flow.Input("""{ "size": "l" }"""))).Outputs["label"]!.GetValue<string>().ShouldBe("large");
        (await Flow.RunAsync(json, Flow.Input("""{ "size": "S" }"""))).Outputs["label"]!.GetValue<string>().ShouldBe("small");
        (await Flow.RunAsync(json, Flow.Input("""{ "size": "XL" }"""))).Outputs["label"]!.GetValue<string>().ShouldBe("other");
    }

    [Fact]
    public async Task While_repeats_its_body_while_the_condition_holds()
    {
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "while",
          "outputs": [ { "name": "n", "type": "integer" } ],
          "variables": [ { "name": "n", "type": "integer", "default": 1 } ],
          "nodes": [ { "id": "loop", "type": "While", "inputs": { "condition": { "js": "vars.n < 100" } } },
                     { "id": "double", "type": "SetVariable", "inputs": { "name": "n", "value": { "js": "vars.n * 2" } } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "n", "value": { "js": "vars.n" } } } ],
          "connections": [ { "from": "loop:iterate", "to": "double" }, { "from": "loop:done", "to": "out" } ] }
        """);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["n"]!.GetValue<long>().ShouldBe(128);
    }

    [Fact]
    public async Task Nested_for_each_runs_the_inner_body_for_every_outer_item()
    {
        var result = await Flow.RunAsync($$"""
        { "format": 1, "id": "nested", {{Counter}}
          "nodes": [ { "id": "rows", "type": "ForEach", "inputs": { "items": ["a", "b"] } },
                     { "id": "cols", "type": "ForEach", "inputs": { "items": [1, 2, 3] } },
                     { "id": "cell", "type": "SetVariable", "inputs": { "name": "trace", "value": { "js": "vars.trace + nodes.rows.currentItem + nodes.cols.currentItem + ' '" } } },
                     {{Out}} ],
          "connections": [ { "from": "rows:iterate", "to": "cols" }, { "from": "cols:iterate", "to": "cell" }, { "from": "rows:done", "to": "out" } ] }
        """);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["trace"]!.GetValue<string>().ShouldBe("a1 a2 a3 b1 b2 b3 ");
    }

    [Fact]
    public async Task For_each_over_an_empty_list_goes_straight_to_done()
    {
        var result = await Flow.RunAsync($$"""
        { "format": 1, "id": "empty", {{Counter}}
          "nodes": [ { "id": "loop", "type": "ForEach", "inputs": { "items": [] } }, {{Append("body", "x")}}, {{Append("done", "done")}}, {{Out}} ],
          "connections": [ { "from": "loop:iterate", "to": "body" }, { "from": "loop:done", "to": "done" }, { "from": "done:done", "to": "out" } ] }
        """);
        result.Outputs["trace"]!.GetValue<string>().ShouldBe("done");
    }

    [Fact]
    public async Task Return_ends_the_flow_while_another_branch_is_still_pending()
    {
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "return",
          "outputs": [ { "name": "status", "type": "string" } ],
          "nodes": [ { "id": "fork", "type": "Fork" },
                     { "id": "ret", "type": "Return", "inputs": { "outputs": { "status": "early" } } },
                     { "id": "wait", "type": "WaitForEvent", "inputs": { "eventName": "never" } } ],
          "connections": [ { "from": "fork:done", "to": "wait" }, { "from": "fork:done", "to": "ret" } ] }
        """);
        result.Status.ShouldBe(FlowStatus.Finished);
        result.Outputs["status"]!.GetValue<string>().ShouldBe("early");
        result.Bookmarks.ShouldBeEmpty();
    }

    [Fact]
    public async Task Run_javascript_returns_its_result_and_picks_an_outcome_with_setOutcome()
    {
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "js",
          "inputs": [ { "name": "amount", "type": "number" } ],
          "outputs": [ { "name": "route", "type": "string" }, { "name": "doubled", "type": "number" } ],
          "nodes": [ { "id": "classify", "type": "RunJavaScript", "inputs": { "code": "const big = input.amount > 100;\nsetOutcome(big ? 'big' : 'small');\nreturn { doubled: input.amount * 2 };" } },
                     { "id": "big", "type": "SetOutput", "inputs": { "name": "route", "value": "big" } },
                     { "id": "small", "type": "SetOutput", "inputs": { "name": "route", "value": "small" } },
                     { "id": "d", "type": "SetOutput", "inputs": { "name": "doubled", "value": { "js": "nodes.classify.result.doubled" } } } ],
          "connections": [ { "from": "classify:big", "to": "big" }, { "from": "classify:small", "to": "small" }, { "from": "big:done", "to": "d" }, { "from": "small:done", "to": "d" } ] }
        """, Flow.Input("""{ "amount": 250 }"""));
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["route"]!.GetValue<string>().ShouldBe("big");
        result.Outputs["doubled"]!.ToJsonString().ShouldBe("500");
    }

    [Fact]
    public async Task Template_node_renders_text_from_the_flow_model()
    {
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "tpl",
          "inputs": [ { "name": "items", "type": "array<string>" } ],
          "outputs": [ { "name": "text", "type": "string" } ],
          "nodes": [ { "id": "render", "type": "Template", "inputs": { "template": "{{ for i in input.items }}- {{ i | string.upcase }}\n{{ end }}{{ model.footer }}", "model": { "footer": "end" } } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "text", "value": { "js": "nodes.render.text" } } } ],
          "connections": [ { "from": "render:done", "to": "out" } ] }
        """, Flow.Input("""{ "items": ["a", "b"] }"""));
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["text"]!.GetValue<string>().ShouldBe("- A\n- B\nend");
    }
}
