using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Cli.Tests;

/// <summary>
/// Every <c>flows/examples/*.flow.json</c> with a sibling <c>.test.json</c> is run through the real
/// CLI and must reach the expected status with exactly the expected outputs.
/// </summary>
public sealed class ExampleFlowTests
{
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repo.Examples, "*.flow.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file)[..^".flow.json".Length];
            if (File.Exists(Path.Combine(Repo.Examples, name + ".test.json"))) data.Add(name);
        }
        return data;
    }

    public static TheoryData<string> ExampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repo.Examples, "*.flow.json").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Each_example_reaches_the_status_and_outputs_its_test_file_expects(string name)
    {
        var flow = Path.Combine(Repo.Examples, name + ".flow.json");
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Examples, name + ".test.json")))!.AsObject();
        using var temp = new TempDir();
        var input = temp.Write("input.json", (spec["input"] ?? new JsonObject()).ToJsonString());
        var state = Path.Combine(temp.Path, "state.json");

        var run = await temp.FlowcAsync("run", flow, "--input-json", input, "--state-out", state);

        var status = spec["status"]!.GetValue<string>();
        run.ExitCode.ShouldBe(ExitCodeOf(status), run.ToString());
        JsonNode.DeepEquals(run.StdoutJson, spec["outputs"] ?? new JsonObject())
            .ShouldBeTrue($"outputs differ: expected {spec["outputs"]?.ToJsonString()}\n{run}");
        run.Stderr.ShouldNotContain("   at ");
        if (status == "faulted")
            run.Stderr.ShouldContain(spec["error"]!.GetValue<string>(), Case.Sensitive, run.ToString());

        if (spec["resume"] is JsonObject resume)
        {
            File.Exists(state).ShouldBeTrue("run --state-out saved no state for a suspended flow");
            var resumed = await temp.FlowcAsync("resume", state, "--flow", flow,
                "--bookmark", resume["bookmark"]!.GetValue<string>(),
                "--payload-json", (resume["payload"] ?? new JsonObject()).ToJsonString());
            resumed.ExitCode.ShouldBe(ExitCodeOf(resume["status"]?.GetValue<string>() ?? "finished"), resumed.ToString());
            JsonNode.DeepEquals(resumed.StdoutJson, resume["outputs"] ?? new JsonObject())
                .ShouldBeTrue($"outputs after resume differ: expected {resume["outputs"]?.ToJsonString()}\n{resumed}");
        }
    }

    [Fact]
    public async Task Validate_accepts_every_example()
    {
        var result = await Flowc.RunAsync(Repo.Root, "validate", Path.Combine("flows", "examples"));

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stderr.ShouldContain(", 0 invalid");
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Each_example_is_saved_in_canonical_form(string file)
    {
        var text = File.ReadAllText(Path.Combine(Repo.Examples, file));

        FlowJson.Save(FlowJson.Parse(text)).ShouldBe(text);
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Each_example_has_a_name_and_a_description(string file)
    {
        var flow = FlowJson.Parse(File.ReadAllText(Path.Combine(Repo.Examples, file)));

        flow.Name.ShouldNotBeNullOrWhiteSpace();
        flow.Description.ShouldNotBeNullOrWhiteSpace();
    }

    private static int ExitCodeOf(string status) => status switch
    {
        "finished" => 0,
        "faulted" => 1,
        "suspended" => 3,
        _ => throw new InvalidOperationException($"unknown status '{status}' in a .test.json"),
    };
}
