using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Import.Postman;
using FlowConnectors.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Postman.Tests;

/// <summary>The import API on the real server (127.0.0.1, temporary data folder, no sample connectors).</summary>
public sealed class ImportApiTests : IAsyncLifetime
{
    private const string ApiKey = "postman-api-test-key-0123456789";
    private readonly TempDir _data = new();
    private readonly TempDir _flows = new();
    private WebApplication? _app;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        // A connector the server starts with (like the samples in flows/): an import with its key replaces it.
        var sample = PostmanImporter.Import(File.ReadAllText(Repo.Collection("keys-apikey.postman_collection.json")), "Sample Inventory");
        ConnectorFolderWriter.WriteFiles(sample, "1.0.0", Path.Combine(_flows.Path, sample.Key));
        _app = await ServerApp.BuildAsync([], options =>
        {
            options.Urls = "http://127.0.0.1:0";
            options.DataFolder = _data.Path;
            options.FlowsFolder = _flows.Path;
            options.ApiKey = ApiKey;
            // Stub APIs listen on 127.0.0.1, which the server's network policy refuses unless allowed.
            options.Network.AllowedHosts.Add("127.0.0.1");
        });
        await _app.StartAsync();
        var address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        _client = new HttpClient { BaseAddress = address };
        _client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _data.Dispose();
        _flows.Dispose();
    }

    private static string CollectionText => File.ReadAllText(Repo.Collection("users-bearer.postman_collection.json"));

    private async Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(string path, JsonObject body)
    {
        using var response = await _client.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        return (response.StatusCode, (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    [Fact]
    public async Task Preview_lists_the_actions_without_installing_and_import_installs_the_connector()
    {
        var (status, preview) = await PostAsync("/api/postman/preview", new JsonObject { ["collection"] = JsonNode.Parse(CollectionText), ["name"] = "Acme Directory" });

        status.ShouldBe(HttpStatusCode.OK);
        preview["key"]!.GetValue<string>().ShouldBe("acme-directory");
        preview["actions"]!.AsArray().Select(a => (string)a!["id"]!).ShouldBe(["listUsers", "getUser", "createUser", "deleteUser", "getGroupMembers"]);
        preview["changes"]!["isNew"]!.GetValue<bool>().ShouldBeTrue();
        preview["warnings"]!.AsArray().Select(w => (string)w!["path"]!).ShouldContain("item[0].item[2].event[0]");
        (await _client.GetFromJsonAsync<JsonArray>("/api/connectors"))!.Select(c => (string)c!["key"]!).ShouldNotContain("acme-directory");

        var (created, saved) = await PostAsync("/api/postman/import", new JsonObject { ["collection"] = CollectionText, ["name"] = "Acme Directory" });

        created.ShouldBe(HttpStatusCode.Created);
        saved["installed"]!.GetValue<bool>().ShouldBeTrue();
        var connector = await _client.GetFromJsonAsync<JsonObject>("/api/connectors/acme-directory");
        connector!.ToJsonString().ShouldContain("listUsers");
    }

    [Fact]
    public async Task A_300_character_or_non_ASCII_request_name_imports_with_capped_transliterated_ids_and_environments_become_presets()
    {
        var longName = new string('x', 150) + " " + new string('y', 150);
        var collection = CollectionText.Replace("\"name\": \"Delete user\"", $"\"name\": \"{longName}\"").Replace("\"name\": \"Get user\"", "\"name\": \"Größe ändern\"");
        var environment = new JsonObject
        {
            ["name"] = "Staging",
            ["values"] = new JsonArray(new JsonObject { ["key"] = "baseUrl", ["value"] = "https://staging.acme.test/v2", ["enabled"] = true },
                new JsonObject { ["key"] = "accessToken", ["value"] = "staging-token-0987654321", ["enabled"] = true }),
        };

        var (status, saved) = await PostAsync("/api/postman/import", new JsonObject { ["collection"] = collection, ["name"] = "Long Names", ["environments"] = new JsonArray(environment) });

        status.ShouldBe(HttpStatusCode.Created, saved.ToJsonString());
        var ids = saved["actions"]!.AsArray().Select(a => (string)a!["id"]!).ToList();
        ids.ShouldContain("groesseAendern");
        ids.ShouldAllBe(id => id.Length <= 64);
        saved["connectionPresets"]!.ToJsonString().ShouldBe("""[{"name":"Staging","values":{"baseUrl":"https://staging.acme.test/v2"}}]""");
        saved.ToJsonString().ShouldNotContain("staging-token-0987654321");
    }

    [Fact]
    public async Task Saving_an_edited_collection_again_reports_what_changed()
    {
        (await PostAsync("/api/postman/import", new JsonObject { ["collection"] = CollectionText })).Status.ShouldBe(HttpStatusCode.Created);
        var edited = CollectionText.Replace("\"name\": \"Delete user\"", "\"name\": \"Remove user\"");

        var (preview, changes) = await PostAsync("/api/postman/preview", new JsonObject { ["collection"] = edited });
        var (status, saved) = await PostAsync("/api/postman/import", new JsonObject { ["collection"] = edited });

        preview.ShouldBe(HttpStatusCode.OK);
        // Issue 18: a removed card is breaking, so the version goes to the next major, and the catalog's diff says why.
        var lines = changes["changes"]!["lines"]!.AsArray().Select(l => (string)l!).ToList();
        lines.Take(3).ShouldBe(["version 1.0.0 → 2.0.0", "+ added   removeUser (Remove user)", "- removed deleteUser (Delete user)"]);
        lines.Last().ShouldStartWith("breaking: card deleteUser");
        changes["changes"]!["diff"]!["breaking"]!.GetValue<int>().ShouldBeGreaterThan(0);
        status.ShouldBe(HttpStatusCode.OK);
        saved["changes"]!["version"]!.GetValue<string>().ShouldBe("2.0.0");
        var connector = await _client.GetFromJsonAsync<JsonObject>("/api/connectors/acme-users");
        connector!.ToJsonString().ShouldContain("removeUser");
        connector.ToJsonString().ShouldNotContain("deleteUser");
    }

    [Fact]
    public async Task The_preview_warns_when_saving_would_replace_a_connector_the_server_started_with()
    {
        var collection = File.ReadAllText(Repo.Collection("keys-apikey.postman_collection.json"));

        var (_, replacing) = await PostAsync("/api/postman/preview", new JsonObject { ["collection"] = collection, ["name"] = "Sample Inventory" });
        var (_, other) = await PostAsync("/api/postman/preview", new JsonObject { ["collection"] = collection, ["name"] = "My Inventory" });

        replacing["warnings"]![0]!["path"]!.GetValue<string>().ShouldBe("$.name");
        replacing["warnings"]![0]!["message"]!.GetValue<string>().ShouldStartWith("the connector 'sample-inventory' is already loaded");
        other["warnings"]!.AsArray().Select(w => (string)w!["path"]!).ShouldNotContain("$.name");
    }

    [Theory]
    [InlineData("{\"collection\": \"{ not json\"}", "$", "not valid JSON (line 1, column 3)")]
    [InlineData("{\"collection\": {\"info\": {\"name\": \"Old\", \"schema\": \"https://schema.getpostman.com/json/collection/v1.0.0/collection.json\"}, \"item\": []}}", "$.info.schema", "Postman Collection v1 is not supported: export it again from Postman as Collection v2.1")]
    [InlineData("{\"name\": \"x\"}", "$.collection", "required")]
    public async Task A_collection_that_cannot_be_imported_is_a_422_naming_the_place(string body, string path, string message)
    {
        using var response = await _client.PostAsync("/api/postman/import", new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        problem["errors"]![0]!["path"]!.GetValue<string>().ShouldBe(path);
        problem["errors"]![0]!["message"]!.GetValue<string>().ShouldBe(message);
        (await _client.GetFromJsonAsync<JsonArray>("/api/connectors"))!.Select(c => (string)c!["key"]!).ShouldBe(["sample-inventory"], "nothing is installed");
    }

    private static string GitHubSpec => File.ReadAllText(Path.Combine(Repo.Root, "tests", "FlowConnectors.Postman.Tests", "openapi", "github-rest.subset.yaml"));

    [Fact]
    public async Task An_OpenAPI_reimport_is_previewed_with_the_catalogs_semantic_diff_and_major_version_before_it_is_applied()
    {
        var (created, first) = await PostAsync("/api/openapi/import", new JsonObject { ["spec"] = GitHubSpec, ["name"] = "Octo" });
        created.ShouldBe(HttpStatusCode.Created);
        (first["key"]!.GetValue<string>(), first["changes"]!["isNew"]!.GetValue<bool>(), first["changes"]!["version"]!.GetValue<string>(), first["actions"]!.AsArray().Count)
            .ShouldBe(("octo", true, "1.0.0", 3));

        var renamed = GitHubSpec.Replace("operationId: issues/create", "operationId: issues/open");
        var (status, preview) = await PostAsync("/api/openapi/preview", new JsonObject { ["spec"] = renamed, ["name"] = "Octo" });
        status.ShouldBe(HttpStatusCode.OK);
        preview["installed"]!.GetValue<bool>().ShouldBeFalse();
        var changes = preview["changes"]!;
        (changes["previousVersion"]!.GetValue<string>(), changes["version"]!.GetValue<string>()).ShouldBe(("1.0.0", "2.0.0"));
        changes["removed"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldContain(r => r.Contains("issuesCreate"));
        changes["diff"]!["breaking"]!.GetValue<int>().ShouldBeGreaterThan(0);
        changes["diff"]!["sections"]!.AsArray().ShouldContain(x => x!["title"]!.GetValue<string>() == "card issuesCreate" &&
            x["changes"]!.AsArray().Any(c => c!["breaking"]!.GetValue<bool>() && c["op"]!.GetValue<string>() == "-"));
        (await _client.GetStringAsync("/api/connectors/octo")).ShouldContain("\"1.0.0\"");

        var (applied, after) = await PostAsync("/api/openapi/import", new JsonObject { ["spec"] = renamed, ["name"] = "Octo" });
        applied.ShouldBe(HttpStatusCode.OK);
        after["changes"]!["version"]!.GetValue<string>().ShouldBe("2.0.0");
        (await _client.GetStringAsync("/api/connectors/octo")).ShouldContain("\"2.0.0\"");
    }

    [Fact]
    public async Task An_OpenAPI_import_without_a_spec_or_with_one_that_cannot_be_read_answers_422_naming_the_place_and_the_document_describes_it()
    {
        var (missing, problem) = await PostAsync("/api/openapi/preview", new JsonObject { ["name"] = "x" });
        missing.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem["errors"]![0]!["path"]!.GetValue<string>().ShouldBe("$.spec");
        var (unreadable, reason) = await PostAsync("/api/openapi/preview", new JsonObject { ["spec"] = "openapi: 3.0.0\ninfo: { title: No servers, version: '1' }\npaths: { /a: { get: { responses: { '200': { description: ok } } } } }" });
        unreadable.ShouldBe(HttpStatusCode.UnprocessableEntity);
        reason["errors"]![0]!["path"]!.GetValue<string>().ShouldBe("$.servers");

        var document = JsonNode.Parse(await _client.GetStringAsync("/openapi/v1.json"))!;
        var preview = document["paths"]!["/api/openapi/preview"]!["post"]!;
        preview["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>().ShouldEndWith("OpenApiImportRequest");
        preview["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>().ShouldEndWith("OpenApiImportResponse");
        preview["responses"]!["422"].ShouldNotBeNull();
    }
}
