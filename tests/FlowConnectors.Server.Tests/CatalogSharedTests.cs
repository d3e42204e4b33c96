using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FlowConnectors.Catalog;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Runtime;
using Npgsql;
using FlowConnectors.Tests.Shared;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// The catalog lives in the database, not in one node's <c>&lt;data&gt;/catalog</c>: what one server publishes, another
/// server on the same database lists, reviews and installs; a folder an earlier version wrote is copied in once.
/// </summary>
public class CatalogSharedTests
{
    private static FlowEngine Validator() => new(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() });

    private static async Task<int> SubmitAsync(TestServer server, byte[] package)
    {
        var content = new ByteArrayContent(package);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return (int)(await server.Client.PostAsync("/api/catalog/packages", content)).StatusCode;
    }

    private static Task<string> PostgresDatabaseAsync() => TestPostgres.CreateDatabaseAsync("fc_catalog_");

    private static Task DropAsync(string database) => TestPostgres.DropDatabaseAsync(database);

    [Fact]
    public async Task A_package_published_on_one_server_is_listed_reviewed_and_installed_on_another_on_the_same_database()
    {
        var database = await PostgresDatabaseAsync();
        try
        {
            void OnPostgres(Hosting.ServerOptions o)
            {
                o.Database = "postgres";
                o.ConnectionString = database;
            }
            await using var a = await TestServer.StartAsync(flowsFolder: TestServer.Temp("empty-flows"), configure: OnPostgres);
            await using var b = await TestServer.StartAsync(flowsFolder: TestServer.Temp("empty-flows"), configure: OnPostgres);

            var package = await Packer.PackAsync(Path.Combine(Repo.Root, "flows", "slack-webhook"), Validator());
            (await SubmitAsync(a, package.ToBytes())).ShouldBe(201);
            // Nothing on B's disk: the version comes from the database.
            Directory.Exists(Path.Combine(b.DataFolder, "catalog")).ShouldBeFalse();

            var listed = (await b.GetJsonAsync("/api/catalog"))["connectors"]!.AsArray().ShouldHaveSingleItem()!;
            ((string?)listed["key"]).ShouldBe("slack-webhook");
            var version = listed["versions"]!.AsArray().ShouldHaveSingleItem()!;
            ((string?)version["status"]).ShouldBe("submitted");
            ((string?)version["digest"]).ShouldBe(package.Digest);

            (await b.PostJsonAsync("/api/catalog/slack-webhook/1.0.0/review", new { status = "approved" })).Status.ShouldBe(200);
            var (installed, result) = await a.PostJsonAsync("/api/catalog/slack-webhook/1.0.0/install", new { });
            installed.ShouldBe(200, result?.ToJsonString());
            ((int)result!["tests"]!["failed"]!).ShouldBe(0);
            (installed, result) = await b.PostJsonAsync("/api/catalog/slack-webhook/1.0.0/install", new { });
            installed.ShouldBe(200, result?.ToJsonString());
            ((string?)result!["digest"]).ShouldBe(package.Digest);

            var download = await b.Client.GetAsync("/api/catalog/slack-webhook/package");
            ((int)download.StatusCode).ShouldBe(200);
            CatalogPackage.Read(await download.Content.ReadAsByteArrayAsync(), "downloaded from B").Digest.ShouldBe(package.Digest);
        }
        finally
        {
            await DropAsync(database);
        }
    }

    [Fact]
    public async Task A_catalog_folder_left_in_the_data_folder_is_copied_into_the_database_once_with_its_review_status()
    {
        var data = TestServer.Temp("data");
        var folder = new DirectoryCatalog(Path.Combine(data, "catalog"));
        var package = await Packer.PackAsync(Path.Combine(Repo.Root, "flows", "slack-webhook"), Validator());
        folder.Publish(package, ReviewStatus.Approved);

        await using var server = await TestServer.StartAsync(dataFolder: data, flowsFolder: TestServer.Temp("empty-flows"));
        File.Exists(Path.Combine(folder.Root, CatalogFolderImport.MarkerFile)).ShouldBeTrue();
        JsonNode Versions(JsonNode catalog) => catalog["connectors"]!.AsArray().ShouldHaveSingleItem()!["versions"]!;
        var version = Versions(await server.GetJsonAsync("/api/catalog")).AsArray().ShouldHaveSingleItem()!;
        ((string?)version["status"]).ShouldBe("approved");
        ((string?)version["digest"]).ShouldBe(package.Digest);
        (await server.PostJsonAsync("/api/catalog/slack-webhook/1.0.0/install", new { })).Status.ShouldBe(200);

        await server.StopAsync();
        await server.StartAgainAsync();
        Versions(await server.GetJsonAsync("/api/catalog")).AsArray().Count.ShouldBe(1);
    }
}
