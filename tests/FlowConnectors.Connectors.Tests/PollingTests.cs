using System.Text.Json.Nodes;

namespace FlowConnectors.Connectors.Tests;

/// <summary>Polling event cards: the cursor goes in, new items and the next cursor come out.</summary>
public sealed class PollingTests
{
    private const string NewIncidents = """
    {
      "format": 1, "id": "newIncidents",
      "inputs": [ { "name": "cursor", "type": "string" } ],
      "outputs": [ { "name": "items", "type": "array<object>" }, { "name": "cursor", "type": "string" } ],
      "nodes": [
        { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": {
            "relative_url": "/incidents", "query": { "js": "input.cursor ? { since: input.cursor } : {}" } } } },
        { "id": "done", "type": "Return", "inputs": { "outputs": {
            "items": { "js": "nodes.call.outputs.body.incidents" },
            "cursor": { "js": "nodes.call.outputs.body.next || null" } } } }
      ],
      "connections": [ { "from": "call:done", "to": "done" } ],
      "card": { "kind": "polling", "label": "New incidents", "interval": "00:05:00" }
    }
    """;

    private static async Task<Harness> StartAsync(ConnectorFolder folder) =>
        await Harness.StartAsync(folder.Load(), (c, r) => r.Query("since") switch
        {
            null => Respond.Json(c, 200, """{ "incidents": [ { "id": "INC1" }, { "id": "INC2" } ], "next": "2025-03-01T12:00:00Z" }"""),
            "2025-03-01T12:00:00Z" => Respond.Json(c, 200, """{ "incidents": [ { "id": "INC3" } ], "next": "2025-03-01T12:05:00Z" }"""),
            _ => Respond.Json(c, 200, """{ "incidents": [] }"""),
        });

    private static ConnectorFolder Connector() =>
        TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""", TestFlows.TokenParameter).Flow(NewIncidents);

    [Fact]
    public async Task Polling_passes_the_stored_cursor_and_returns_the_new_items_and_cursor()
    {
        using var folder = Connector();
        await using var h = await StartAsync(folder);
        await h.ConnectAsync(("token", "tok-123456"));

        var first = await h.Runtime.Poller.PollAsync(h.Key, "newIncidents", "conn1", null);
        var second = await h.Runtime.Poller.PollAsync(h.Key, "newIncidents", "conn1", first.Cursor);

        first.Items.ToJsonString().ShouldBe("""[{"id":"INC1"},{"id":"INC2"}]""");
        first.Cursor.Text().ShouldBe("2025-03-01T12:00:00Z");
        second.Items.ToJsonString().ShouldBe("""[{"id":"INC3"}]""");
        second.Cursor.Text().ShouldBe("2025-03-01T12:05:00Z");
        h.Stub.Requests.Select(r => r.ToString()).ShouldBe(["GET /incidents", "GET /incidents?since=2025-03-01T12%3A00%3A00Z"]);
    }

    [Fact]
    public async Task A_poll_that_returns_no_cursor_keeps_the_old_one()
    {
        using var folder = Connector();
        await using var h = await StartAsync(folder);
        await h.ConnectAsync(("token", "tok-123456"));

        var result = await h.Runtime.Poller.PollAsync(h.Key, "newIncidents", "conn1", JsonValue.Create("2025-03-01T12:05:00Z"));

        result.Items.ShouldBeEmpty();
        result.Cursor.Text().ShouldBe("2025-03-01T12:05:00Z");
        h.Stub.Requests.ShouldHaveSingleItem().Query("since").ShouldBe("2025-03-01T12:05:00Z");
    }

    [Fact]
    public async Task Polling_a_flow_that_is_not_a_polling_card_is_refused()
    {
        using var folder = Connector();
        await using var h = await StartAsync(folder);
        await h.ConnectAsync(("token", "tok-123456"));

        var error = await Should.ThrowAsync<Runtime.ConnectorException>(() => h.Runtime.Poller.PollAsync(h.Key, "customApiAction", "conn1", null));

        error.Message.ShouldBe($"'customApiAction' is not a polling card of connector '{TestFlows.Key}'");
        h.Stub.Hits.ShouldBe(0);
    }
}
