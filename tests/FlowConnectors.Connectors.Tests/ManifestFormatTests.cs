using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Connectors.Tests;

/// <summary>
/// connector.json goes through the one format validator (schemas/connector.schema.json) and keeps the codes and
/// messages its problems always had; values of any shape are reported, never thrown.
/// </summary>
public sealed class ManifestFormatTests
{
    private static JsonObject Minimal() => JsonNode.Parse(TestFlows.Manifest("""{ "kind": "apiKey", "parameter": "token" }""", TestFlows.TokenParameter))!.AsObject();

    [Fact]
    public void A_minimal_manifest_reads_without_problems()
    {
        var (manifest, problems) = ManifestReader.Read(Minimal().ToJsonString());

        problems.ShouldBeEmpty();
        manifest.ShouldNotBeNull().Auth.Kind.ShouldBe(AuthKind.ApiKey);
        manifest.ConnectionParameters.ShouldHaveSingleItem().Type.ShouldBe(ConnectionParameterType.Password);
    }

    [Fact]
    public void The_unknown_field_message_lists_the_fields_of_the_schema_in_their_order()
    {
        var json = Minimal();
        json["homepage"] = "https://example.com";

        var problem = ManifestReader.Read(json.ToJsonString()).Problems.ShouldHaveSingleItem();

        problem.ToString().ShouldBe("connector.json: $.homepage: MANIFEST_UNKNOWN_FIELD: unknown field 'homepage'; a manifest has key, name, version, "
            + "description, icon, accentColor, documentationUrl, supportEmail, baseUrl, baseUrlParameter, auth, additionalAuth, connectionParameters, "
            + "connectionPresets, http, rateLimits, tokenExpiry");
    }

    [Fact]
    public void A_field_that_does_not_apply_to_the_auth_kind_names_the_fields_that_do()
    {
        var json = Minimal();
        json["auth"]!["scope"] = "read";

        var problem = ManifestReader.Read(json.ToJsonString()).Problems.ShouldHaveSingleItem();

        (problem.Path, problem.Code).ShouldBe(("$.auth.scope", "MANIFEST_AUTH_FIELD"));
        problem.Message.ShouldBe("'scope' does not apply to auth kind 'apiKey'; it takes kind, parameter, in, name, tokenType");
    }

    [Fact]
    public void A_wrong_auth_kind_and_missing_fields_keep_their_codes()
    {
        var json = Minimal();
        json.Remove("name");
        json.Remove("version");
        json["auth"] = new JsonObject { ["kind"] = "saml" };

        var (manifest, problems) = ManifestReader.Read(json.ToJsonString());

        manifest.ShouldBeNull();
        problems.Select(p => (p.Path, p.Code, p.Message)).ShouldBe(
        [
            ("$", "MANIFEST_MISSING_FIELD", "missing field 'name'"),
            ("$", "MANIFEST_MISSING_FIELD", "missing field 'version'"),
            ("$.auth.kind", "MANIFEST_AUTH_KIND", "auth kind 'saml' must be none, basic, apiKey, oauth2ClientCredentials, oauth2AuthorizationCode or custom"),
        ], ignoreOrder: true);
    }

    // Each of these threw an InvalidOperationException in the hand-written reader (a number read as a string).
    [Theory]
    [InlineData("connectionParameters", """[ { "name": "token", "type": "password", "label": 5 } ]""", "$.connectionParameters[0].label", "MANIFEST_WRONG_TYPE")]
    [InlineData("connectionParameters", """[ { "name": 5, "type": "password" } ]""", "$.connectionParameters[0].name", "MANIFEST_PARAMETER_NAME")]
    [InlineData("connectionParameters", """[ { "name": "token", "type": "password", "options": "x" } ]""", "$.connectionParameters[0].options", "MANIFEST_PARAMETER_OPTIONS")]
    [InlineData("connectionParameters", """[ 5 ]""", "$.connectionParameters[0]", "MANIFEST_WRONG_TYPE")]
    [InlineData("auth", """{ "kind": 5 }""", "$.auth.kind", "MANIFEST_AUTH_KIND")]
    [InlineData("auth", """{ "kind": "apiKey", "parameter": 5 }""", "$.auth.parameter", "MANIFEST_WRONG_TYPE")]
    [InlineData("auth", "5", "$", "MANIFEST_MISSING_FIELD")]
    [InlineData("connectionPresets", """[ 5 ]""", "$.connectionPresets[0]", "MANIFEST_PRESET")]
    [InlineData("additionalAuth", "[]", "$.additionalAuth", "MANIFEST_WRONG_TYPE")]
    [InlineData("http", """{ "maxRetries": "three" }""", "$.http.maxRetries", "MANIFEST_WRONG_TYPE")]
    public void Wrong_shapes_are_reported_as_problems_never_thrown(string field, string value, string path, string code)
    {
        var json = Minimal();
        json[field] = JsonNode.Parse(value);

        var problems = ManifestReader.Read(json.ToJsonString()).Problems;

        problems.ShouldContain(p => p.Path == path && p.Code == code, string.Join("\n", problems));
    }

    [Fact]
    public void A_number_outside_decimal_range_in_a_manifest_is_a_problem_not_an_exception()
    {
        var json = Minimal().ToJsonString().Replace("\"maxRetries\":0", "\"maxRetries\":1e400", StringComparison.Ordinal);
        json.ShouldContain("1e400");

        var (manifest, problems) = ManifestReader.Read(json);

        manifest.ShouldBeNull();
        var problem = problems.ShouldHaveSingleItem();
        (problem.Path, problem.Code, problem.Message).ShouldBe(("$.http.maxRetries", "MANIFEST_WRONG_TYPE", "the number 1e400 is out of range"));
    }

    [Fact]
    public void A_number_outside_decimal_range_in_a_card_is_a_problem_not_an_exception()
    {
        using var folder = TestFlows.Connector("""{ "kind": "none" }""");
        folder.Flow(TestFlows.CustomApiAction.Replace("""[ "requestType" ]""", """[ "requestType" ], "group": 1e400""", StringComparison.Ordinal));

        var (package, problems) = folder.TryLoad();

        package.ShouldBeNull();
        problems.ShouldContain(p => p.Path == "$.card.group" && p.Message.Contains("the number 1e400 is out of range"), string.Join("\n", problems));
    }

    [Theory]
    [InlineData("\"group\": 5", "$.card.group")]
    [InlineData("\"description\": []", "$.card.description")]
    [InlineData("\"signature\": { \"secretParameter\": 5 }", "$.card.signature.secretParameter")]
    public void A_card_field_of_the_wrong_type_is_a_problem_not_an_exception(string field, string path)
    {
        using var folder = TestFlows.Connector("""{ "kind": "none" }""");
        folder.Flow(TestFlows.CustomApiAction.Replace("""[ "requestType" ]""", $$"""[ "requestType" ], {{field}}""", StringComparison.Ordinal));

        var (package, problems) = folder.TryLoad();

        package.ShouldBeNull();
        problems.ShouldContain(p => p.Path == path && p.Code == "CARD_WRONG_TYPE", string.Join("\n", problems));
    }

    [Fact]
    public void Every_sample_card_passes_the_card_schema()
    {
        var cards = 0;
        foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, "flows"), "*.flow.json", SearchOption.AllDirectories))
        {
            using var flow = JsonDocument.Parse(File.ReadAllText(file));
            if (!flow.RootElement.TryGetProperty("card", out var card)) continue;
            cards++;
            FormatSchema.Card.Evaluate(card).ShouldBeEmpty(file);
        }
        cards.ShouldBeGreaterThan(10);
    }
}
