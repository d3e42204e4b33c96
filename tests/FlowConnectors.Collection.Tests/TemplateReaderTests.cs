using System.Text.Json.Nodes;
using FlowConnectors.Collection;

namespace FlowConnectors.Collection.Tests;

public sealed class TemplateReaderTests
{
    public static TheoryData<string> ShippedTemplates() =>
        new(Directory.GetFiles(Path.Combine(Repo.Root, "flows", "templates"), "*" + TemplateReader.Extension).Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(ShippedTemplates))]
    public void Every_shipped_template_reads_without_problems(string file)
    {
        var (template, problems) = TemplateReader.Read(File.ReadAllText(Path.Combine(Repo.Root, "flows", "templates", file)));
        problems.ShouldBeEmpty();
        template.ShouldNotBeNull();
    }

    [Fact]
    public void The_shipped_templates_cover_cursor_link_header_offset_and_page_number_pagination()
    {
        var kinds = Directory.GetFiles(Path.Combine(Repo.Root, "flows", "templates"), "*" + TemplateReader.Extension)
            .Select(f => TemplateReader.ReadFile(f).Pagination.Kind).ToHashSet();
        kinds.ShouldBe([TemplatePaginationKind.CursorLimit, TemplatePaginationKind.LinkHeader, TemplatePaginationKind.OffsetLimit, TemplatePaginationKind.PageNumber], ignoreOrder: true);
    }

    [Theory]
    [InlineData("Slack users", "slack-users")]
    [InlineData("  ÄÖ HR: Directory!! ", "hr-directory")]
    [InlineData("Export", "export-users")]
    [InlineData("X", "collection-x")]
    public void A_connector_key_from_a_name_is_lower_case_words_and_never_a_reserved_key(string name, string key) =>
        TemplateCompiler.KeyFor(name).ShouldBe(key);

    [Fact]
    public void A_cursor_template_gets_100_records_per_page_unless_it_says_otherwise()
    {
        var template = TemplateReader.Parse(Minimal(pagination: new JsonObject { ["kind"] = "cursorLimit", ["cursorPath"] = "next" }).ToJsonString());
        template.Pagination.Limit.ShouldBe(100);
        template.Pagination.CursorParameter.ShouldBe("cursor");
        template.Pagination.LimitParameter.ShouldBe("limit");
    }

    [Fact]
    public void Every_problem_of_a_bad_template_is_reported_with_its_json_path()
    {
        var json = Minimal(pagination: new JsonObject { ["kind"] = "cursorLimit", ["pageParameter"] = "p" });
        json["colour"] = "red";
        json["auth"] = new JsonObject { ["kind"] = "apiKey", ["tokenUrl"] = "https://x.example/token" };
        json["filters"] = new JsonArray(new JsonObject { ["field"] = "type", ["operator"] = "like", ["value"] = "x" });
        json["mapping"] = new JsonObject { ["email"] = "mail", ["phone"] = "tel" };

        var (template, problems) = TemplateReader.Read(json.ToJsonString());

        template.ShouldBeNull();
        problems.Select(p => p.Path).ShouldBe([
            "$.colour", "$.auth.tokenUrl", "$.pagination.pageParameter", "$.pagination", "$.mapping.phone", "$.mapping", "$.filters[0].operator",
        ], ignoreOrder: true);
        problems.Single(p => p.Path == "$.pagination").Message.ShouldBe("missing field 'cursorPath'");
        problems.Single(p => p.Path == "$.mapping").Message.ShouldBe("missing field 'id'");
        problems.Single(p => p.Path == "$.colour").Message.ShouldStartWith("unknown field 'colour'; a template has format, name, vendor");
    }

    [Fact]
    public void Malformed_json_and_a_placeholder_without_its_parameter_are_clear_errors()
    {
        var malformed = Should.Throw<TemplateException>(() => TemplateReader.Parse("{ \"name\": ", "broken.template.json"));
        malformed.Message.ShouldStartWith("broken.template.json: ");
        malformed.Message.ShouldContain("malformed JSON");

        var json = Minimal();
        json["baseUrl"] = "https://{{connection.tenant}}.example.com";
        TemplateReader.Read(json.ToJsonString()).Problems.ShouldHaveSingleItem().ToString()
            .ShouldBe("$.baseUrl: baseUrl uses {{connection.tenant}} but no parameter 'tenant' is declared");
    }

    internal static JsonObject Minimal(JsonObject? pagination = null) => new()
    {
        ["format"] = 1,
        ["name"] = "Test users",
        ["vendor"] = "Test",
        ["baseUrl"] = "https://api.test.example",
        ["auth"] = new JsonObject { ["kind"] = "apiKey" },
        ["usersUrl"] = "/users",
        ["pagination"] = pagination ?? new JsonObject { ["kind"] = "none" },
        ["recordsPath"] = "users",
        ["mapping"] = new JsonObject { ["id"] = "id" },
    };

    [Fact]
    public void A_number_outside_decimal_range_in_a_collection_template_is_a_problem_not_an_exception()
    {
        var json = Minimal(pagination: new JsonObject { ["kind"] = "cursorLimit", ["cursorPath"] = "next" }).ToJsonString()
            .Replace("\"cursorPath\":\"next\"", "\"cursorPath\":\"next\",\"limit\":1e400", StringComparison.Ordinal);
        json.ShouldContain("1e400");

        var (template, problems) = TemplateReader.Read(json);

        template.ShouldBeNull();
        problems.ShouldContain(p => p.Path == "$.pagination.limit", string.Join("\n", problems));
    }
}
