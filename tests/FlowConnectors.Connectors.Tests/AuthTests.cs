using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using Microsoft.AspNetCore.Http;

namespace FlowConnectors.Connectors.Tests;

/// <summary>Each auth kind puts exactly the right credentials on the request, and nothing else.</summary>
public sealed class AuthTests
{
    private static Task Ok(HttpContext context, StubRequest _) => Respond.Json(context, 200, """{ "ok": true }""");

    [Fact]
    public async Task No_auth_sends_no_credentials()
    {
        using var folder = TestFlows.Connector("""{ "kind": "none" }""");
        await using var h = await Harness.StartAsync(folder.Load(), Ok);
        await h.ConnectAsync();

        (await h.CallAsync("/hooks/abc")).ShouldHaveFinished();

        var request = h.Stub.Requests.ShouldHaveSingleItem();
        request.Path.ShouldBe("/hooks/abc");
        request.Header("Authorization").ShouldBeNull();
        request.QueryString.ShouldBeEmpty();
    }

    [Fact]
    public async Task Basic_auth_sends_base64_of_user_and_password()
    {
        using var folder = TestFlows.Connector("""{ "kind": "basic", "usernameParameter": "username", "passwordParameter": "password" }""",
            """
            [ { "name": "username", "label": "User", "type": "text", "required": true },
              { "name": "password", "label": "Password", "type": "password", "required": true } ]
            """);
        await using var h = await Harness.StartAsync(folder.Load(), Ok);
        await h.ConnectAsync(("username", "flow.integration"), ("password", "pä55:word"));

        (await h.CallAsync("/api/now/table/incident")).ShouldHaveFinished();

        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("flow.integration:pä55:word"));
        h.Stub.Requests.ShouldHaveSingleItem().Header("Authorization").ShouldBe(expected);
    }

    [Theory]
    [InlineData("Authorization", "Bearer", "Authorization", "Bearer tok-123456")]
    [InlineData("Authorization", "Token", "Authorization", "Token tok-123456")]
    [InlineData("Authorization", "SSWS", "Authorization", "SSWS tok-123456")]
    [InlineData("X-Api-Key", "", "X-Api-Key", "tok-123456")]
    public async Task Api_key_in_a_header_uses_the_token_type_and_header_name(string name, string tokenType, string header, string expected)
    {
        using var folder = TestFlows.Connector($$"""{ "kind": "apiKey", "parameter": "token", "in": "header", "name": "{{name}}", "tokenType": "{{tokenType}}" }""",
            TestFlows.TokenParameter);
        await using var h = await Harness.StartAsync(folder.Load(), Ok);
        await h.ConnectAsync(("token", "tok-123456"));

        (await h.CallAsync("/users")).ShouldHaveFinished();

        var request = h.Stub.Requests.ShouldHaveSingleItem();
        request.Header(header).ShouldBe(expected);
        if (header != "Authorization") request.Header("Authorization").ShouldBeNull();
        request.QueryString.ShouldBeEmpty();
    }

    [Fact]
    public async Task Api_key_in_the_query_is_appended_to_the_existing_query_and_sent_in_no_header()
    {
        using var folder = TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token", "in": "query", "name": "api_key" }""", TestFlows.TokenParameter);
        await using var h = await Harness.StartAsync(folder.Load(), Ok);
        await h.ConnectAsync(("token", "k&y=1/2"));

        (await h.CallAsync("/users?page=2")).ShouldHaveFinished();

        var request = h.Stub.Requests.ShouldHaveSingleItem();
        request.Query("api_key").ShouldBe("k&y=1/2");
        request.Query("page").ShouldBe("2");
        request.Header("Authorization").ShouldBeNull();
    }

    [Fact]
    public async Task Custom_auth_applies_the_headers_and_query_its_auth_flow_returns()
    {
        using var folder = TestFlows.Connector("""{ "kind": "custom", "flow": "_auth" }""",
                """
                [ { "name": "username", "label": "User", "type": "text", "required": true },
                  { "name": "password", "label": "Password", "type": "password", "required": true },
                  { "name": "tenantCode", "label": "Tenant code", "type": "password", "required": true } ]
                """)
            .Flow("""
            {
              "format": 1, "id": "_auth",
              "inputs": [
                { "name": "username", "type": "string", "required": true },
                { "name": "password", "type": "string", "required": true, "secret": true },
                { "name": "tenantCode", "type": "string", "required": true, "secret": true } ],
              "outputs": [ { "name": "headers", "type": "object", "secret": true }, { "name": "query", "type": "object" } ],
              "nodes": [ { "id": "done", "type": "Return", "inputs": { "outputs": {
                  "headers": { "Authorization": { "js": "'Basic ' + base64.encode(input.username + ':' + input.password)" },
                               "aw-tenant-code": { "js": "input.tenantCode" } },
                  "query": { "api_version": "2" } } } } ],
              "connections": []
            }
            """);
        await using var h = await Harness.StartAsync(folder.Load(), Ok);
        await h.ConnectAsync(("username", "admin"), ("password", "uem-password"), ("tenantCode", "tenant-code-123"));

        (await h.CallAsync("/API/mdm/devices/search?pagesize=10")).ShouldHaveFinished();

        var request = h.Stub.Requests.ShouldHaveSingleItem();
        request.Header("Authorization").ShouldBe("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:uem-password")));
        request.Header("aw-tenant-code").ShouldBe("tenant-code-123");
        request.Query("api_version").ShouldBe("2");
        request.Query("pagesize").ShouldBe("10");
    }

    [Fact]
    public async Task A_401_is_the_response_when_the_credentials_cannot_be_refreshed()
    {
        using var folder = TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""", TestFlows.TokenParameter);
        await using var h = await Harness.StartAsync(folder.Load(), (c, _) => Respond.Json(c, 401, """{ "message": "bad token" }"""));
        await h.ConnectAsync(("token", "tok-123456"));

        var run = (await h.CallAsync("/users")).ShouldHaveFinished();

        run.Outputs["statusCode"].Number().ShouldBe(401);
        h.Stub.Hits.ShouldBe(1);
    }

    [Fact]
    public async Task A_token_echoed_back_by_the_api_is_redacted_in_the_journal()
    {
        using var folder = TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""", TestFlows.TokenParameter);
        await using var h = await Harness.StartAsync(folder.Load(),
            (c, r) => Respond.Json(c, 200, new JsonObject { ["you_sent"] = r.Header("Authorization") }.ToJsonString()));
        await h.ConnectAsync(("token", "tok-echoed-987"));

        var run = (await h.CallAsync("/echo")).ShouldHaveFinished();

        run.Outputs["body"]!["you_sent"].Text().ShouldBe("Bearer tok-echoed-987");
        run.Traces().ShouldNotContain("tok-echoed-987");
        run.Traces().ShouldContain("***");
    }
}
