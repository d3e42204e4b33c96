using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Import.OpenApi;
using FlowConnectors.Import.Postman;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Testing;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Postman.Tests;

/// <summary>
/// OpenAPI import conformance on three shipped subsets of real public descriptions (GitHub REST, OpenAPI 3.0
/// YAML; Slack Web API, Swagger 2.0 JSON; Stripe-like, form bodies and two schemes): each imports, validates,
/// and its fixtures (from the description's examples) pass offline like <c>flowc test</c>.
/// </summary>
public sealed class OpenApiImportTests : IDisposable
{
    private static readonly FlowEngine Validator = new(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() });
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Spec(string file) => File.ReadAllText(Path.Combine(Repo.Root, "tests", "FlowConnectors.Postman.Tests", "openapi", file));

    private static JsonObject Flow(ImportedConnector imported, string id) => (JsonObject)JsonNode.Parse(FlowJson.Save(imported.Flows[id]))!;

    [Theory]
    [InlineData("github-rest.subset.yaml", "github-v3-rest-api", 3)]
    [InlineData("slack-web.subset.json", "slack-web-api", 4)]
    [InlineData("stripe-like.subset.yaml", "stripe-api", 4)]
    public async Task Each_shipped_description_imports_into_a_connector_that_validates_and_passes_its_fixtures(string file, string key, int operations)
    {
        var imported = OpenApiImporter.Import(Spec(file));

        imported.Key.ShouldBe(key);
        imported.Actions.Count.ShouldBe(operations);
        var written = ConnectorFolderWriter.Write(imported, Path.Combine(_temp.Path, imported.Key), Validator);
        var (package, problems) = ConnectorPackage.Load(written.Folder, Validator);
        package.ShouldNotBeNull(string.Join("\n", problems));
        problems.Where(p => p.IsError).ShouldBeEmpty();
        foreach (var report in await FixtureRunner.RunAllAsync(package))
            report.Differences.ShouldBeEmpty($"{file} {report.File}");
        package.FixtureFiles.ShouldNotBeEmpty();
    }

    [Fact]
    public void GitHub_operations_become_typed_cards_grouped_by_tag_with_enum_dropdowns_path_checks_and_Link_paging_through_Paginate()
    {
        var imported = OpenApiImporter.Import(Spec("github-rest.subset.yaml"));

        imported.Actions.Select(a => (a.Id, a.Group, a.Method, a.Path)).ShouldBe(
        [
            ("usersGetAuthenticated", "users", "GET", "/user"),
            ("issuesListForRepo", "issues", "GET", "/repos/{owner}/{repo}/issues"),
            ("issuesCreate", "issues", "POST", "/repos/{owner}/{repo}/issues"),
        ]);
        imported.BaseUrl.ShouldBe("https://api.github.com");
        imported.Manifest["auth"]!.ToJsonString().ShouldBe("""{"kind":"apiKey","parameter":"token","in":"header","name":"Authorization","tokenType":"Bearer"}""");
        imported.Manifest["baseUrlParameter"]!.GetValue<string>().ShouldBe("baseUrl");
        var list = imported.Flows["issuesListForRepo"];
        list.Inputs.Select(i => (i.Name, i.Type, i.Required)).ShouldBe(
            [("owner", "string", true), ("repo", "string", true), ("state", "string", false), ("labels", "string", false), ("maxItems", "integer", false)]);
        list.Inputs.Single(i => i.Name == "state").Options!.Select(o => (string?)o!["value"]).ShouldBe(["open", "closed", "all"]);
        list.Description!.ShouldContain("Pagination: Link header, rel=\"next\"");
        Flow(imported, "issuesListForRepo")["nodes"]!.AsArray().Select(n => (string?)n!["id"]).ShouldBe(["checkPath", "emptyPath", "pages", "done"]);
        imported.Flows["issuesCreate"].Inputs.Single(i => i.Name == "body").Required.ShouldBeFalse(); // the example is its default
        imported.Flows["usersGetAuthenticated"].Outputs.Select(o => o.Name).ShouldBe(["statusCode", "headers", "body", "login", "id", "nodeId", "avatarUrl", "type", "siteAdmin"]);
    }

    [Fact]
    public void Slack_Swagger_2_is_converted_security_none_sends_no_credentials_and_token_parameters_are_left_to_the_connection()
    {
        var imported = OpenApiImporter.Import(Spec("slack-web.subset.json"));

        imported.Warnings.ShouldContain(w => w.Path == "$.swagger");
        imported.BaseUrl.ShouldBe("https://slack.com/api");
        imported.AuthKind.ShouldBe("oauth2AuthorizationCode");
        imported.Manifest["auth"]!["scope"]!.GetValue<string>().ShouldBe("channels:read chat:write users:read");
        imported.Actions.Single(a => a.Id == "apiTest").Auth.ShouldBe("none");
        imported.Flows["chatPostMessage"].Inputs.Select(i => i.Name).ShouldBe(["channel", "text", "threadTs", "mrkdwn"]);
        imported.Flows["conversationsList"].Description!.ShouldContain("Pagination: cursor, parameter 'cursor'");
        imported.Flows.Values.SelectMany(f => f.Inputs).ShouldNotContain(i => i.Name == "token");
    }

    [Fact]
    public void Stripe_like_form_bodies_become_one_input_per_field_and_the_second_scheme_an_additional_auth_nobody_uses()
    {
        var imported = OpenApiImporter.Import(Spec("stripe-like.subset.yaml"));

        imported.AuthKind.ShouldBe("basic");
        var create = imported.Flows["postCustomers"];
        create.Inputs.Select(i => i.Name).ShouldBe(["description", "email", "name", "taxExempt"]);
        create.Inputs.Single(i => i.Name == "taxExempt").Options!.Select(o => (string?)o!["value"]).ShouldBe(["", "exempt", "none", "reverse"]);
        Flow(imported, "postCustomers")["nodes"]!.AsArray().First(n => (string?)n!["id"] == "call")!["inputs"]!["inputs"]!["headers"]!["js"]!.GetValue<string>()
            .ShouldBe("({ \"Content-Type\": \"application/x-www-form-urlencoded\" })");
        imported.Flows["getCustomers"].Description!.ShouldContain("Pagination: the last record's 'id' as 'starting_after' while 'has_more' is true");
        imported.Fixtures.Keys.ShouldBe(["deleteCustomersCustomer", "getCustomers", "getCustomersCustomer"]);
    }

    [Theory]
    [InlineData("not: [valid", "$")]
    [InlineData("openapi: 3.0.0\ninfo: { title: No servers, version: '1' }\npaths: { /a: { get: { responses: { '200': { description: ok } } } } }", "$.servers")]
    [InlineData("openapi: 3.0.0\ninfo: { title: Relative, version: '1' }\nservers: [{ url: /api }]\npaths: { /a: { get: { responses: { '200': { description: ok } } } } }", "$.servers[0].url")]
    [InlineData("openapi: 3.1.0\ninfo: { title: Empty, version: '1' }\nservers: [{ url: 'https://x.example.test' }]\npaths: {}", "$.paths")]
    public void A_description_that_cannot_be_imported_names_the_place(string text, string path)
    {
        Should.Throw<PostmanImportException>(() => OpenApiImporter.Import(text)).Path.ShouldBe(path);
    }
}
