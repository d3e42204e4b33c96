using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Testing;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Import.Postman;

namespace FlowConnectors.Postman.Tests;

/// <summary>
/// A Postman request that pages (a page, offset, cursor or starting_after query parameter — disabled ones count — or a
/// Link header with rel="next" in a saved example) becomes an action that walks every page with Http.Paginate, as the
/// OpenAPI import does, when a saved example shows where the records are; otherwise it stays one call and a warning says why.
/// The collection is in Postman's own v2.1 format (paging/paged-lists.postman_collection.json).
/// </summary>
public sealed class PostmanPagingTests : IDisposable
{
    private static readonly string Collection = Path.Combine(Repo.Root, "tests", "FlowConnectors.Postman.Tests", "paging", "paged-lists.postman_collection.json");
    private static readonly FlowEngine Engine = new(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() });
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static JsonObject? Paginate(ImportedConnector imported, string flow) =>
        JsonNode.Parse(FlowJson.Save(imported.Flows[flow]))!["nodes"]!.AsArray().OfType<JsonObject>().SingleOrDefault(n => (string?)n["type"] == "Http.Paginate");

    private static string Text(JsonNode? inputs, string name) => inputs![name]!.GetValue<string>();

    [Fact]
    public void Each_way_a_collection_shows_paging_becomes_the_matching_Paginate_strategy_and_the_paging_parameters_leave_the_query()
    {
        var imported = PostmanImporter.Import(File.ReadAllText(Collection));

        var customers = Paginate(imported, "listCustomers")!["inputs"]!;
        (Text(customers, "strategy"), Text(customers, "itemsPath"), Text(customers, "cursorParameter"), Text(customers, "itemIdPath"),
            Text(customers, "hasMorePath"), Text(customers, "limitParameter"), customers["limit"]!.GetValue<int>())
            .ShouldBe(("lastItemId", "data", "starting_after", "id", "has_more", "limit", 50));
        customers["query"].ShouldBeNull();
        imported.Flows["listCustomers"].Outputs.Select(o => o.Name).ShouldBe(["items", "pages", "truncated"]);
        imported.Flows["listCustomers"].Inputs.Select(i => i.Name).ShouldBe(["maxItems"]);

        var tickets = Paginate(imported, "listTickets")!["inputs"]!;
        (Text(tickets, "strategy"), Text(tickets, "pageParameter"), Text(tickets, "pageSizeParameter"), tickets["limit"]!.GetValue<int>(), Text(tickets, "itemsPath"))
            .ShouldBe(("pageNumber", "page", "per_page", 2, "tickets"));
        Text(tickets["query"], "js").ShouldBe("({ \"status\": \"open\" })");

        var events = Paginate(imported, "listEvents")!["inputs"]!;
        (Text(events, "strategy"), Text(events, "cursorParameter"), Text(events, "cursorPath"), Text(events, "limitParameter"), Text(events, "itemsPath"))
            .ShouldBe(("cursor", "cursor", "meta.next_cursor", "limit", "events"));

        // Link paging: the request's own query is the first page's, as newman sends it; the next links carry the rest.
        var repositories = Paginate(imported, "listRepositories")!["inputs"]!;
        (Text(repositories, "strategy"), Text(repositories, "itemsPath"), Text(repositories["query"], "js")).ShouldBe(("linkHeader", "", "({ \"per_page\": \"2\" })"));

        // offset paging with no saved example: where the records are is unknown, so it stays one call, and the warning says why.
        Paginate(imported, "listAuditEntries").ShouldBeNull();
        imported.Warnings.ShouldContain(w => w.Path == "item[4].request.url" && w.Message.Contains("pages by 'offset'") &&
                                              w.Message.Contains("no saved example response") && w.Message.Contains("one request"));
        imported.Flows["listCustomers"].Description!.ShouldContain("Paged (the last record's 'id' as 'starting_after' while 'has_more' is true");
    }

    [Fact]
    public async Task The_saved_examples_replay_offline_as_paged_fixtures()
    {
        var imported = PostmanImporter.Import(File.ReadAllText(Collection));
        var written = ConnectorFolderWriter.Write(imported, Path.Combine(_temp.Path, imported.Key), Engine);
        var (package, problems) = ConnectorPackage.Load(written.Folder, Engine);
        package.ShouldNotBeNull(string.Join("\n", problems));

        var reports = await FixtureRunner.RunAllAsync(package);

        reports.Select(r => r.File).ShouldBe(["tests/listCustomers.json", "tests/listEvents.json", "tests/listRepositories.json", "tests/listTickets.json"], ignoreOrder: true);
        foreach (var report in reports) report.Differences.ShouldBeEmpty(report.File);
        // The cursor example names a next page, which the fixture answers with the end of the list.
        var events = JsonNode.Parse(File.ReadAllText(Path.Combine(written.Folder, "tests", "listEvents.json")))!;
        var queries = events["exchanges"]!.AsArray().Select(e => e!["request"]!["query"]!.AsObject()).ToList();
        queries.Select(q => q.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")).Select(q => string.Join("&", q))
            .ShouldBe(["limit=2", "cursor=ZXYy&limit=2"]);
    }

    [Fact]
    public async Task The_imported_action_walks_every_page_of_a_vendor_that_pages_as_Stripe_documents()
    {
        await using var stripe = await StripeStub.StartAsync(120);
        var imported = PostmanImporter.Import(File.ReadAllText(Collection));
        var written = ConnectorFolderWriter.Write(imported, Path.Combine(_temp.Path, imported.Key), Engine);
        var (package, problems) = ConnectorPackage.Load(written.Folder, Engine);
        package.ShouldNotBeNull(string.Join("\n", problems));
        await using var runtime = new ConnectorRuntime([package], new ConnectorRuntimeOptions
        {
            Connections = new InMemoryConnectionStore(),
            RewriteUrl = uri => new UriBuilder(uri) { Scheme = "http", Host = stripe.Address.Host, Port = stripe.Address.Port }.Uri,
            TestOnCreate = false,
        });
        var values = package.Manifest.ConnectionParameters.ToDictionary(p => p.Name, p => p.Default ?? "sk_test_not_real");
        var connection = await runtime.Connections.CreateConnectionAsync(package.Manifest.Key, "shop", values, "tests");

        var run = await runtime.Actions.RunFlowAsync(package.Manifest.Key, "listCustomers", connection.Id, new JsonObject());

        run.Status.ShouldBe(FlowConnectors.Engine.FlowStatus.Finished, run.Fault?.ToString());
        run.Outputs["items"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()).ShouldBe(stripe.Ids);
        run.Outputs["pages"]!.GetValue<long>().ShouldBe(3);
        stripe.Take().Select(r => r.Query).ShouldBe(["?limit=50", "?limit=50&starting_after=cus_00070", "?limit=50&starting_after=cus_00020"]);
    }
}
