using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Import.Postman;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Testing;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Postman.Tests;

public sealed class ImporterTests
{
    private static readonly FlowEngine Validator = new(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() });

    private static ImportedConnector Import(string file, string? name = null) => PostmanImporter.Import(File.ReadAllText(Repo.Collection(file)), name);

    private static JsonObject Flow(ImportedConnector imported, string id) => (JsonObject)JsonNode.Parse(FlowJson.Save(imported.Flows[id]))!;

    private static JsonNode? CallInputs(ImportedConnector imported, string id) =>
        Flow(imported, id)["nodes"]!.AsArray().First(n => (string?)n!["id"] == "call")!["inputs"]!["inputs"];

    [Fact]
    public void Each_request_becomes_an_action_calling_httpHelper_and_folders_become_card_groups()
    {
        var imported = Import("users-bearer.postman_collection.json");

        imported.Key.ShouldBe("acme-users");
        imported.Actions.Select(a => (a.Id, a.Group, a.Method, a.Path)).ShouldBe(
        [
            ("listUsers", "Users", "GET", "/users"),
            ("getUser", "Users", "GET", "/users/{userId}"),
            ("createUser", "Users", "POST", "/users"),
            ("deleteUser", "Users", "DELETE", "/users/{userId}"),
            ("getGroupMembers", "Groups", "GET", "/groups/{groupId}/members"),
        ]);
        var flow = Flow(imported, "getUser");
        flow["card"]!["kind"]!.GetValue<string>().ShouldBe("action");
        flow["card"]!["group"]!.GetValue<string>().ShouldBe("Users");
        flow["card"]!["label"]!.GetValue<string>().ShouldBe("Get user");
        var call = flow["nodes"]!.AsArray().First(n => (string?)n!["id"] == "call")!;
        call["type"]!.GetValue<string>().ShouldBe("CallFlow");
        call["inputs"]!["flowId"]!.GetValue<string>().ShouldBe("httpHelper");
        imported.Flows.Keys.ShouldContain("httpHelper");
        imported.Flows.Keys.ShouldContain("customApiAction");
        imported.Flows.Keys.ShouldContain("_authping");
    }

    [Fact]
    public void Variables_become_the_base_URL_connection_credentials_or_action_inputs_with_their_collection_values()
    {
        var imported = Import("users-bearer.postman_collection.json");

        imported.BaseUrl.ShouldBe("https://api.acme.test/v2");
        // Issue 18 (4): {{baseUrl}} is a connection parameter with the collection's value as its default.
        imported.ConnectionParameters.ShouldBe([
            new ImportedParameter("baseUrl", "text", "https://api.acme.test/v2", "item[0].item[0].request.url", "baseUrl", Required: false),
            new ImportedParameter("accessToken", "password", null, "auth.bearer.token", "accessToken")]);
        imported.Manifest["baseUrlParameter"]!.GetValue<string>().ShouldBe("baseUrl");
        var list = imported.Flows["listUsers"];
        list.Inputs.Select(i => (i.Name, i.Default?.ToString())).ShouldBe([("pageSize", "25"), ("department", "Engineering")]);
        // A folder variable is an input too, with the folder's value.
        imported.Flows["getGroupMembers"].Inputs.ShouldHaveSingleItem().Default!.ToString().ShouldBe("g-42");
        // :pathVar → a required input whose default is the collection's value.
        var userId = imported.Flows["getUser"].Inputs.ShouldHaveSingleItem();
        (userId.Name, userId.Default?.ToString(), userId.Type).ShouldBe(("userId", "u1", "string"));
        CallInputs(imported, "getUser")!["relative_url"]!["js"]!.GetValue<string>().ShouldBe("\"/users/\" + encodeURIComponent(input.userId)");
    }

    [Fact]
    public void Disabled_query_parameters_and_headers_are_dropped_and_auth_headers_removed_with_a_warning()
    {
        var imported = Import("users-bearer.postman_collection.json");

        var list = CallInputs(imported, "listUsers")!;
        list["query"]!["js"]!.GetValue<string>().ShouldBe("({ \"limit\": input.pageSize, \"department\": input.department, \"active\": \"true\" })");
        list["headers"]!["js"]!.GetValue<string>().ShouldBe("({ \"Accept\": \"application/json\" })");
        CallInputs(imported, "getUser")!["headers"].ShouldBeNull();
        imported.Warnings.ShouldContain(new ImportMessage("item[0].item[1].request.header[0]", "header 'Authorization' removed: the connector's auth applies"));
    }

    [Fact]
    public void Pre_request_and_test_scripts_are_reported_as_not_imported_with_their_place()
    {
        var imported = Import("users-bearer.postman_collection.json");

        imported.Warnings.Select(w => w.Path).ShouldContain("event[0]");
        imported.Warnings.Single(w => w.Path == "event[0]").Message.ShouldStartWith("pre-request script not imported");
        imported.Warnings.Single(w => w.Path == "item[0].item[2].event[0]").Message.ShouldStartWith("test script not imported");
    }

    [Fact]
    public void A_raw_JSON_body_becomes_an_input_with_the_example_as_default_and_sends_application_json()
    {
        var imported = Import("users-bearer.postman_collection.json");

        var body = imported.Flows["createUser"].Inputs.First(i => i.Name == "body");
        body.Type.ShouldBe("object");
        JsonNode.DeepEquals(body.Default, JsonNode.Parse("""{"name":"Ada","department":"Engineering","tags":["a","b"],"manager":{"id":7}}""")).ShouldBeTrue();
        CallInputs(imported, "createUser")!["headers"]!["js"]!.GetValue<string>()
            .ShouldBe("({ \"X-Request-Source\": \"postman-\" + input.department, \"Content-Type\": \"application/json\" })");
    }

    [Fact]
    public void Collection_v2_0_is_read_with_its_auth_objects_urlencoded_formdata_and_raw_text_bodies()
    {
        var imported = Import("forms-basic-v2.0.postman_collection.json");

        imported.AuthKind.ShouldBe("basic");
        imported.ConnectionParameters.Select(p => (p.Name, p.Type, p.Default)).ShouldBe([("baseUrl", "text", "https://desk.example.test/api"), ("user", "text", "agent"), ("password", "password", null)]);
        imported.Flows["createTicketForm"].Inputs.Select(i => i.Name).ShouldBe(["subject", "priority", "body", "priority2"]);
        CallInputs(imported, "createTicketForm")!["body"]!["js"]!.GetValue<string>()
            .ShouldBe("({ \"subject\": input.subject, \"priority\": input.priority, \"body\": input.body })");
        CallInputs(imported, "attachNoteMultipart")!["headers"]!["js"]!.GetValue<string>().ShouldBe("({ \"Content-Type\": \"multipart/form-data\" })");
        imported.Flows["setTicketStatusText"].Inputs.Single(i => i.Name == "body").Default!.ToString().ShouldBe("resolved");
        imported.Warnings.ShouldContain(new ImportMessage("item[0].item[1].request.body.formdata[2]", "file field 'screenshot' not imported: only text fields of form-data bodies are"));
        imported.Warnings.ShouldContain(new ImportMessage("item[0].item[4].request.body.mode", "body mode 'file' is not supported (raw, urlencoded and formdata are); the request is imported without a body"));
    }

    [Fact]
    public void Folder_auth_is_inherited_and_an_API_key_in_the_query_is_applied_by_the_connector_not_the_action()
    {
        var imported = Import("keys-apikey.postman_collection.json");

        var manifest = imported.Manifest;
        manifest["auth"]!.ToJsonString().ShouldBe("""{"kind":"apiKey","parameter":"apiKey","in":"query","name":"api_key","tokenType":""}""");
        imported.Actions.Single(a => a.Id == "downloadReport").Group.ShouldBe("Reports / Nightly");
        // Repeated query keys become a list; an empty value stays.
        CallInputs(imported, "searchStock")!["query"]!["js"]!.GetValue<string>().ShouldBe("({ \"tag\": [\"red\", \"blue\"], \"warehouse\": input.warehouse, \"empty\": \"\" })");
    }

    [Fact]
    public void OAuth2_client_credentials_becomes_the_connectors_token_flow_without_copying_secrets()
    {
        var imported = Import("oauth2-client-credentials.postman_collection.json");

        imported.Manifest["auth"]!.ToJsonString().ShouldBe(
            """{"kind":"oauth2ClientCredentials","tokenUrl":"https://login.billing.test/oauth/token","clientIdParameter":"clientId","clientSecretParameter":"clientSecret","clientAuthentication":"client_secret_basic","scope":"invoices.read invoices.write"}""");
        imported.ConnectionParameters.Select(p => (p.Name, p.Type)).ShouldBe([("baseUrl", "text"), ("clientId", "text"), ("clientSecret", "password")]);
    }

    private const string Mixed = """
        {
          "info": { "name": "Mixed auth", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" },
          "auth": { "type": "basic", "basic": [{ "key": "username", "value": "admin" }, { "key": "password", "value": "literal-pass-123" }] },
          "variable": [{ "key": "url", "value": "https://mixed.example.test" }],
          "item": [
            { "name": "Inherits", "request": { "method": "GET", "url": "{{url}}/a" } },
            { "name": "Folder", "auth": { "type": "bearer", "bearer": [{ "key": "token", "value": "{{t}}" }] }, "item": [
              { "name": "Folder bearer", "request": { "method": "GET", "url": "{{url}}/b" } },
              { "name": "Own digest", "request": { "method": "GET", "url": "{{url}}/c", "auth": { "type": "digest", "digest": [] } } }
            ] },
            { "name": "No auth", "request": { "method": "GET", "url": "{{url}}/d", "auth": { "type": "noauth" } } },
            { "name": "Elsewhere", "request": { "method": "GET", "url": "https://other.example.test/e" } },
            { "name": "GraphQL", "request": { "method": "POST", "url": "{{url}}/graphql", "body": { "mode": "graphql", "graphql": { "query": "{ me { id } }" } } } }
          ]
        }
        """;

    [Fact]
    public void Collection_auth_is_the_connectors_own_and_each_action_keeps_the_auth_its_request_inherits()
    {
        var imported = PostmanImporter.Import(Mixed);

        imported.AuthKind.ShouldBe("basic");
        // Issue 18 (2): the folder's bearer token is a connection parameter of its own, not flattened into the basic auth.
        imported.ConnectionParameters.Select(p => (p.Name, p.Type, p.Default)).ShouldBe(
            [("url", "text", "https://mixed.example.test"), ("username", "text", "admin"), ("password", "password", null), ("t", "password", null)]);
        imported.Manifest["additionalAuth"]!.ToJsonString().ShouldBe("""{"folderBearer":{"kind":"apiKey","parameter":"t","in":"header","name":"Authorization","tokenType":"Bearer"}}""");
        imported.Warnings.ShouldContain(new ImportMessage("auth.basic", "the collection holds a literal password; it is not copied into the connector — enter it in the connection"));
        imported.Warnings.ShouldContain(new ImportMessage("item[1].item[1].request.auth", "auth type 'digest' is not supported (basic, bearer, apikey and oauth2 are); the actions under it send the connector's auth (basic)"));
        imported.Warnings.ShouldContain(new ImportMessage("item[3].request.url", "'Elsewhere' calls https://other.example.test, not the connector's base URL {{url}}; it is not imported"));
        imported.Warnings.ShouldContain(new ImportMessage("item[4].request.body.mode", "body mode 'graphql' is not supported (raw, urlencoded and formdata are); the request is imported without a body"));
        imported.Actions.Select(a => (a.Id, a.Auth)).ShouldBe([("inherits", null), ("folderBearer", "folderBearer"), ("ownDigest", null), ("noAuth", "none"), ("graphQL", null)]);
        CallInputs(imported, "noAuth")!["auth"]!.GetValue<string>().ShouldBe("none");
        CallInputs(imported, "folderBearer")!["auth"]!.GetValue<string>().ShouldBe("folderBearer");
        CallInputs(imported, "inherits")!["auth"].ShouldBeNull();
        Flow(imported, "noAuth")["card"]!["description"]!.GetValue<string>().ShouldEndWith("Sends no credentials (No Auth in the collection).");
        // The custom API action offers every auth, and none (so an Authorization header set there is sent as it is).
        imported.Flows["customApiAction"].Inputs.Single(i => i.Name == "auth").Options!.Select(o => (string?)o!["value"]).ShouldBe(["connection", "folderBearer", "none"]);
        string.Concat(imported.Files().Values).ShouldNotContain("literal-pass-123");
    }

    [Fact]
    public void Secret_variables_and_credential_headers_never_reach_the_connector_files()
    {
        var imported = PostmanImporter.Import("""
            {
              "info": { "name": "Secrets", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" },
              "variable": [{ "key": "url", "value": "https://secrets.example.test" }, { "key": "signing", "value": "sig-value-42", "type": "secret" }],
              "item": [{ "name": "Signed", "request": { "method": "GET", "url": "{{url}}/s",
                "header": [{ "key": "X-Signature", "value": "{{signing}}" }, { "key": "Cookie", "value": "session=cookie-value-77" }] } }]
            }
            """);

        var signing = imported.Flows["signed"].Inputs.ShouldHaveSingleItem();
        (signing.Name, signing.Secret, signing.Default).ShouldBe(("signing", true, (JsonNode?)null));
        imported.Warnings.ShouldContain(new ImportMessage("item[0].request.header[1]", "header 'Cookie' removed: it carries a credential, and credentials live only in the connection (set the connector's auth in connector.json)"));
        var files = string.Concat(imported.Files().Values);
        files.ShouldNotContain("sig-value-42");
        files.ShouldNotContain("cookie-value-77");
    }

    [Fact]
    public void An_unsupported_collection_auth_type_is_a_warning_and_the_connector_uses_no_auth()
    {
        var imported = PostmanImporter.Import(Mixed.Replace("\"type\": \"basic\", \"basic\"", "\"type\": \"hawk\", \"hawk\""));

        imported.AuthKind.ShouldBe("none");
        imported.Warnings.ShouldContain(new ImportMessage("auth.type", "auth type 'hawk' is not supported (basic, bearer, apikey and oauth2 are); the connector uses no authentication — set auth in connector.json"));
        imported.Flows.Keys.ShouldNotContain("_authping");
    }

    [Theory]
    [InlineData("{ \"info\": ", "$: not valid JSON (line 1, column 11)")]
    [InlineData("[1, 2]", "$: not a Postman collection: the file must hold a JSON object with 'info' and 'item'")]
    [InlineData("{ \"openapi\": \"3.0.0\" }", "$.info: not a Postman collection: missing 'info' (name and schema)")]
    [InlineData("{ \"id\": \"1\", \"name\": \"Old\", \"order\": [], \"requests\": [] }", "$: this is a Postman Collection v1, which is not supported: export it again from Postman as Collection v2.1")]
    [InlineData("{ \"info\": { \"name\": \"Demo\", \"schema\": \"https://schema.getpostman.com/json/collection/v1.0.0/collection.json\" }, \"item\": [] }", "$.info.schema: Postman Collection v1 is not supported: export it again from Postman as Collection v2.1")]
    [InlineData("{ \"info\": { \"name\": \"Demo\", \"schema\": \"https://schema.getpostman.com/json/collection/v2.1.0/collection.json\" }, \"item\": [] }", "$.item: the collection holds no requests")]
    [InlineData("{ \"info\": { \"name\": \"Demo\", \"schema\": \"https://schema.getpostman.com/json/collection/v2.1.0/collection.json\" }, \"item\": [{ \"name\": \"A\", \"item\": [{ \"name\": \"B\" }] }] }", "item[0].item[0]: an item must have 'request' (a request) or 'item' (a folder)")]
    [InlineData("{ \"info\": { \"name\": \"Demo\", \"schema\": \"https://schema.getpostman.com/json/collection/v2.1.0/collection.json\" }, \"item\": [{ \"name\": \"A\", \"request\": { \"url\": \"{{nowhere}}/x\" } }] }", "item[0].request.url: the base URL variable {{nowhere}} has no absolute http(s) URL as its value in the collection's variables; give it one (e.g. https://api.example.com)")]
    public void Bad_input_is_refused_with_what_and_where(string text, string message)
    {
        Should.Throw<PostmanImportException>(() => PostmanImporter.Import(text)).Message.ShouldBe(message);
    }

    [Fact]
    public async Task The_written_folder_validates_and_its_example_fixtures_pass_offline()
    {
        using var temp = new TempDir();
        foreach (var file in new[] { "users-bearer.postman_collection.json", "forms-basic-v2.0.postman_collection.json", "oauth2-client-credentials.postman_collection.json" })
        {
            var imported = Import(file);
            var written = ConnectorFolderWriter.Write(imported, Path.Combine(temp.Path, imported.Key), Validator);
            var (package, problems) = ConnectorPackage.Load(written.Folder, Validator);
            package.ShouldNotBeNull(string.Join("\n", problems));
            problems.ShouldBeEmpty();
            package.FixtureFiles.ShouldNotBeEmpty();
            foreach (var report in await FixtureRunner.RunAllAsync(package))
                report.Differences.ShouldBeEmpty($"{file} {report.File}");
        }
    }

    [Fact]
    public void Saved_examples_become_the_cards_outputs()
    {
        var imported = Import("users-bearer.postman_collection.json");

        imported.Flows["getUser"].Outputs.Select(o => (o.Name, o.Type)).ShouldBe(
            [("statusCode", "integer"), ("headers", "object"), ("body", "any"), ("id", "string"), ("name", "string"), ("admin", "boolean"), ("logins", "integer")]);
        imported.Fixtures.Keys.ShouldBe(["createUser", "getUser-1", "getUser-2", "listUsers"]);
        var notFound = imported.Fixtures["getUser-2"];
        notFound["exchanges"]![0]!["response"]!["status"]!.GetValue<int>().ShouldBe(404);
        notFound["outputs"]!["statusCode"]!.GetValue<int>().ShouldBe(404);
        notFound["connection"]!["accessToken"]!.GetValue<string>().ShouldBe("test-accessToken-not-real");
    }

    [Fact]
    public void Reimporting_an_edited_collection_updates_the_folder_and_reports_what_changed()
    {
        using var temp = new TempDir();
        var folder = Path.Combine(temp.Path, "acme");
        var original = File.ReadAllText(Repo.Collection("users-bearer.postman_collection.json"));
        var first = ConnectorFolderWriter.Write(PostmanImporter.Import(original), folder, Validator);
        first.Changes.IsNew.ShouldBeTrue();

        var collection = JsonNode.Parse(original)!.AsObject();
        var users = collection["item"]![0]!["item"]!.AsArray();
        users.RemoveAt(3); // Delete user
        users[0]!["request"]!["url"]!["query"]!.AsArray().Add(new JsonObject { ["key"] = "sort", ["value"] = "{{sortBy}}" });
        users[1]!["request"]!["method"] = "HEAD";
        users.Add(new JsonObject { ["name"] = "Disable user", ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "{{baseUrl}}/users/:id/disable" } });
        collection["variable"]!.AsArray().Add(new JsonObject { ["key"] = "sortBy", ["value"] = "name" });

        var second = ConnectorFolderWriter.Write(PostmanImporter.Import(collection.ToJsonString()), folder, Validator);

        second.Changes.Added.ShouldBe(["disableUser (Disable user)"]);
        second.Changes.Removed.ShouldBe(["deleteUser (Delete user)"]);
        second.Changes.Changed.Select(c => (c.Id, string.Join("; ", c.What))).ShouldBe(
        [
            ("getUser", "method GET → HEAD"),
            ("listUsers", "query changed; inputs added: sortBy"),
        ]);
        // Issue 18: removing a card is breaking in the catalog's rules, so the re-import is a major version.
        (second.Changes.PreviousVersion, second.Changes.Version).ShouldBe(("1.0.0", "2.0.0"));
        second.Changes.Diff!.BreakingChanges.ShouldContain(b => b.Section == "card deleteUser");
        File.Exists(Path.Combine(folder, "flows", "deleteUser.flow.json")).ShouldBeFalse();
        File.Exists(Path.Combine(folder, "flows", "disableUser.flow.json")).ShouldBeTrue();
        JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "connector.json")))!["version"]!.GetValue<string>().ShouldBe("2.0.0");

        var third = ConnectorFolderWriter.Write(PostmanImporter.Import(collection.ToJsonString()), folder, Validator);
        third.Changes.Any.ShouldBeFalse();
        third.Changes.Lines().ShouldBe(["no changes (version 2.0.0)"]);
    }

    [Fact]
    public void Nothing_is_half_written_a_folder_that_is_not_a_connector_is_never_replaced()
    {
        using var temp = new TempDir();
        var folder = Path.Combine(temp.Path, "notes");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "keep.txt"), "mine");

        var error = Should.Throw<PostmanImportException>(() => ConnectorFolderWriter.Write(Import("users-bearer.postman_collection.json"), folder, Validator));

        error.Message.ShouldBe($"--out: '{folder}' exists and is not a connector folder (no connector.json); choose an empty or new folder");
        Directory.GetFileSystemEntries(folder).ShouldBe([Path.Combine(folder, "keep.txt")]);
        Directory.GetFileSystemEntries(temp.Path).ShouldBe([folder]);
    }
}
