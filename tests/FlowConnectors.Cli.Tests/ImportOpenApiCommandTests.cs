namespace FlowConnectors.Cli.Tests;

/// <summary>
/// Issue 18's "done when" for OpenAPI, as a user runs it: <c>flowc import-openapi</c> imports each of the three shipped
/// descriptions into a connector that <c>flowc validate</c> accepts and whose fixtures <c>flowc test</c> passes.
/// </summary>
public sealed class ImportOpenApiCommandTests
{
    private static string Spec(string name) => Path.Combine(Repo.Root, "tests", "FlowConnectors.Postman.Tests", "openapi", name);

    [Theory]
    [InlineData("github-rest.subset.yaml", "github")]
    [InlineData("slack-web.subset.json", "slack")]
    [InlineData("stripe-like.subset.yaml", "stripe")]
    public async Task Each_shipped_description_imports_into_a_connector_that_validates_and_passes_its_fixtures(string spec, string folder)
    {
        using var temp = new TempDir();

        var import = await temp.FlowcAsync("import-openapi", Spec(spec), "--out", folder);
        import.ExitCode.ShouldBe(0, import.ToString());
        var validate = await temp.FlowcAsync("validate", folder);
        validate.ExitCode.ShouldBe(0, validate.ToString());
        var test = await temp.FlowcAsync("test", folder);
        test.ExitCode.ShouldBe(0, test.ToString());
        test.Stdout.ShouldContain(" passed, 0 failed");
    }
}
