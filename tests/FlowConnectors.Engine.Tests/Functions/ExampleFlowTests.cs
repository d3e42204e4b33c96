using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Engine.Tests.Functions;

public sealed class ExampleFlowTests
{
    private static string ExamplesFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FlowConnectors.sln"))) return Path.Combine(dir.FullName, "flows", "examples");
        throw new InvalidOperationException("FlowConnectors.sln not found above " + AppContext.BaseDirectory);
    }

    private static IEnumerable<string> ExampleFiles() =>
        Directory.GetFiles(ExamplesFolder(), "*.flow.json").Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal);

    public static TheoryData<string> AllExamples() => [.. ExampleFiles()];

    public static TheoryData<string> FunctionExamples() => [.. ExampleFiles().Where(name => name.StartsWith("functions-", StringComparison.Ordinal))];

    [Theory]
    [MemberData(nameof(AllExamples))]
    public void Examples_are_saved_in_canonical_form(string file)
    {
        var text = File.ReadAllText(Path.Combine(ExamplesFolder(), file));
        FlowJson.Save(FlowJson.Parse(text)).ShouldBe(text);
    }

    [Theory]
    [MemberData(nameof(FunctionExamples))]
    public void Function_examples_validate_without_errors_or_warnings(string file)
    {
        Flow.Validate(File.ReadAllText(Path.Combine(ExamplesFolder(), file))).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(FunctionExamples))]
    public async Task Function_examples_produce_the_outputs_their_test_file_expects(string file)
    {
        var folder = ExamplesFolder();
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, file.Replace(".flow.json", ".test.json", StringComparison.Ordinal))))!.AsObject();
        var result = await Flow.RunAsync(File.ReadAllText(Path.Combine(folder, file)), expected["input"]?.AsObject().DeepClone().AsObject());

        result.Status.ToString().ToLowerInvariant().ShouldBe(expected["status"]!.GetValue<string>(), result.Fault?.ToString());
        result.OutputsAsJson().ToJsonString().ShouldBe(Sorted(expected["outputs"]!.AsObject(), result.OutputsAsJson()).ToJsonString());
    }

    /// <summary>The expected outputs in the order the flow produced them, so the comparison is exact text.</summary>
    private static JsonObject Sorted(JsonObject expected, JsonObject actual)
    {
        var result = new JsonObject();
        foreach (var (key, _) in actual) if (expected.ContainsKey(key)) result[key] = expected[key]?.DeepClone();
        foreach (var (key, value) in expected) if (!result.ContainsKey(key)) result[key] = value?.DeepClone();
        return result;
    }
}
