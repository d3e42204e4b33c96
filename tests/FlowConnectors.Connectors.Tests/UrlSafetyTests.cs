namespace FlowConnectors.Connectors.Tests;

/// <summary>A relative URL from a card input can never take the connection's credentials elsewhere.</summary>
public sealed class UrlSafetyTests
{
    private static ConnectorFolder BearerConnector(string baseUrl = "https://api.example.com/v2") =>
        TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""", TestFlows.TokenParameter, baseUrl);

    [Theory]
    [InlineData("https://evil.example/x", "not an absolute URL")]
    [InlineData("//evil.example/x", "not an absolute URL")]
    [InlineData(@"\\evil", "not an absolute URL")]
    [InlineData(@"/\evil.example/x", "not an absolute URL")]
    [InlineData("/../admin", "'..' segments")]
    [InlineData("/users/../../admin", "'..' segments")]
    [InlineData("..%2Fadmin", "'..' segments")]
    [InlineData("/%2e%2e/admin", "'..' segments")]
    [InlineData("javascript:alert(1)", "not an absolute URL")]
    public async Task Urls_that_could_leave_the_base_url_are_refused_and_nothing_is_sent(string relativeUrl, string reason)
    {
        using var folder = BearerConnector();
        await using var h = await Harness.StartAsync(folder.Load(), (c, _) => Respond.Json(c, 200, "{}"));
        await h.ConnectAsync(("token", "tok-123456"));

        var message = (await h.CallAsync(relativeUrl)).FaultMessage();

        message.ShouldContain($"relative URL '{relativeUrl}'");
        message.ShouldContain(reason);
        h.Stub.Hits.ShouldBe(0);
    }

    [Fact]
    public async Task A_path_with_a_query_is_sent_under_the_base_url()
    {
        using var folder = BearerConnector("https://api.example.com");
        await using var h = await Harness.StartAsync(folder.Load(), (c, _) => Respond.Json(c, 200, "{}"));
        await h.ConnectAsync(("token", "tok-123456"));

        (await h.CallAsync("/users?page=2")).ShouldHaveFinished();

        var request = h.Stub.Requests.ShouldHaveSingleItem();
        request.Path.ShouldBe("/users");
        request.Query("page").ShouldBe("2");
        request.Header("Authorization").ShouldBe("Bearer tok-123456");
    }

    [Theory]
    [InlineData("/users", "/v2/users")]
    [InlineData("users", "/v2/users")]
    [InlineData("/users/42/roles", "/v2/users/42/roles")]
    public async Task A_base_url_with_a_path_keeps_its_path(string relativeUrl, string expectedPath)
    {
        using var folder = BearerConnector("https://api.example.com/v2");
        await using var h = await Harness.StartAsync(folder.Load(), (c, _) => Respond.Json(c, 200, "{}"));
        await h.ConnectAsync(("token", "tok-123456"));

        (await h.CallAsync(relativeUrl)).ShouldHaveFinished();

        h.Stub.Requests.ShouldHaveSingleItem().Path.ShouldBe(expectedPath);
    }

    [Fact]
    public async Task Connection_parameters_in_the_base_url_are_url_encoded()
    {
        using var folder = TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""",
            """
            [ { "name": "tenant", "label": "Tenant", "type": "text", "required": true },
              { "name": "token", "label": "Token", "type": "password", "required": true } ]
            """, "https://api.example.com/tenants/{{connection.tenant}}");
        await using var h = await Harness.StartAsync(folder.Load(), (c, _) => Respond.Json(c, 200, "{}"));
        await h.ConnectAsync(("tenant", "acme/../admin"), ("token", "tok-123456"));

        (await h.CallAsync("/users")).ShouldHaveFinished();

        h.Stub.Requests.ShouldHaveSingleItem().Path.ShouldBe("/tenants/acme%2F..%2Fadmin/users");
    }
}
