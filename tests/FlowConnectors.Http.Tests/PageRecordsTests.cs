using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Http.Activities;

namespace FlowConnectors.Http.Tests;

public sealed class PageRecordsTests
{
    [Fact]
    public void A_page_keeps_the_parsed_records_it_was_made_from()
    {
        using var document = JsonDocument.Parse("""{ "members": [ { "id": "U1" }, { "id": "U2" } ] }""");
        var records = document.RootElement.GetProperty("members");

        var page = PageRecords.Create(records);

        PageRecords.TryGetParsed(page, out var parsed).ShouldBeTrue();
        parsed.GetRawText().ShouldBe(records.GetRawText());
        page.ToJsonString().ShouldBe("""[{"id":"U1"},{"id":"U2"}]""");
    }

    [Fact]
    public void Any_other_array_has_no_parsed_records()
    {
        using var document = JsonDocument.Parse("""[ { "id": "U1" } ]""");

        PageRecords.TryGetParsed(JsonArray.Create(document.RootElement)!, out _).ShouldBeFalse();
        PageRecords.TryGetParsed(new JsonArray(new JsonObject { ["id"] = "U1" }), out _).ShouldBeFalse();
    }
}
