using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Import.OpenApi;
using FlowConnectors.Import.Postman;

namespace FlowConnectors.Postman.Tests;

/// <summary>
/// Stripe's paging (<c>starting_after</c> = the last record's id while <c>has_more</c>) is detected in an OpenAPI description,
/// as in Stripe's own, and the imported card walks every page of <see cref="StripeStub"/> through the connection, drawing
/// every page from the connection's rate-limit budget.
/// </summary>
public sealed class StripePagingImportTests : IDisposable
{
    private static readonly string StripeSpec = Path.Combine(Repo.Root, "tests", "FlowConnectors.Postman.Tests", "openapi", "stripe-like.subset.yaml");
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static JsonObject Paginate(ImportedConnector imported, string flow) =>
        JsonNode.Parse(FlowJson.Save(imported.Flows[flow]))!["nodes"]!.AsArray().OfType<JsonObject>().Single(n => (string?)n["type"] == "Http.Paginate");

    /// <summary>The Stripe-like description imported, written and loaded as <c>flowc import-openapi</c> does, every URL pointed at the stub.</summary>
    private ConnectorRuntime ImportedRuntime(StripeStub stripe, JsonObject? rateLimits = null)
    {
        var engine = new FlowEngine(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() });
        var imported = OpenApiImporter.Import(File.ReadAllText(StripeSpec));
        var written = ConnectorFolderWriter.Write(imported, Path.Combine(_temp.Path, imported.Key), engine);
        if (rateLimits is not null)
        {
            var manifestFile = Path.Combine(written.Folder, "connector.json");
            var manifest = JsonNode.Parse(File.ReadAllText(manifestFile))!.AsObject();
            manifest["rateLimits"] = rateLimits;
            File.WriteAllText(manifestFile, manifest.ToJsonString());
        }
        var (package, problems) = ConnectorPackage.Load(written.Folder, engine);
        package.ShouldNotBeNull(string.Join("\n", problems));
        return new ConnectorRuntime([package], new ConnectorRuntimeOptions
        {
            Connections = new InMemoryConnectionStore(),
            RewriteUrl = uri => new UriBuilder(uri) { Scheme = "http", Host = stripe.Address.Host, Port = stripe.Address.Port }.Uri,
            TestOnCreate = false,
        });
    }

    private static async Task<FlowRunResult> RunGetCustomersAsync(ConnectorRuntime runtime, int maxItems)
    {
        var package = runtime.Installed.Connectors.Single();
        var values = package.Manifest.ConnectionParameters.ToDictionary(p => p.Name, p => p.Default ?? "sk_test_not_real");
        var connection = await runtime.Connections.CreateConnectionAsync(package.Manifest.Key, "stripe", values, "tests");
        return await runtime.Actions.RunFlowAsync(package.Manifest.Key, "getCustomers", connection.Id, new JsonObject { ["maxItems"] = maxItems });
    }

    [Fact]
    public void A_starting_after_parameter_and_a_has_more_boolean_become_lastItemId_paging_and_leave_the_cards_inputs()
    {
        var stripe = OpenApiImporter.Import(File.ReadAllText(StripeSpec));

        var inputs = Paginate(stripe, "getCustomers")["inputs"]!;
        (inputs["strategy"]!.GetValue<string>(), inputs["itemsPath"]!.GetValue<string>(), inputs["cursorParameter"]!.GetValue<string>(),
            inputs["itemIdPath"]!.GetValue<string>(), inputs["hasMorePath"]!.GetValue<string>(), inputs["limitParameter"]!.GetValue<string>(), inputs["limit"]!.GetValue<int>())
            .ShouldBe(("lastItemId", "data", "starting_after", "id", "has_more", "limit", 100));
        // ending_before walks backwards and Stripe refuses it beside starting_after: it leaves the card with the paging parameters.
        stripe.Flows["getCustomers"].Inputs.Select(i => i.Name).ShouldBe(["email", "maxItems"]);
        stripe.Flows["getCustomers"].Outputs.Select(o => o.Name).ShouldBe(["items", "pages", "truncated"]);
        stripe.Warnings.ShouldNotContain(w => w.Message.Contains("starting_after"));
    }

    [Theory]
    [InlineData("starting_after", "has_more: { type: string }", "shows no boolean 'has_more'")]
    [InlineData("ending_before", "has_more: { type: boolean }", "is paged only backwards, by 'ending_before'")]
    public void Stripe_paging_the_description_does_not_fully_show_keeps_one_page_and_says_why(string parameter, string hasMore, string why)
    {
        var spec = $$"""
            openapi: 3.0.3
            info: { title: Listy, version: '1' }
            servers: [{ url: 'https://api.listy.example.test' }]
            paths:
              /v1/things:
                get:
                  operationId: listThings
                  parameters:
                    - { name: {{parameter}}, in: query, schema: { type: string } }
                    - { name: limit, in: query, schema: { type: integer } }
                  responses:
                    '200': { description: ok, content: { application/json: { schema: { type: object, properties: { data: { type: array, items: { type: object, properties: { id: { type: string } } } }, {{hasMore}} } } } } }
            """;

        var imported = OpenApiImporter.Import(spec);

        JsonNode.Parse(FlowJson.Save(imported.Flows["listThings"]))!["nodes"]!.AsArray().Select(n => (string?)n!["type"]).ShouldNotContain("Http.Paginate");
        imported.Warnings.ShouldContain(w => w.Message.Contains(why) && w.Message.Contains("one page"));
    }

    [Fact]
    public async Task The_imported_card_walks_every_page_of_a_vendor_that_pages_as_Stripe_documents_within_the_connections_budget()
    {
        await using var stripe = await StripeStub.StartAsync(230);
        // Two requests per second for the connection: the three pages cannot all go out within one second.
        await using var runtime = ImportedRuntime(stripe, new JsonObject { ["requests"] = 2, ["per"] = "00:00:01" });

        var run = await RunGetCustomersAsync(runtime, maxItems: 1000);

        run.Status.ShouldBe(Engine.FlowStatus.Finished, run.Fault?.ToString());
        run.Outputs["items"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()).ShouldBe(stripe.Ids);
        run.Outputs["pages"]!.GetValue<long>().ShouldBe(3);
        run.Outputs["truncated"]!.GetValue<bool>().ShouldBeFalse();
        var requests = stripe.Take();
        requests.Select(r => r.Query).ShouldBe(["?limit=100", "?limit=100&starting_after=cus_00130", "?limit=100&starting_after=cus_00030"]);
        // The budget holds a slot from its grant until a second after the answer: the third page waits for the first's slot.
        (requests[2].At - requests[0].At).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1), "the third page was sent within the first page's budget window");
    }

    [Fact]
    public async Task Max_items_stops_the_walk_early_and_the_card_says_it_was_truncated()
    {
        await using var stripe = await StripeStub.StartAsync(230);
        await using var runtime = ImportedRuntime(stripe);

        var run = await RunGetCustomersAsync(runtime, maxItems: 150);

        run.Outputs["items"]!.AsArray().Count.ShouldBe(150, run.Fault?.ToString());
        run.Outputs["truncated"]!.GetValue<bool>().ShouldBeTrue();
        stripe.Take().Count.ShouldBe(2);
    }
}
