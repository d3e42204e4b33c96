using System.Text.Json.Nodes;

namespace FlowConnectors.Cli.Tests;

public sealed class DescribeCommandTests
{
    [Fact]
    public async Task Describe_prints_every_activity_descriptor_as_json()
    {
        var result = await Flowc.RunAsync(Repo.Root, "describe");

        result.ExitCode.ShouldBe(0, result.ToString());
        var types = JsonNode.Parse(result.Stdout)!.AsArray().Select(d => d!["type"]!.GetValue<string>()).ToList();
        types.ShouldContain("If");
        types.ShouldContain("RunJavaScript");
        types.ShouldContain("WaitForEvent");
    }

    [Fact]
    public async Task Describe_knows_data_collections_activity_so_template_made_connectors_validate_from_the_command_line()
    {
        var result = await Flowc.RunAsync(Repo.Root, "describe", "Collection.StoreUsers");

        result.ExitCode.ShouldBe(0, result.ToString());
        JsonNode.Parse(result.Stdout)!["type"]!.GetValue<string>().ShouldBe("Collection.StoreUsers");
    }

    [Fact]
    public async Task Describe_prints_one_descriptor_with_its_inputs_and_outcomes()
    {
        var result = await Flowc.RunAsync(Repo.Root, "describe", "ForEach");

        result.ExitCode.ShouldBe(0, result.ToString());
        var descriptor = JsonNode.Parse(result.Stdout)!;
        descriptor["type"]!.GetValue<string>().ShouldBe("ForEach");
        descriptor["inputs"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()).ShouldContain("items");
        descriptor["outcomes"]!.AsArray().Select(o => o!.GetValue<string>()).ShouldBe(["iterate", "done", "fault"], ignoreOrder: true);
    }

    [Fact]
    public async Task Describe_exits_2_and_suggests_a_close_match_for_an_unknown_type()
    {
        var result = await Flowc.RunAsync(Repo.Root, "describe", "Swich");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.Trim().ShouldBe("error: unknown activity type 'Swich'; did you mean 'Switch'?");
    }
}
