using System.Text.Json.Nodes;
using FlowConnectors.Collection;

namespace FlowConnectors.Collection.Tests;

/// <summary>
/// schemas/collection-template.schema.json says what TemplateReader accepts (no schema library is
/// available, so the check is structural, as for the flow schema).
/// </summary>
public sealed class TemplateSchemaTests
{
    private static readonly JsonObject Schema = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, "schemas", "collection-template.schema.json")))!.AsObject();

    private static IReadOnlyList<string> Properties(JsonNode? node) => node!["properties"]!.AsObject().Select(p => p.Key).ToList();

    [Fact]
    public void The_schema_is_closed_and_lists_exactly_the_fields_the_reader_accepts()
    {
        Schema["$schema"]!.GetValue<string>().ShouldBe("https://json-schema.org/draft/2020-12/schema");
        Schema["additionalProperties"]!.GetValue<bool>().ShouldBeFalse();
        Properties(Schema).ShouldBe(TemplateReader.Fields);
        Properties(Schema["$defs"]!["parameter"]).ShouldBe(TemplateReader.ParameterFields);
        Properties(Schema["$defs"]!["pagination"]).ShouldBe(TemplateReader.PaginationFields);
        Properties(Schema["$defs"]!["mapping"]).ShouldBe(TemplateReader.MappingFields);
        Properties(Schema["$defs"]!["filter"]).ShouldBe(TemplateReader.FilterFields);
        Properties(Schema["$defs"]!["activity"]).ShouldBe(TemplateReader.ActivityFields);
        Properties(Schema["$defs"]!["responseCheck"]).ShouldBe(TemplateReader.ResponseCheckFields);
        Schema["$defs"]!["auth"]!["oneOf"]!.AsArray().SelectMany(Properties).Distinct().ShouldBe(TemplateReader.AuthFields, ignoreOrder: true);
    }

    [Fact]
    public void The_schema_requires_what_the_reader_requires_and_offers_the_same_pagination_kinds()
    {
        Schema["required"]!.AsArray().Select(r => (string)r!).ShouldBe(["format", "name", "vendor", "baseUrl", "auth", "usersUrl", "pagination", "mapping"]);
        foreach (var field in Schema["required"]!.AsArray().Select(r => (string)r!))
        {
            var json = TemplateReaderTests.Minimal();
            json.Remove(field);
            TemplateReader.Read(json.ToJsonString()).Problems.ShouldContain(p => p.Message == $"missing field '{field}'", field);
        }
        Schema["$defs"]!["pagination"]!["properties"]!["kind"]!["enum"]!.AsArray().Select(k => (string)k!)
            .ShouldBe(Enum.GetValues<TemplatePaginationKind>().Select(TemplateReader.WireName));
    }
}
