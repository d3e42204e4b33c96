namespace FlowConnectors.Cli.Tests;

public sealed class FormatCommandTests
{
    // Fields out of order, free-form keys unsorted, no final newline: valid, but not canonical.
    private const string HandWritten = """
        { "nodes": [ { "type": "SetOutput", "id": "out", "inputs": { "value": { "js": "input.n * 2" }, "name": "twice" } } ],
          "id": "double", "format": 1, "connections": [],
          "outputs": [ { "type": "integer", "name": "twice" } ], "inputs": [ { "required": true, "name": "n", "type": "integer" } ] }
        """;

    [Fact]
    public async Task Format_rewrites_a_flow_in_canonical_form_and_a_second_run_changes_nothing()
    {
        using var temp = new TempDir();
        var file = temp.Write("double.flow.json", HandWritten);

        var check = await temp.FlowcAsync("format", "double.flow.json", "--check");
        check.ExitCode.ShouldBe(1, check.ToString());
        check.Stdout.Trim().ShouldBe("double.flow.json");
        File.ReadAllText(file).ShouldBe(HandWritten);

        var first = await temp.FlowcAsync("format", ".");
        first.ExitCode.ShouldBe(0, first.ToString());
        var canonical = File.ReadAllText(file);
        canonical.ShouldStartWith("{\n  \"format\": 1,\n  \"id\": \"double\",");
        canonical.ShouldEndWith("}\n");
        canonical.IndexOf("\"inputs\"", StringComparison.Ordinal).ShouldBeLessThan(canonical.IndexOf("\"nodes\"", StringComparison.Ordinal));

        var printed = await temp.FlowcAsync("format", "double.flow.json", "--stdout");
        printed.Stdout.ShouldBe(canonical);
        var again = await temp.FlowcAsync("format", "double.flow.json", "--check");
        again.ExitCode.ShouldBe(0, again.ToString());
        (await temp.FlowcAsync("run", "double.flow.json", "--input", "n=21")).Stdout.ShouldContain("42");
    }

    [Fact]
    public async Task Format_leaves_a_file_that_does_not_load_untouched_and_says_where_it_is_wrong()
    {
        using var temp = new TempDir();
        var file = temp.Write("broken.flow.json", """{ "format": 1, "id": "broken", "nodes": [ { "id": "a" } ], "connections": [] """);

        var result = await temp.FlowcAsync("format", "broken.flow.json");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("broken.flow.json: $");
        File.ReadAllText(file).ShouldBe("""{ "format": 1, "id": "broken", "nodes": [ { "id": "a" } ], "connections": [] """);
        Directory.GetFiles(temp.Path).Length.ShouldBe(1);
    }
}
