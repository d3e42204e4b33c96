namespace FlowConnectors.Cli.Tests;

public sealed class ConnectorCommandTests
{
    private static string Flows => Path.Combine(Repo.Root, "flows");

    [Theory]
    [InlineData("slack")]
    [InlineData("slack-webhook")]
    [InlineData("servicenow")]
    [InlineData("workspace-one-uem")]
    [InlineData("github")]
    public async Task Every_sample_connector_validates_and_passes_its_offline_tests(string connector)
    {
        var folder = Path.Combine(Flows, connector);
        var validate = await Flowc.RunAsync(Flows, "validate", folder);
        validate.ExitCode.ShouldBe(0, validate.ToString());
        validate.Stderr.ShouldContain("1 connector, 0 invalid");

        var test = await Flowc.RunAsync(Flows, "test", folder);
        test.ExitCode.ShouldBe(0, test.ToString());
        var summary = test.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        summary.ShouldEndWith("passed, 0 failed");
        test.Stdout.ShouldNotContain("FAIL ");
    }

    [Fact]
    public async Task Test_prints_a_diff_and_exits_1_when_the_connector_sends_something_else()
    {
        using var temp = new TempDir();
        CopyDirectory(Path.Combine(Flows, "slack"), Path.Combine(temp.Path, "slack"));
        var fixture = Path.Combine(temp.Path, "slack", "tests", "postMessage.json");
        var text = File.ReadAllText(fixture);
        var inputEnd = text.IndexOf("\"exchanges\"", StringComparison.Ordinal);
        File.WriteAllText(fixture, text[..inputEnd].Replace("Deploy finished :rocket:", "Something else") + text[inputEnd..]);

        var result = await temp.FlowcAsync("test", "slack");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stdout.ShouldContain("FAIL slack/tests/postMessage.json");
        result.Stdout.ShouldContain("request 1 (POST /api/chat.postMessage): body.text: expected \"Deploy finished :rocket:\" but was \"Something else\"");
    }

    [Fact]
    public async Task Validate_reports_connector_problems_with_codes_file_and_path()
    {
        using var temp = new TempDir();
        CopyDirectory(Path.Combine(Flows, "servicenow"), Path.Combine(temp.Path, "servicenow"));
        var manifest = Path.Combine(temp.Path, "servicenow", "connector.json");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"version\": \"1.0.0\"", "\"version\": \"one\""));
        File.Delete(Path.Combine(temp.Path, "servicenow", "flows", "httpHelper.flow.json"));

        var result = await temp.FlowcAsync("validate", "servicenow");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stdout.ShouldContain("connector.json: $.version: MANIFEST_INVALID_VERSION: version 'one' is not a semantic version");
        result.Stdout.ShouldContain("HTTPHELPER_MISSING");
    }

    [Fact]
    public async Task Test_refuses_a_folder_that_is_not_a_connector()
    {
        using var temp = new TempDir();
        var result = await temp.FlowcAsync("test", ".");
        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("is not a connector folder");
        result.Stderr.ShouldNotContain("   at ");
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(directory.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to), overwrite: true);
    }
}
