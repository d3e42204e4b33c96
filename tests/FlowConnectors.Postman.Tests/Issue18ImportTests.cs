using System.Text.Json.Nodes;
using FlowConnectors.Catalog;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Import.Postman;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Postman.Tests;

/// <summary>Issue 18's Postman import fixes 3–7 (1, 2, 4's base URL and 8 are compared with newman in <see cref="NewmanConformanceTests"/>).</summary>
public sealed class Issue18ImportTests : IDisposable
{
    private readonly TempDir _installed = new();

    public void Dispose() => _installed.Dispose();

    private static readonly FlowEngine Validator = new(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() });

    private static ImportedConnector Helpdesk(IReadOnlyList<string>? environments = null) =>
        PostmanImporter.Import(File.ReadAllText(Repo.Collection("helpdesk-mixed-auth.postman_collection.json")), environments: environments);

    private static JsonNode? CallInputs(ImportedConnector imported, string id) =>
        JsonNode.Parse(FlowJson.Save(imported.Flows[id]))!["nodes"]!.AsArray().First(n => (string?)n!["id"] == "call")!["inputs"]!["inputs"];

    private const string SecretsEverywhere = """
        {
          "info": { "name": "Secrets everywhere", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" },
          "variable": [
            { "key": "url", "value": "https://secrets.example.test" },
            { "key": "apiToken", "value": "tk_5f4e3d2c1b0a99887766" }
          ],
          "item": [
            { "name": "Form", "request": { "method": "POST", "url": "{{url}}/form",
              "body": { "mode": "urlencoded", "urlencoded": [{ "key": "token", "value": "{{apiToken}}" }, { "key": "password", "value": "Sup3r-S3cret-pw" }, { "key": "note", "value": "hello" }] } } },
            { "name": "Multipart", "request": { "method": "POST", "url": "{{url}}/multi",
              "body": { "mode": "formdata", "formdata": [{ "key": "key", "value": "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB", "type": "text" }] } } },
            { "name": "Json", "request": { "method": "POST", "url": "{{url}}/json",
              "body": { "mode": "raw", "raw": "{\"auth\": {\"client_secret\": \"cs-9a8b7c6d5e4f\"}, \"token\": \"{{apiToken}}\", \"name\": \"x\"}", "options": { "raw": { "language": "json" } } } } },
            { "name": "Text", "request": { "method": "POST", "url": "{{url}}/text",
              "body": { "mode": "raw", "raw": "token={{apiToken}}", "options": { "raw": { "language": "text" } } } } },
            { "name": "Query and header", "request": { "method": "GET", "url": "{{url}}/q?access_token=xoxb-123456789012-abcdefABCDEF&page=2",
              "header": [{ "key": "X-Custom-Token", "value": "{{apiToken}}" }] } }
          ]
        }
        """;

    [Fact]
    public void A_literal_token_or_secret_looking_value_is_never_copied_into_any_default_in_any_body_mode()
    {
        var imported = PostmanImporter.Import(SecretsEverywhere);

        var files = imported.Files();
        var text = string.Concat(files.Values);
        foreach (var secret in new[] { "tk_5f4e3d2c1b0a99887766", "Sup3r-S3cret-pw", "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB", "cs-9a8b7c6d5e4f", "xoxb-123456789012-abcdefABCDEF" })
            text.ShouldNotContain(secret);
        SecretScanner.Scan(files.ToDictionary(f => f.Key, f => System.Text.Encoding.UTF8.GetBytes(f.Value))).ShouldBeEmpty();
        // Each became a required secret input with no default; the other values keep theirs.
        foreach (var (flow, input) in new[] { ("form", "apiToken"), ("form", "password"), ("multipart", "key"), ("json", "apiToken"), ("json", "clientSecret"), ("text", "apiToken"), ("queryAndHeader", "accessToken"), ("queryAndHeader", "apiToken") })
        {
            var parameter = imported.Flows[flow].Inputs.Single(i => i.Name == input);
            (parameter.Required, parameter.Default, parameter.Secret).ShouldBe((true, (JsonNode?)null, true), $"{flow}.{input}");
        }
        imported.Flows["form"].Inputs.Single(i => i.Name == "note").Default!.ToString().ShouldBe("hello");
        imported.Flows["json"].Inputs.Single(i => i.Name == "body").Default!.ToJsonString().ShouldBe("""{"auth":{"client_secret":"{{clientSecret}}"},"token":"{{apiToken}}","name":"x"}""");
    }

    [Fact]
    public async Task A_JSON_body_sends_the_secret_inputs_in_place_of_its_placeholders()
    {
        await using var echo = await EchoServer.StartAsync();
        var (runtime, connection) = await InstallAsync(PostmanImporter.Import(SecretsEverywhere), echo);
        await using var _ = runtime;

        var run = await runtime.Actions.RunFlowAsync("secrets-everywhere", "json", connection, new JsonObject { ["apiToken"] = "tok \"quoted\"", ["clientSecret"] = "cs-1" });

        run.Status.ShouldBe(Engine.FlowStatus.Finished, run.Fault?.ToString());
        var sent = echo.Take().ShouldHaveSingleItem().Body!["json"];
        JsonNode.DeepEquals(sent, JsonNode.Parse("""{"auth":{"client_secret":"cs-1"},"token":"tok \"quoted\"","name":"x"}""")).ShouldBeTrue(sent?.ToJsonString());
    }

    [Fact]
    public void Form_fields_holding_a_variable_with_no_value_become_required_inputs()
    {
        var imported = Helpdesk();

        var resolution = imported.Flows["closeTicket"].Inputs.Single(i => i.Name == "resolution");
        (resolution.Required, resolution.Default).ShouldBe((true, (JsonNode?)null));
        CallInputs(imported, "closeTicket")!["body"]!["js"]!.GetValue<string>().ShouldContain("\"resolution\": input.resolution");
        string.Concat(imported.Files().Values).ShouldNotContain("\"default\": \"{{resolution}}\"");
        imported.Warnings.ShouldContain(w => w.Message.Contains("{{resolution}}, which has no value in the collection; it became a required input"));
    }

    [Fact]
    public async Task An_empty_path_input_is_refused_before_anything_is_sent_and_the_card_names_the_path_with_its_placeholder()
    {
        var imported = Helpdesk();
        var card = JsonNode.Parse(FlowJson.Save(imported.Flows["closeTicket"]))!["card"]!;
        card["description"]!.GetValue<string>().ShouldBe("POST /tickets/{ticketId}/status");
        imported.Actions.Single(a => a.Id == "closeTicket").Path.ShouldBe("/tickets/{ticketId}/status");

        await using var echo = await EchoServer.StartAsync();
        var (runtime, connection) = await InstallAsync(imported, echo);
        await using var _ = runtime;
        // (Left out, the input takes the collection's value, T-7.)
        foreach (var empty in new[] { "", "  " })
        {
            var run = await runtime.Actions.RunFlowAsync(imported.Key, "closeTicket", connection, new JsonObject { ["ticketId"] = empty, ["resolution"] = "fixed", ["accessToken"] = "t" });
            run.Status.ShouldBe(Engine.FlowStatus.Faulted);
            run.Fault!.Message.ShouldContain("ticketId must not be empty: it fills the path POST /tickets/{ticketId}/status");
        }
        echo.Take().ShouldBeEmpty();
    }

    [Fact]
    public void Long_and_non_ASCII_names_are_capped_at_the_id_limit_and_transliterated_and_the_folder_writes()
    {
        var longName = string.Concat(Enumerable.Repeat("Very long request name ", 14)); // over 300 characters
        var collection = $$$"""
            {
              "info": { "name": "Größe & Maße", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" },
              "variable": [{ "key": "url", "value": "https://names.example.test" }],
              "item": [
                { "name": "{{{longName}}}", "request": { "method": "GET", "url": "{{url}}/a" } },
                { "name": "Größe ändern", "request": { "method": "POST", "url": "{{url}}/b", "body": { "mode": "urlencoded", "urlencoded": [{ "key": "Größe", "value": "XL" }] } } },
                { "name": "Crème brûlée", "request": { "method": "GET", "url": "{{url}}/c" } }
              ]
            }
            """;
        var imported = PostmanImporter.Import(collection);

        imported.Key.ShouldBe("groesse-masse");
        imported.Actions.Select(a => a.Id).ShouldBe([imported.Actions[0].Id, "groesseAendern", "cremeBrulee"]);
        imported.Actions[0].Id.Length.ShouldBe(64); // the import's cap, within the product's flow id limit of 100
        imported.Actions[0].Id.ShouldStartWith("veryLongRequestName");
        imported.Flows["groesseAendern"].Inputs.ShouldHaveSingleItem().Name.ShouldBe("groesse");
        // Ids fit the product's flow id rule (what the designer saves) and the folder writes and validates.
        foreach (var id in imported.Flows.Keys) id.ShouldMatch("^[A-Za-z_][A-Za-z0-9_-]{0,99}$");
        using var temp = new TempDir();
        var written = ConnectorFolderWriter.Write(imported, Path.Combine(temp.Path, imported.Key), Validator);
        Directory.GetFiles(Path.Combine(written.Folder, "flows")).Length.ShouldBe(imported.Flows.Count);
    }

    [Fact]
    public void Postman_environments_become_connection_presets_without_credentials()
    {
        const string staging = """
            { "name": "Staging", "values": [
              { "key": "baseUrl", "value": "https://staging.helpdesk.example.test/api", "enabled": true },
              { "key": "adminUser", "value": "stage-admin", "enabled": true },
              { "key": "accessToken", "value": "stage-token-abcdef123456", "type": "secret", "enabled": true },
              { "key": "unused", "value": "x", "enabled": true } ] }
            """;
        const string production = """
            { "name": "Production", "values": [
              { "key": "baseUrl", "value": "https://helpdesk.example.test/api", "enabled": true },
              { "key": "adminUser", "value": "ops", "enabled": false } ] }
            """;
        var imported = Helpdesk([staging, production]);

        imported.Presets.Select(p => (p.Name, string.Join(",", p.Values.Select(v => $"{v.Key}={v.Value}")))).ShouldBe(
        [
            ("Staging", "adminUser=stage-admin,baseUrl=https://staging.helpdesk.example.test/api"),
            ("Production", "baseUrl=https://helpdesk.example.test/api"),
        ]);
        string.Concat(imported.Files().Values).ShouldNotContain("stage-token-abcdef123456");
        using var temp = new TempDir();
        var written = ConnectorFolderWriter.Write(imported, Path.Combine(temp.Path, imported.Key), Validator);
        var (package, problems) = ConnectorPackage.Load(written.Folder, Validator);
        package.ShouldNotBeNull(string.Join("\n", problems));
        package.Manifest.ConnectionPresets.Select(p => p.Name).ShouldBe(["Staging", "Production"]);
        package.Manifest.BaseUrlParameter.ShouldBe("baseUrl");
    }

    [Fact]
    public void A_preset_cannot_hold_a_password_and_an_additional_auth_must_be_basic_or_api_key()
    {
        var (_, problems) = ManifestReader.Read("""
            { "key": "pp", "name": "P", "version": "1.0.0", "baseUrl": "https://p.example.test", "auth": { "kind": "none" },
              "connectionParameters": [{ "name": "pw", "type": "password" }, { "name": "u", "type": "text" }],
              "additionalAuth": { "none": { "kind": "basic" }, "admin": { "kind": "oauth2ClientCredentials" } },
              "connectionPresets": [{ "name": "S", "values": { "pw": "x", "nope": "y" } }] }
            """);

        problems.Select(p => (p.Path, p.Code)).ShouldBe(
        [
            ("$.additionalAuth.none", "MANIFEST_AUTH_NAME"),
            ("$.additionalAuth.admin.kind", "MANIFEST_AUTH_KIND"),
            ("$.connectionPresets[0].values.pw", "MANIFEST_SECRET_DEFAULT"),
            ("$.connectionPresets[0].values.nope", "MANIFEST_UNKNOWN_PARAMETER"),
        ], ignoreOrder: true);
    }

    [Fact]
    public void A_reimport_keeps_the_name_and_description_edited_since_and_lists_each_with_what_the_source_says()
    {
        var folder = Path.Combine(_installed.Path, "helpdesk");
        ConnectorFolderWriter.Write(Helpdesk(), folder, Validator);
        var manifestFile = Path.Combine(folder, "connector.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestFile))!.AsObject();
        manifest["name"] = "Our Helpdesk";
        manifest["description"] = "Edited by hand.";
        File.WriteAllText(manifestFile, manifest.ToJsonString());

        var again = ConnectorFolderWriter.Write(Helpdesk(), folder, Validator);

        again.Changes.Kept.Select(k => k.Split(' ')[0]).ShouldBe(["name", "description"]);
        again.Changes.Lines().ShouldContain("= kept      name \"Our Helpdesk\" (the source says \"Helpdesk Mixed\"; edit connector.json to take it)");
        var written = JsonNode.Parse(File.ReadAllText(manifestFile))!;
        ((string?)written["name"], (string?)written["description"]).ShouldBe(("Our Helpdesk", "Edited by hand."));
        again.Changes.Version.ShouldBe("1.0.0"); // nothing else changed
    }

    [Fact]
    public void Deploy_checks_name_an_undeclared_dependsOn_duplicate_flow_names_prohibited_characters_and_a_connector_without_action_cards()
    {
        var folder = Path.Combine(_installed.Path, "checks");
        ConnectorFolderWriter.Write(Helpdesk(), folder, Validator);
        JsonObject Read(string id) => JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "flows", id + ".flow.json")))!.AsObject();
        void Save(JsonObject flow) => File.WriteAllText(Path.Combine(folder, "flows", (string)flow["id"]! + ".flow.json"), flow.ToJsonString());
        // A dropdown on closeTicket.status whose helper flow does not declare 'ticketId', which dependsOn passes.
        Save(JsonNode.Parse("""
            { "format": 1, "id": "listStatuses", "name": "List statuses", "outputs": [{ "name": "items", "type": "array" }],
              "nodes": [{ "id": "done", "type": "Return", "inputs": { "outputs": { "items": [{ "key": "closed", "value": "Closed" }] } } }], "connections": [],
              "card": { "kind": "helper" } }
            """)!.AsObject());
        var close = Read("closeTicket");
        close["card"]!["fields"] = new JsonObject { ["status"] = new JsonObject { ["dropdown"] = new JsonObject { ["flow"] = "listStatuses", ["dependsOn"] = new JsonArray("ticketId") } } };
        close["name"] = "Health";
        Save(close);
        var create = Read("createTicket");
        create["card"]!["label"] = "Create <ticket>";
        Save(create);

        var (_, problems) = ConnectorPackage.Load(folder, Validator);

        problems.Where(p => p.IsError).Select(p => (p.File, p.Path, p.Code)).ShouldBe(
        [
            ("flows/closeTicket.flow.json", "$.card.fields.status.dropdown.dependsOn", "CARD_DEPENDS_ON_UNDECLARED"),
            (problems.Single(p => p.Code == "FLOW_DUPLICATE_DISPLAY_NAME").File, "$.name", "FLOW_DUPLICATE_DISPLAY_NAME"),
            ("flows/createTicket.flow.json", "$.card.label", "FLOW_NAME_CHARACTERS"),
        ], ignoreOrder: true);

        // No action card left (every card flow removed, the custom API action too).
        foreach (var file in Directory.GetFiles(Path.Combine(folder, "flows")))
            if (JsonNode.Parse(File.ReadAllText(file))!["card"]?["kind"]?.GetValue<string>() == "action") File.Delete(file);
        ConnectorPackage.Load(folder, Validator).Problems.ShouldContain(p => p.Code == "CONNECTOR_NO_ACTION_CARD");
    }

    private async Task<(ConnectorRuntime Runtime, string Connection)> InstallAsync(ImportedConnector imported, EchoServer echo)
    {
        var written = ConnectorFolderWriter.Write(imported, Path.Combine(_installed.Path, imported.Key), Validator);
        var (package, problems) = ConnectorPackage.Load(written.Folder, Validator);
        package.ShouldNotBeNull(string.Join("\n", problems));
        var runtime = new ConnectorRuntime([package], new ConnectorRuntimeOptions
        {
            Connections = new InMemoryConnectionStore(),
            RewriteUrl = uri => new UriBuilder(uri) { Scheme = "http", Host = echo.Address.Host, Port = echo.Address.Port }.Uri,
            // These tests count what the actions send: creating the connection sends no test of its own.
            TestOnCreate = false,
        });
        var values = package.Manifest.ConnectionParameters.ToDictionary(p => p.Name, p => p.Default ?? "test-" + p.Name);
        var connection = await runtime.Connections.CreateConnectionAsync(package.Manifest.Key, "issue18", values, "tests");
        return (runtime, connection.Id);
    }
}
