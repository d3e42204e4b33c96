using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Testing;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Import.OpenApi;
using FlowConnectors.Import.Postman;

namespace FlowConnectors.Postman.Tests;

/// <summary>
/// Imported paged list operations walk every page with Http.Paginate, and authorization-code connectors are tested
/// offline: fixtures sign in with a simulated code exchange and simulate expiry, refresh and a refused refresh.
/// The hand-written fixtures live in openapi/fixtures and run with the imported connector's own, as <c>flowc test</c> runs them.
/// </summary>
public sealed class OpenApiPagingAndSignInTests : IDisposable
{
    private static readonly FlowEngine Validator = new(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() });
    private static readonly string OpenApi = Path.Combine(Repo.Root, "tests", "FlowConnectors.Postman.Tests", "openapi");
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static JsonObject Node(ImportedConnector imported, string flow, string node) =>
        JsonNode.Parse(FlowJson.Save(imported.Flows[flow]))!["nodes"]!.AsArray().OfType<JsonObject>().Single(n => (string?)n["id"] == node);

    [Fact]
    public void A_paged_list_operation_becomes_a_card_that_walks_every_page_with_Paginate_and_the_detected_strategy()
    {
        var github = OpenApiImporter.Import(File.ReadAllText(Path.Combine(OpenApi, "github-rest.subset.yaml")));
        var link = Node(github, "issuesListForRepo", "pages");
        link["type"]!.GetValue<string>().ShouldBe("Http.Paginate");
        link["inputs"]!["strategy"]!.GetValue<string>().ShouldBe("linkHeader");
        link["inputs"]!["itemsPath"]!.GetValue<string>().ShouldBe("");
        link["inputs"]!["useConnection"]!.GetValue<bool>().ShouldBeTrue();
        link["inputs"]!["query"]!["js"]!.GetValue<string>().ShouldBe("({ \"state\": input.state, \"labels\": input.labels, \"per_page\": 30 })");
        github.Flows["issuesListForRepo"].Outputs.Select(o => o.Name).ShouldBe(["items", "pages", "truncated"]);

        var slack = OpenApiImporter.Import(File.ReadAllText(Path.Combine(OpenApi, "slack-web.subset.json")));
        var cursor = Node(slack, "conversationsList", "pages")["inputs"]!;
        (cursor["strategy"]!.GetValue<string>(), cursor["cursorParameter"]!.GetValue<string>(), cursor["cursorPath"]!.GetValue<string>(),
            cursor["itemsPath"]!.GetValue<string>(), cursor["limitParameter"]!.GetValue<string>())
            .ShouldBe(("cursor", "cursor", "response_metadata.next_cursor", "channels", "limit"));
        slack.Flows["conversationsList"].Inputs.Select(i => i.Name).ShouldBe(["excludeArchived", "types", "maxItems"]);

        // Stripe pages by the last record's id while has_more (StripePagingImportTests has the details).
        var stripe = OpenApiImporter.Import(File.ReadAllText(Path.Combine(OpenApi, "stripe-like.subset.yaml")));
        Node(stripe, "getCustomers", "pages")["inputs"]!["strategy"]!.GetValue<string>().ShouldBe("lastItemId");
    }

    [Fact]
    public async Task Two_pages_are_walked_offline_by_the_last_records_id_and_every_Stripe_fixture_passes()
    {
        var reports = await RunWithFixturesAsync("stripe-like.subset.yaml", "stripe-");

        reports.ShouldContain(r => r.File == "tests/stripe-customers-two-pages.json");
        foreach (var report in reports) report.Differences.ShouldBeEmpty(report.File);
    }

    [Fact]
    public void Page_and_offset_parameters_become_pageNumber_and_offsetLimit_paging()
    {
        const string Spec = """
            openapi: 3.0.3
            info: { title: Paged Shop, version: '1' }
            servers: [{ url: 'https://shop.example.test/v1' }]
            paths:
              /orders:
                get:
                  operationId: listOrders
                  parameters:
                    - { name: page, in: query, schema: { type: integer } }
                    - { name: page_size, in: query, schema: { type: integer, maximum: 50 } }
                  responses:
                    '200': { description: ok, content: { application/json: { schema: { type: object, properties: { orders: { type: array, items: { type: object } } } } } } }
              /refunds:
                get:
                  operationId: listRefunds
                  parameters:
                    - { name: offset, in: query, schema: { type: integer } }
                    - { name: limit, in: query, schema: { type: integer, default: 25 } }
                  responses:
                    '200': { description: ok, content: { application/json: { schema: { type: array, items: { type: object } } } } }
            """;
        var imported = OpenApiImporter.Import(Spec);
        var orders = Node(imported, "listOrders", "pages")["inputs"]!;
        (orders["strategy"]!.GetValue<string>(), orders["pageParameter"]!.GetValue<string>(), orders["pageSizeParameter"]!.GetValue<string>(), orders["limit"]!.GetValue<int>(), orders["itemsPath"]!.GetValue<string>())
            .ShouldBe(("pageNumber", "page", "page_size", 50, "orders"));
        var refunds = Node(imported, "listRefunds", "pages")["inputs"]!;
        (refunds["strategy"]!.GetValue<string>(), refunds["offsetParameter"]!.GetValue<string>(), refunds["limitParameter"]!.GetValue<string>(), refunds["limit"]!.GetValue<int>())
            .ShouldBe(("offsetLimit", "offset", "limit", 25));
        imported.Flows["listOrders"].Inputs.Select(i => i.Name).ShouldBe(["maxItems"]);
    }

    private async Task<IReadOnlyList<FixtureReport>> RunWithFixturesAsync(string spec, string prefix)
    {
        var imported = OpenApiImporter.Import(File.ReadAllText(Path.Combine(OpenApi, spec)));
        var written = ConnectorFolderWriter.Write(imported, Path.Combine(_temp.Path, imported.Key), Validator);
        foreach (var file in Directory.GetFiles(Path.Combine(OpenApi, "fixtures"), prefix + "*.json"))
            File.Copy(file, Path.Combine(written.Folder, "tests", Path.GetFileName(file)));
        var (package, problems) = ConnectorPackage.Load(written.Folder, Validator);
        package.ShouldNotBeNull(string.Join("\n", problems));
        return await FixtureRunner.RunAllAsync(package);
    }

    [Fact]
    public async Task Two_pages_are_walked_offline_through_the_Link_header_and_every_GitHub_fixture_passes()
    {
        var reports = await RunWithFixturesAsync("github-rest.subset.yaml", "github-");

        reports.ShouldContain(r => r.File == "tests/github-issues-two-pages.json");
        foreach (var report in reports) report.Differences.ShouldBeEmpty(report.File);
    }

    [Fact]
    public async Task Authorization_code_fixtures_sign_in_offline_and_simulate_expiry_refresh_a_401_and_a_refused_refresh()
    {
        var reports = await RunWithFixturesAsync("slack-web.subset.json", "slack-");

        reports.Select(r => r.File).ShouldContain("tests/slack-sign-in-then-two-pages.json");
        reports.Select(r => r.File).ShouldContain("tests/slack-token-expiring-is-refreshed-first.json");
        reports.Select(r => r.File).ShouldContain("tests/slack-expired-token-401-is-refreshed-and-retried.json");
        reports.Select(r => r.File).ShouldContain("tests/slack-refused-refresh-faults.json");
        foreach (var report in reports) report.Differences.ShouldBeEmpty(report.File);
    }

    [Fact]
    public async Task A_fixture_whose_sign_in_sends_the_wrong_request_fails_with_the_difference()
    {
        var imported = OpenApiImporter.Import(File.ReadAllText(Path.Combine(OpenApi, "slack-web.subset.json")));
        var written = ConnectorFolderWriter.Write(imported, Path.Combine(_temp.Path, imported.Key), Validator);
        var fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(OpenApi, "fixtures", "slack-token-expiring-is-refreshed-first.json")))!.AsObject();
        fixture["exchanges"]![1]!["request"]!["path"] = "/api/oauth.v2.access";
        File.WriteAllText(Path.Combine(written.Folder, "tests", "wrong.json"), fixture.ToJsonString());
        var (package, _) = ConnectorPackage.Load(written.Folder, Validator);

        var report = await FixtureRunner.RunAsync(package!, Path.Combine(written.Folder, "tests", "wrong.json"));

        report.Differences.ShouldContain(d => d.Contains("path expected /api/oauth.v2.access but was /api/oauth.access"));
    }
}
