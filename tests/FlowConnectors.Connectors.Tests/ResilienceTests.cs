namespace FlowConnectors.Connectors.Tests;

/// <summary>A connector's manifest <c>http</c> block sets its client's retries.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task Max_retries_of_one_gives_exactly_two_attempts_on_a_503()
    {
        using var folder = TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""", TestFlows.TokenParameter,
            http: """{ "maxRetries": 1, "baseDelay": "00:00:00.010" }""");
        await using var h = await Harness.StartAsync(folder.Load(), (c, _) => Respond.Json(c, 503, """{ "message": "maintenance" }"""));
        await h.ConnectAsync(("token", "tok-123456"));

        var run = (await h.CallAsync("/users")).ShouldHaveFinished();

        run.Outputs["statusCode"].Number().ShouldBe(503);
        h.Stub.Hits.ShouldBe(2);
        h.Stub.Requests.ShouldAllBe(r => r.Header("Authorization") == "Bearer tok-123456");
    }

    [Fact]
    public async Task Max_retries_of_zero_sends_once()
    {
        using var folder = TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""", TestFlows.TokenParameter,
            http: """{ "maxRetries": 0 }""");
        await using var h = await Harness.StartAsync(folder.Load(), (c, _) => Respond.Status(c, 503));
        await h.ConnectAsync(("token", "tok-123456"));

        (await h.CallAsync("/users")).ShouldHaveFinished();

        h.Stub.Hits.ShouldBe(1);
    }

    [Fact]
    public async Task A_post_is_not_retried_unless_the_connector_allows_unsafe_retries()
    {
        using var folder = TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""", TestFlows.TokenParameter,
            http: """{ "maxRetries": 2, "baseDelay": "00:00:00.010" }""");
        await using var h = await Harness.StartAsync(folder.Load(), (c, _) => Respond.Status(c, 503));
        await h.ConnectAsync(("token", "tok-123456"));

        (await h.CallAsync("/orders", "POST", new System.Text.Json.Nodes.JsonObject { ["sku"] = "A1" })).ShouldHaveFinished();

        h.Stub.Hits.ShouldBe(1);
    }
}
