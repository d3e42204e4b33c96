using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Collection;

namespace FlowConnectors.Collection.Tests;

public sealed class UserMapperTests
{
    // Every kind of value a vendor sends: nested and indexed paths, ServiceNow display values, epoch seconds and
    // milliseconds, ISO and "yyyy-MM-dd HH:mm:ss" times, numbers and booleans as text, JSON null, empty text,
    // a record without an id, and filter values that match as text ("true" = true).
    private const string Page = """
        [
          { "id": "U1", "profile": { "email": "a@example.com", "title": "Sales" }, "real_name": "Ann", "deleted": false, "updated": 1760000000, "is_bot": false, "tags": ["x", "first"] },
          { "id": "U2", "profile": { "email": null, "title": "" }, "real_name": "Bob", "deleted": "true", "updated": 1760000000123, "is_bot": "false", "tags": [] },
          { "id": { "display_value": "U3", "link": "https://x" }, "profile": { "email": { "display_value": "c@example.com" } }, "real_name": 42, "updated": "2026-11-01 10:00:00", "created": "2024-02-03T04:05:06+02:00" },
          { "id": "BOT", "is_bot": true, "profile": {} },
          { "profile": { "email": "no-id@example.com" } },
          { "id": "", "real_name": "empty id" },
          { "id": 17, "real_name": null, "deleted": true, "updated": { "display_value": "1760000000" }, "created": "not a date", "tags": ["y", "second"] }
        ]
        """;

    private static UserMapper Mapper() => new(
        new UserMapping { Id = "id", Email = "profile.email", Name = "real_name", Department = "profile.title", Status = "deleted", Created = "created" },
        [new TemplateFilter("is_bot", FilterOperator.NotEquals, JsonValue.Create(true)), new TemplateFilter("id", FilterOperator.NotEquals, JsonValue.Create("USLACKBOT"))],
        new TemplateActivity("updated", "Slack"));

    [Fact]
    public void A_page_straight_from_parsed_json_maps_exactly_as_the_same_records_as_nodes()
    {
        using var document = JsonDocument.Parse(Page);
        var inPlace = JsonArray.Create(document.RootElement)!;
        var asNodes = JsonNode.Parse(Page)!.AsArray();
        _ = asNodes.Count; // enumerated as nodes: no parsed text behind it any more

        var mapper = Mapper();
        var (users, filtered, skipped) = mapper.MapPage(inPlace);
        var (nodeUsers, nodeFiltered, nodeSkipped) = mapper.MapPage(asNodes);

        nodeUsers.ShouldBe(users);
        (filtered, skipped).ShouldBe((1, 2));
        (nodeFiltered, nodeSkipped).ShouldBe((1, 2));
        users.Select(u => u.VendorId).ShouldBe(["U1", "U2", "U3", "17"]);
        users[0].ShouldBe(new CollectedUser
        {
            VendorId = "U1", Email = "a@example.com", Name = "Ann", Department = "Sales", Status = "false",
            LastActivityAt = DateTimeOffset.FromUnixTimeSeconds(1760000000), Application = "Slack",
        });
        users[1].ShouldBe(new CollectedUser
        {
            VendorId = "U2", Email = null, Name = "Bob", Department = null, Status = "true",
            LastActivityAt = DateTimeOffset.FromUnixTimeMilliseconds(1760000000123), Application = "Slack",
        });
        users[2].Email.ShouldBe("c@example.com");
        users[2].Name.ShouldBe("42");
        users[2].CreatedAt.ShouldBe(new DateTimeOffset(2024, 2, 3, 2, 5, 6, TimeSpan.Zero));
        users[2].LastActivityAt.ShouldBe(new DateTimeOffset(2026, 11, 1, 10, 0, 0, TimeSpan.Zero));
        users[3].LastActivityAt.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1760000000));
        users[3].CreatedAt.ShouldBeNull();
        users[3].Status.ShouldBe("true");
        users[3].Name.ShouldBeNull();
    }

    [Fact]
    public void An_array_changed_after_parsing_is_mapped_as_changed()
    {
        using var document = JsonDocument.Parse(Page);
        var records = JsonArray.Create(document.RootElement)!;
        records.RemoveAt(0);
        records.Add(new JsonObject { ["id"] = "added", ["real_name"] = "New" });

        var (users, _, _) = Mapper().MapPage(records);
        users.Select(u => u.VendorId).ShouldBe(["U2", "U3", "17", "added"]);
    }
}
