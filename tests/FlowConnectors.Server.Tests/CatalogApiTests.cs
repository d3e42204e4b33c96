using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Catalog;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Tests.Shared;

namespace FlowConnectors.Server.Tests;

public class CatalogApiTests
{
    private static FlowEngine Validator() => new(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() });

    private static async Task<(int Status, JsonNode? Body)> SubmitAsync(TestServer server, byte[] package)
    {
        var content = new ByteArrayContent(package);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        var response = await server.Client.PostAsync("/api/catalog/packages", content);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private static string SampleFolder(string key) => Path.Combine(Repo.Root, "flows", key);

    [Fact]
    public async Task Every_sample_connector_is_submitted_approved_installed_into_a_fresh_server_and_passes_its_tests_there()
    {
        await using var server = await TestServer.StartAsync(flowsFolder: TestServer.Temp("empty-flows"));
        (await server.GetJsonAsync("/api/connectors")).AsArray().Count.ShouldBe(0);
        string[] keys = ["github", "servicenow", "slack", "slack-webhook", "workspace-one-uem"];
        foreach (var key in keys)
        {
            var package = await Packer.PackAsync(SampleFolder(key), Validator());
            var (status, body) = await SubmitAsync(server, package.ToBytes());
            status.ShouldBe(201, body?.ToJsonString());
            ((string?)body!["status"]).ShouldBe("submitted");
            ((string?)body["digest"]).ShouldBe(package.Digest);

            var (refused, problem) = await server.PostJsonAsync($"/api/catalog/{key}/1.0.0/install", new { });
            refused.ShouldBe(404);
            ((string?)problem!["detail"]).ShouldBe($"{key}@1.0.0 is submitted; only approved versions can be installed");

            (await server.PostJsonAsync($"/api/catalog/{key}/1.0.0/review", new { status = "approved" })).Status.ShouldBe(200);
            var (installed, result) = await server.PostJsonAsync($"/api/catalog/{key}/1.0.0/install", new { });
            installed.ShouldBe(200, result?.ToJsonString());
            ((int)result!["tests"]!["failed"]!).ShouldBe(0);

            var (tested, tests) = await server.PostJsonAsync($"/api/catalog/installed/{key}/test", new { });
            tested.ShouldBe(200);
            ((int)tests!["failed"]!).ShouldBe(0, tests.ToJsonString());
            ((int)tests["passed"]!).ShouldBeGreaterThan(0);
        }
        (await server.GetJsonAsync("/api/connectors")).AsArray().Count.ShouldBe(keys.Length);
        var catalog = await server.GetJsonAsync("/api/catalog");
        catalog["connectors"]!.AsArray().Select(c => (string?)c!["installedVersion"]).ShouldAllBe(v => v == "1.0.0");
    }

    [Fact]
    public async Task Bad_submissions_are_refused_with_a_reason_and_leave_the_catalog_unchanged()
    {
        await using var server = await TestServer.StartAsync(flowsFolder: TestServer.Temp("empty-flows"));
        var package = await Packer.PackAsync(SampleFolder("slack-webhook"), Validator());
        (await SubmitAsync(server, package.ToBytes())).Status.ShouldBe(201);
        var before = (await server.GetJsonAsync("/api/catalog")).ToJsonString();

        var tampered = PackageBytes.Tamper(package.ToBytes(), "flows/postWebhookMessage.flow.json", t => t.Replace("\"POST\"", "\"PUT\""));
        var (status, problem) = await SubmitAsync(server, tampered);
        status.ShouldBe(400);
        ((string?)problem!["detail"]).ShouldBe("the uploaded package: 'flows/postWebhookMessage.flow.json' does not match its SHA-256 in package.json: the package was changed after it was packed (digest mismatch)");

        (status, problem) = await SubmitAsync(server, Encoding.UTF8.GetBytes("not a zip"));
        status.ShouldBe(400);
        ((string?)problem!["detail"]).ShouldStartWith("the uploaded package: is not a connector package (a zip)");

        var response = await server.Client.PostAsync("/api/catalog/packages", new StringContent("{}", Encoding.UTF8, "application/json"));
        ((int)response.StatusCode).ShouldBe(415);

        using var edited = new EditedCopy("slack-webhook");
        edited.Edit("connector.json", m => m["description"] = "Same version, other content.");
        (status, problem) = await SubmitAsync(server, (await Packer.PackAsync(edited.Path, Validator())).ToBytes());
        status.ShouldBe(409);
        ((string?)problem!["detail"]).ShouldEndWith("A published version is immutable: give the change a new version");

        edited.Edit("connector.json", m => m["version"] = "1.1.0");
        edited.Edit("flows/postWebhookMessage.flow.json", f => f["outputs"] = new JsonArray());
        edited.Edit("flows/postWebhookMessage.flow.json", f =>
        {
            foreach (var node in f["nodes"]!.AsArray().Where(n => (string?)n!["type"] == "Return")) node!["inputs"] = new JsonObject { ["outputs"] = new JsonObject() };
        });
        foreach (var fixture in Directory.GetFiles(Path.Combine(edited.Path, "tests")))
            edited.Edit(Path.GetRelativePath(edited.Path, fixture), f => { if (f["outputs"] is JsonObject) f["outputs"] = new JsonObject(); });
        (status, problem) = await SubmitAsync(server, (await Packer.PackAsync(edited.Path, Validator())).ToBytes());
        status.ShouldBe(422, problem?.ToJsonString());
        ((string?)problem!["detail"]).ShouldStartWith("slack-webhook@1.1.0 has 1 breaking change(s) since 1.0.0 and needs a major version bump");
        problem["details"]!.AsArray().Select(e => (string?)e).ShouldBe(["card postWebhookMessage: - output result (string)  [breaking]"]);

        (await server.GetJsonAsync("/api/catalog")).ToJsonString().ShouldBe(before);
        var (rejected, reason) = await server.PostJsonAsync("/api/catalog/slack-webhook/1.0.0/review", new { status = "rejected" });
        rejected.ShouldBe(422);
        ((string?)reason!["detail"]).ShouldBe("a rejection needs a reason");
    }

    [Fact]
    public async Task Upgrading_shows_the_diff_first_and_automations_pinned_to_the_old_version_keep_running_until_moved()
    {
        await using var server = await TestServer.StartAsync(flowsFolder: TestServer.Temp("empty-flows"));
        using var v1 = PinnedConnector("1.0.0");
        using var v2 = PinnedConnector("2.0.0");
        foreach (var copy in new[] { v1, v2 })
        {
            var package = await Packer.PackAsync(copy.Path, Validator());
            (await SubmitAsync(server, package.ToBytes())).Status.ShouldBe(201);
            (await server.PostJsonAsync($"/api/catalog/pinme/{package.Version}/review", new { status = "approved" })).Status.ShouldBe(200);
        }
        (await server.PostJsonAsync("/api/catalog/pinme/1.0.0/install", new { })).Status.ShouldBe(200);
        (await server.PostJsonAsync("/api/connections", new { id = "pin", connector = "pinme", values = new { workspaceId = "T1", webhookId = "B1", webhookToken = "hook" } })).Status.ShouldBe(201);
        (await server.Client.PostAsync("/api/flows?publish=true", new StringContent(AutomationFlow("pinme@1.0.0"), Encoding.UTF8, "application/json"))).IsSuccessStatusCode.ShouldBeTrue();
        (await server.Client.PostAsync("/api/flows?publish=true", new StringContent(AutomationFlow("pinme", "follows-latest"), Encoding.UTF8, "application/json"))).IsSuccessStatusCode.ShouldBeTrue();
        (await server.PostJsonAsync("/api/automations", new { id = "pinned", flowId = "uses-pinme", connectionId = "pin" })).Status.ShouldBe(201);
        (await RunAsync(server, "uses-pinme")).ShouldBe("1.0.0");

        var preview = await server.GetJsonAsync("/api/catalog/pinme/2.0.0/diff");
        ((string?)preview["from"]).ShouldBe("installed 1.0.0");
        ((string?)preview["text"]).ShouldBe("""
            manifest
              ~ version: "1.0.0" → "2.0.0"
            flow version
              ~ node done: input outputs.v: "1.0.0" → "2.0.0"
            2 changes, 0 breaking

            """.Replace("\r\n", "\n"));

        var (upgraded, result) = await server.PostJsonAsync("/api/catalog/pinme/2.0.0/install", new { });
        upgraded.ShouldBe(200, result?.ToJsonString());
        ((string?)result!["previousVersion"]).ShouldBe("1.0.0");
        result["loadedVersions"]!.AsArray().Select(v => (string?)v).ShouldBe(["1.0.0", "2.0.0"]);
        (await RunAsync(server, "uses-pinme")).ShouldBe("1.0.0");
        (await RunAsync(server, "follows-latest")).ShouldBe("2.0.0");

        // Pinned versions survive a restart.
        await server.StopAsync();
        await server.StartAgainAsync();
        (await RunAsync(server, "uses-pinme")).ShouldBe("1.0.0");

        var (moved, move) = await server.PostJsonAsync("/api/automations/pinned/connector-version", new { connector = "pinme", version = "2.0.0" });
        moved.ShouldBe(200, move?.ToJsonString());
        move!["movedNodes"]!.AsArray().Select(n => (string?)n).ShouldBe(["card"]);
        (await RunAsync(server, "uses-pinme")).ShouldBe("2.0.0");

        var (missing, problem) = await server.PostJsonAsync("/api/automations/pinned/connector-version", new { connector = "pinme", version = "3.0.0" });
        missing.ShouldBe(409);
        ((string?)problem!["detail"]).ShouldBe("pinme@3.0.0 is not loaded on this server (loaded: 1.0.0, 2.0.0)");

        var history = await server.GetJsonAsync("/api/flows/uses-pinme/diff?from=1&to=2");
        ((string?)history["text"]).ShouldBe("flow uses-pinme\n  ~ node card: input connector: \"pinme@1.0.0\" → \"pinme@2.0.0\"\n1 change, 0 breaking\n");
    }

    private static async Task<string?> RunAsync(TestServer server, string flowId)
    {
        var (status, body) = await server.PostJsonAsync($"/api/flows/{flowId}/run", new { inputs = new { }, mode = "sync" });
        status.ShouldBe(200, body?.ToJsonString());
        ((string?)body!["status"]).ShouldBe("finished", body.ToJsonString());
        return (string?)body["outputs"]!["v"];
    }

    private static string AutomationFlow(string connector, string id = "uses-pinme") => $$"""
        {
          "format": 1,
          "id": "{{id}}",
          "outputs": [ { "name": "v", "type": "string" } ],
          "nodes": [
            { "id": "card", "type": "Connector.Action", "inputs": { "connector": "{{connector}}", "action": "version", "connection": "pin" } },
            { "id": "done", "type": "Return", "inputs": { "outputs": { "v": { "js": "nodes.card.outputs.v" } } } }
          ],
          "connections": [ { "from": "card:done", "to": "done" } ]
        }
        """;

    /// <summary>A copy of the slack-webhook sample as connector "pinme" with a card that returns its own version.</summary>
    private static EditedCopy PinnedConnector(string version)
    {
        var copy = new EditedCopy("slack-webhook");
        copy.Edit("connector.json", m => { m["key"] = "pinme"; m["name"] = "Pin me"; m["version"] = version; });
        File.WriteAllText(Path.Combine(copy.Path, "flows", "version.flow.json"), $$"""
            {
              "format": 1,
              "id": "version",
              "outputs": [ { "name": "v", "type": "string" } ],
              "nodes": [ { "id": "done", "type": "Return", "inputs": { "outputs": { "v": "{{version}}" } } } ],
              "connections": [],
              "card": { "kind": "action", "label": "Version" }
            }
            """);
        return copy;
    }

    /// <summary>A copy of a sample connector in a temporary folder, edited through its JSON files.</summary>
    private sealed class EditedCopy : IDisposable
    {
        private readonly string _root = TestServer.Temp("connector");

        public EditedCopy(string key)
        {
            Path = System.IO.Path.Combine(_root, key);
            Directory.CreateDirectory(Path);
            TestServer.CopyDirectory(SampleFolder(key), Path);
        }

        public string Path { get; }

        public void Edit(string relative, Action<JsonObject> edit)
        {
            var file = System.IO.Path.Combine(Path, relative);
            var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            edit(json);
            File.WriteAllText(file, CanonicalJson.WriteIndented(json));
        }

        public void Dispose()
        {
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
        }
    }
}
