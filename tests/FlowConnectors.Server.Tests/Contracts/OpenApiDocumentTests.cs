using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace FlowConnectors.Server.Tests.Contracts;

/// <summary>
/// /openapi/v1.json is a valid OpenAPI document that describes what each operation takes and answers, and the copy
/// the designer's client is generated from (designer/src/api/openapi.json) is the server's current document.
/// </summary>
public sealed class OpenApiDocumentTests(OpenApiDocumentTests.Server fixture) : IClassFixture<OpenApiDocumentTests.Server>
{
    /// <summary>Where the designer's generated client (designer/src/api/schema.ts) is generated from.</summary>
    internal static readonly string CommittedCopy = Path.Combine(Repo.Root, "designer", "src", "api", "openapi.json");

    [Fact]
    public async Task The_document_passes_the_OpenAPI_validator()
    {
        var text = (await fixture.DocumentAsync()).ToJsonString();
        var read = OpenApiDocument.Parse(text, "json", new OpenApiReaderSettings());
        read.Diagnostic!.Errors.Select(e => $"{e.Pointer}: {e.Message}").ShouldBeEmpty();
        var parsed = read.Document.ShouldNotBeNull();
        var errors = parsed.Validate(ValidationRuleSet.GetDefaultRuleSet())!.Select(e => $"{e.Pointer}: {e.Message}").ToList();
        errors.ShouldBeEmpty();
        parsed.Paths.ShouldNotBeNull().Count.ShouldBeGreaterThan(50);
    }

    [Fact]
    public async Task Every_operation_describes_its_answers_and_every_body_it_takes()
    {
        var document = await fixture.DocumentAsync();
        var missing = new List<string>();
        foreach (var (path, item) in document["paths"]!.AsObject())
            foreach (var (method, operationNode) in item!.AsObject())
                missing.AddRange(Gaps(method, operationNode!.AsObject()).Select(p => $"{method.ToUpperInvariant()} {path}: {p}"));
        missing.ShouldBeEmpty("a typed endpoint takes a request record and answers TypedResults with response records and .ProducesProblem(...)");
    }

    [Fact]
    public async Task Every_operation_that_stores_or_reads_declares_the_503_of_a_storage_failure_and_those_behind_the_key_their_401_and_403()
    {
        var document = await fixture.DocumentAsync();
        var missing = new List<string>();
        foreach (var (path, item) in document["paths"]!.AsObject())
            foreach (var (method, operation) in item!.AsObject())
            {
                var responses = operation!["responses"]!.AsObject();
                // Inbound deliveries and signing in need the database too; the probes, the session read and signing out answer without it.
                var needs = path.StartsWith("/api/", StringComparison.Ordinal) ? new[] { "401", "403", "503" }
                    : path.StartsWith("/callbacks/", StringComparison.Ordinal) || path.StartsWith("/webhooks/", StringComparison.Ordinal)
                      || path is "/auth/login" or "/auth/setup" ? ["503"]
                    : [];
                missing.AddRange(needs.Where(status => !responses.ContainsKey(status)).Select(status => $"{method.ToUpperInvariant()} {path}: {status}"));
            }
        missing.ShouldBeEmpty("ProblemMetadata.ProducesAccessProblems on the group (or the endpoint) declares them");
    }

    [Fact]
    public async Task The_health_probes_are_described_with_their_answers()
    {
        var paths = (await fixture.DocumentAsync())["paths"]!.AsObject();
        foreach (var probe in new[] { "/health/live", "/health/ready" })
        {
            var ok = paths[probe].ShouldNotBeNull($"{probe} is in the document")["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"];
            ok.ShouldNotBeNull($"{probe} describes its answer");
        }
        paths["/health/ready"]!["get"]!["responses"]!["503"].ShouldNotBeNull("/health/ready describes its 503 problem");
    }

    [Fact]
    public async Task A_member_left_out_when_it_has_no_value_is_not_required()
    {
        var schemas = (await fixture.DocumentAsync())["components"]!["schemas"]!;
        static string[] Required(JsonNode schema) => [.. schema["required"]!.AsArray().Select(n => (string)n!)];
        // The evaluator answers a value without an "error" member (and the generated client must not count on one).
        var (status, answer) = await fixture.Instance.PostJsonAsync("/api/expressions/evaluate", new { expression = new { js = "1 + 1" } });
        status.ShouldBe(200);
        answer!.AsObject().Select(m => m.Key).ShouldBe(["value"]);
        Required(schemas["ExpressionResult"]!).ShouldBe(["value"]);
        // A connection leaves out what it does not have yet (a status reason, a token expiry, when it was last tested).
        Required(schemas["ConnectionResponse"]!).ShouldNotContain("statusReason");
        Required(schemas["ConnectionResponse"]!).ShouldNotContain("tokenExpiresAt");
        Required(schemas["ConnectionResponse"]!).ShouldContain("id");
    }

    [Fact]
    public async Task The_session_answer_is_the_record_the_document_describes()
    {
        var schemas = (await fixture.DocumentAsync())["components"]!["schemas"]!;
        static string[] Members(JsonNode schema) => [.. schema["properties"]!.AsObject().Select(p => p.Key)];
        var session = (await fixture.Instance.GetJsonAsync("/auth/session")).AsObject();
        ((bool)session["signedIn"]!).ShouldBeTrue("the test client signs in with its API key");
        session.Select(m => m.Key).ShouldBe(Members(schemas["SessionResponse"]!), ignoreOrder: true);
        session["user"]!.AsObject().Select(m => m.Key).ShouldBe(Members(schemas["SessionUser"]!), ignoreOrder: true);
        session["permissions"]!.AsArray().ShouldNotBeEmpty();
        var paths = (await fixture.DocumentAsync())["paths"]!.AsObject();
        ((string)paths["/auth/session"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!).ShouldBe("#/components/schemas/SessionResponse");
        ((string)paths["/auth/login"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!).ShouldBe("#/components/schemas/SignInRequest");
    }

    [Fact]
    public async Task The_designer_client_is_generated_from_the_current_document()
    {
        var current = Canonical(await fixture.DocumentAsync());
        if (Environment.GetEnvironmentVariable("FC_UPDATE_OPENAPI") == "1") await File.WriteAllTextAsync(CommittedCopy, current);
        var committed = File.Exists(CommittedCopy) ? await File.ReadAllTextAsync(CommittedCopy) : "";
        committed.ReplaceLineEndings("\n").ShouldBe(current,
            $"the designer's client is stale: run FC_UPDATE_OPENAPI=1 dotnet test tests/FlowConnectors.Server.Tests --filter \"FullyQualifiedName~OpenApiDocumentTests\", then `cd designer && npm run generate:api`, and commit both");
    }

    [Fact]
    public async Task Testing_a_collection_template_answers_the_CollectionTemplateTestResult_record()
    {
        var document = await fixture.DocumentAsync();
        var ok = document["paths"]!["/api/collection/templates/test"]!["post"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!;
        ((string?)ok["$ref"]).ShouldBe("#/components/schemas/CollectionTemplateTestResult");
        var record = document["components"]!["schemas"]!["CollectionTemplateTestResult"].ShouldNotBeNull();
        record["properties"]!.AsObject().Select(p => p.Key).ShouldBe(["status", "contentType", "sample", "problems", "records", "users", "filteredOut", "withoutId", "next", "request"]);
        // The members written on every answer; the others appear once the records are found.
        record["required"]!.AsArray().Select(r => (string?)r).ShouldBe(["status", "contentType", "sample", "problems"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_request_record_refuses_a_missing_required_member_naming_its_path()
    {
        var (status, problem) = await fixture.Instance.PostJsonAsync("/api/automations", new { connectionId = "gh" });
        status.ShouldBe(422, problem?.ToJsonString());
        ((string?)problem!["title"]).ShouldBe("Invalid input");
        ((string?)problem["errors"]![0]!["path"]).ShouldBe("$.flowId");
        ((string?)problem["errors"]![0]!["message"]).ShouldBe("required");
    }

    /// <summary>What the operation leaves undescribed.</summary>
    private static List<string> Gaps(string method, JsonObject operation)
    {
        var gaps = new List<string>();
        var responses = operation["responses"]?.AsObject() ?? [];
        var answers = responses.Where(r => r.Key.StartsWith('2') || r.Key.StartsWith('3')).ToList();
        // An answer without a body (204, a redirect) needs no schema; every other success answer has one.
        if (answers.Count == 0) gaps.Add("no success answer");
        foreach (var (status, response) in answers)
            if (status != "204" && !status.StartsWith('3') && !(response?["content"] is JsonObject content && content.Any(c => c.Value?["schema"] is not null)))
                gaps.Add($"no schema for the {status} answer");
        if (operation["requestBody"] is JsonObject body && !(body["content"] is JsonObject media && media.Any(m => m.Value?["schema"] is not null)))
            gaps.Add("no request body schema");
        if (!responses.Any(r => r.Key.StartsWith('4'))) gaps.Add("no problem answer declared");
        return gaps;
    }

    /// <summary>The document as committed: indented, without the servers (the in-process server's port changes).</summary>
    internal static string Canonical(JsonObject document)
    {
        var copy = document.DeepClone().AsObject();
        copy.Remove("servers");
        return copy.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    /// <summary>One in-process server for the class.</summary>
    public sealed class Server : IAsyncLifetime
    {
        internal TestServer Instance { get; private set; } = null!;

        public async Task InitializeAsync() => Instance = await TestServer.StartAsync();

        public async Task DisposeAsync() => await Instance.DisposeAsync();

        internal async Task<JsonObject> DocumentAsync() => (await Instance.GetJsonAsync("/openapi/v1.json")).AsObject();
    }
}
