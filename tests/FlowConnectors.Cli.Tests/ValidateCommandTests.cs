namespace FlowConnectors.Cli.Tests;

public sealed class ValidateCommandTests
{
    private const string Broken = """
        {
          "format": 1,
          "id": "broken",
          "owner": "someone",
          "nodes": [
            { "id": "send", "type": "SendEmial" },
            { "id": "calc", "type": "RunJavaScript", "inputs": { "code": "return 1 +;" } },
            { "id": "calc", "type": "NoOp" }
          ],
          "connections": [ { "from": "send:done", "to": "ghost" } ]
        }
        """;

    [Fact]
    public async Task Validate_reports_every_problem_of_a_broken_flow_with_file_and_json_path_in_one_run()
    {
        using var temp = new TempDir();
        temp.Write("broken.flow.json", Broken);

        var result = await temp.FlowcAsync("validate", "broken.flow.json");

        result.ExitCode.ShouldBe(1, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.ShouldContain(l => l.StartsWith("broken.flow.json: $.owner: unknown field 'owner'"), result.ToString());
        lines.ShouldContain(l => l.StartsWith("broken.flow.json: $.nodes[0].type: unknown activity type 'SendEmial'"), result.ToString());
        lines.ShouldContain(l => l.StartsWith("broken.flow.json: $.nodes[1].inputs.code: JavaScript syntax error"), result.ToString());
        lines.ShouldContain(l => l.StartsWith("broken.flow.json: $.nodes[2].id: node id 'calc' is used twice"), result.ToString());
        lines.ShouldContain(l => l.StartsWith("broken.flow.json: $.connections[0].to: connection to unknown node 'ghost'"), result.ToString());
        result.Stderr.ShouldContain("1 file, 1 invalid");
    }

    [Fact]
    public async Task Validate_walks_a_directory_recursively_in_sorted_order_and_summarises_on_stderr()
    {
        using var temp = new TempDir();
        temp.Write("b/second.flow.json", """{ "format": 1, "id": "second", "nodes": [ { "id": "x", "type": "Nope" } ], "connections": [] }""");
        temp.Write("a.flow.json", """{ "format": 1, "id": "first", "nodes": [ { "id": "x", "type": "NoOp" } ], "connections": [] }""");
        temp.Write("notes.json", "not a flow, not looked at");

        var result = await temp.FlowcAsync("validate", ".");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stdout.ShouldContain($"second.flow.json: $.nodes[0].type: unknown activity type 'Nope'");
        result.Stdout.ShouldNotContain("a.flow.json");
        result.Stderr.ShouldContain("2 files, 1 invalid");
    }

    [Fact]
    public async Task Validate_warns_about_a_call_to_a_flow_that_is_not_in_the_directory_tree_but_still_exits_0()
    {
        using var temp = new TempDir();
        temp.Write("caller.flow.json", """
            { "format": 1, "id": "caller", "nodes": [
                { "id": "known", "type": "CallFlow", "inputs": { "flowId": "helper" } },
                { "id": "unknown", "type": "CallFlow", "inputs": { "flowId": "nowhere" } } ], "connections": [ { "from": "known:done", "to": "unknown" } ] }
            """);
        temp.Write("lib/helper.flow.json", """{ "format": 1, "id": "helper", "nodes": [ { "id": "x", "type": "NoOp" } ], "connections": [] }""");

        var result = await temp.FlowcAsync("validate", ".");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stdout.ShouldContain("caller.flow.json: $.nodes[1].inputs.flowId: warning: CallFlow target 'nowhere'");
        result.Stdout.ShouldNotContain("'helper'");
        result.Stderr.ShouldContain("1 warning");
    }

    [Fact]
    public async Task Validate_reports_malformed_json_with_line_and_column_and_no_stack_trace()
    {
        using var temp = new TempDir();
        temp.Write("bad.flow.json", "{\n  \"format\": 1,\n  \"id\": \"x\" \"nodes\": []\n}\n");

        var result = await temp.FlowcAsync("validate", "bad.flow.json");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stdout.ShouldContain("bad.flow.json: $: line 3, column");
        (result.Stdout + result.Stderr).ShouldNotContain("   at ");
    }

    [Fact]
    public async Task Validate_exits_2_when_the_path_is_missing_or_does_not_exist()
    {
        using var temp = new TempDir();

        var noArgument = await temp.FlowcAsync("validate");
        var noSuchPath = await temp.FlowcAsync("validate", "missing.flow.json");

        noArgument.ExitCode.ShouldBe(2, noArgument.ToString());
        noArgument.Stderr.ShouldContain("error:");
        noSuchPath.ExitCode.ShouldBe(2, noSuchPath.ToString());
        noSuchPath.Stderr.ShouldContain("error: no such file or directory: missing.flow.json");
    }
}
