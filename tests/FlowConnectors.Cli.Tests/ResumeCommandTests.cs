using System.Text.Json.Nodes;

namespace FlowConnectors.Cli.Tests;

public sealed class ResumeCommandTests
{
    private const string TwoWaits = """
        {
          "format": 1, "id": "two-waits",
          "outputs": [ { "name": "first", "type": "string" } ],
          "nodes": [
            { "id": "fork", "type": "Fork" },
            { "id": "a", "type": "WaitForEvent", "inputs": { "eventName": "approval", "correlationId": "a" } },
            { "id": "b", "type": "WaitForEvent", "inputs": { "eventName": "approval", "correlationId": "b" } },
            { "id": "out", "type": "Return", "inputs": { "outputs": { "first": { "js": "(nodes.a.payload ?? nodes.b.payload).from" } } } }
          ],
          "connections": [
            { "from": "fork:done", "to": "a" }, { "from": "fork:done", "to": "b" },
            { "from": "a:done", "to": "out" }, { "from": "b:done", "to": "out" }
          ]
        }
        """;

    private static async Task<string> SuspendAsync(TempDir temp)
    {
        temp.Write("two.flow.json", TwoWaits);
        var run = await temp.FlowcAsync("run", "two.flow.json", "--state-out", "state.json");
        run.ExitCode.ShouldBe(3, run.ToString());
        return run.Stderr;
    }

    [Fact]
    public async Task Resume_exits_2_and_lists_the_candidates_when_a_bookmark_name_is_ambiguous()
    {
        using var temp = new TempDir();
        await SuspendAsync(temp);

        var result = await temp.FlowcAsync("resume", "state.json", "--flow", "two.flow.json", "--bookmark", "event");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("2 bookmarks are named 'event'; pick one by id");
        result.Stderr.ShouldContain("\"correlationId\":\"a\"");
        result.Stderr.ShouldContain("\"correlationId\":\"b\"");
    }

    [Fact]
    public async Task Resume_by_bookmark_id_continues_the_instance()
    {
        using var temp = new TempDir();
        await SuspendAsync(temp);
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.Path, "state.json")))!;
        var bookmarkOfB = state["bookmarks"]!.AsArray().Single(b => b!["nodeId"]!.GetValue<string>() == "b")!["id"]!.GetValue<string>();

        var result = await temp.FlowcAsync("resume", "state.json", "--flow", "two.flow.json", "--bookmark", bookmarkOfB, "--payload-json", """{ "from": "b" }""");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StdoutJson!["first"]!.GetValue<string>().ShouldBe("b");
    }

    [Fact]
    public async Task Resume_reads_the_payload_from_a_file_with_an_at_sign()
    {
        using var temp = new TempDir();
        var flow = Path.Combine(Repo.Examples, "wait-for-event.flow.json");
        (await temp.FlowcAsync("run", flow, "--input", "requestId=r-9", "--state-out", "state.json")).ExitCode.ShouldBe(3);
        temp.Write("payload.json", """{ "by": "linus", "approved": false }""");

        var result = await temp.FlowcAsync("resume", "state.json", "--flow", flow, "--bookmark", "event", "--payload-json", "@payload.json");

        result.ExitCode.ShouldBe(0, result.ToString());
        JsonNode.DeepEquals(result.StdoutJson, JsonNode.Parse("""{ "approvedBy": "linus", "approved": false }""")).ShouldBeTrue(result.ToString());
    }

    [Fact]
    public async Task Resume_exits_2_with_one_line_for_an_unreadable_state_file()
    {
        using var temp = new TempDir();
        temp.Write("two.flow.json", TwoWaits);
        temp.Write("garbage.json", "this is not json");
        temp.Write("empty.json", "{}");

        var garbage = await temp.FlowcAsync("resume", "garbage.json", "--flow", "two.flow.json", "--bookmark", "event");
        var empty = await temp.FlowcAsync("resume", "empty.json", "--flow", "two.flow.json", "--bookmark", "event");
        var missing = await temp.FlowcAsync("resume", "missing.json", "--flow", "two.flow.json", "--bookmark", "event");

        foreach (var result in new[] { garbage, empty, missing })
        {
            result.ExitCode.ShouldBe(2, result.ToString());
            result.Stderr.Trim().Split('\n').Length.ShouldBe(1, result.ToString());
            result.Stderr.ShouldStartWith("error: ");
        }
        garbage.Stderr.ShouldContain("instance state is not valid");
        missing.Stderr.ShouldContain("state file not found: missing.json");
    }

    [Fact]
    public async Task Resume_exits_2_naming_the_bookmarks_it_has_when_the_bookmark_is_unknown()
    {
        using var temp = new TempDir();
        await SuspendAsync(temp);

        var result = await temp.FlowcAsync("resume", "state.json", "--flow", "two.flow.json", "--bookmark", "timer");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("has no bookmark 'timer'; it has");
    }

    [Fact]
    public async Task Resume_exits_2_when_the_state_belongs_to_another_flow()
    {
        using var temp = new TempDir();
        await SuspendAsync(temp);
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.Path, "state.json")))!;
        var bookmark = state["bookmarks"]![0]!["id"]!.GetValue<string>();

        var result = await temp.FlowcAsync("resume", "state.json", "--flow", Path.Combine(Repo.Examples, "wait-for-event.flow.json"), "--bookmark", bookmark, "--payload-json", "{}");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("belongs to flow 'two-waits'");
    }

    [Fact]
    public async Task Resume_exits_2_on_malformed_payload_json()
    {
        using var temp = new TempDir();
        await SuspendAsync(temp);

        var result = await temp.FlowcAsync("resume", "state.json", "--flow", "two.flow.json", "--bookmark", "event", "--payload-json", "{oops");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("--payload-json is not valid JSON: line 1");
    }
}
