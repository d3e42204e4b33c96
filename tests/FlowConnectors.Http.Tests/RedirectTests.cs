using Microsoft.AspNetCore.Http;
using static FlowConnectors.Http.Tests.TestHttp;

namespace FlowConnectors.Http.Tests;

public sealed class RedirectTests
{
    private static Task<StubServer> RedirectingTo(Func<string> location, int status) =>
        StubServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.Location = location();
            return Task.CompletedTask;
        });

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirect_to_another_origin_carries_no_header_credential(int status)
    {
        await using var target = await StubServer.JsonAsync(200, """{ "landed": true }""");
        await using var origin = await RedirectingTo(() => target.Url("landing?x=1"), status);
        var result = await SendAsync(Json($$"""
            { "url": "{{origin.Url("start")}}", "headers": { "X-Api-Key": "canary-key", "Authorization": "Bearer canary-token", "X-Custom-Token": "canary-custom" } }
            """));
        result.Outcome.ShouldBe("2xx", result.Run.Fault?.ToString());
        origin.Requests.Single().Header("X-Custom-Token").ShouldBe("canary-custom");
        var landed = target.Requests.Single();
        landed.Path.ShouldBe("/landing");
        landed.Header("X-Api-Key").ShouldBeNull();
        landed.Header("Authorization").ShouldBeNull();
        landed.Header("X-Custom-Token").ShouldBeNull();
    }

    [Fact]
    public async Task A_307_that_would_carry_the_body_to_another_origin_is_not_followed()
    {
        await using var target = await StubServer.JsonAsync(200, "{}");
        await using var origin = await RedirectingTo(() => target.Url("steal"), 307);
        var result = await SendAsync(Json($$"""{ "method": "POST", "url": "{{origin.Url("token")}}", "body": { "client_secret": "canary" } }"""));
        result.Output("statusCode")!.GetValue<int>().ShouldBe(307);
        target.Hits.ShouldBe(0);
    }

    [Fact]
    public async Task A_302_after_a_post_becomes_a_get_without_the_body()
    {
        await using var target = await StubServer.JsonAsync(200, "{}");
        await using var origin = await RedirectingTo(() => target.Url("done"), 302);
        var result = await SendAsync(Json($$"""{ "method": "POST", "url": "{{origin.Url("form")}}", "body": { "password": "canary" } }"""));
        result.Outcome.ShouldBe("2xx", result.Run.Fault?.ToString());
        var landed = target.Requests.Single();
        landed.Method.ShouldBe("GET");
        landed.Body.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_redirect_within_the_origin_keeps_the_headers()
    {
        StubServer? self = null;
        await using var stub = self = await StubServer.StartAsync((context, request) =>
        {
            if (request.Path == "/old")
            {
                context.Response.StatusCode = 301;
                context.Response.Headers.Location = "/new";
                return Task.CompletedTask;
            }
            return Respond.Json(context, 200, "{}");
        });
        var result = await SendAsync(Json($$"""{ "url": "{{stub.Url("old")}}", "headers": { "X-Api-Key": "k" } }"""));
        result.Outcome.ShouldBe("2xx", result.Run.Fault?.ToString());
        stub.Requests[1].Path.ShouldBe("/new");
        stub.Requests[1].Header("X-Api-Key").ShouldBe("k");
    }

    [Fact]
    public async Task A_connection_request_does_not_follow_redirects_by_default()
    {
        await using var target = await StubServer.JsonAsync(200, "{}");
        await using var api = await RedirectingTo(() => target.Url("elsewhere"), 302);
        var connection = new TestConnection(api.BaseUrl);
        var result = await SendAsync(Json("""{ "url": "users", "useConnection": true, "outcomes": ["2xx", "3xx"] }"""), Services(connection: connection));
        result.Outcome.ShouldBe("3xx");
        result.Output("statusCode")!.GetValue<int>().ShouldBe(302);
        target.Hits.ShouldBe(0);
    }

    [Fact]
    public async Task A_connection_request_told_to_follow_sends_its_credentials_only_to_its_own_origin()
    {
        await using var target = await StubServer.JsonAsync(200, "{}");
        await using var api = await RedirectingTo(() => target.Url("elsewhere"), 307);
        var connection = new TestConnection(api.BaseUrl);
        var result = await SendAsync(Json("""{ "url": "users", "useConnection": true, "followRedirects": true }"""), Services(connection: connection));
        result.Outcome.ShouldBe("2xx", result.Run.Fault?.ToString());
        api.Requests.Single().Header("Authorization").ShouldBe("Bearer " + connection.Token);
        target.Requests.Single().Header("Authorization").ShouldBeNull();
    }

    [Fact]
    public async Task Endless_redirects_fault_the_request()
    {
        await using var loop = await StubServer.StartAsync((context, request) =>
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = "/hop" + request.Number;
            return Task.CompletedTask;
        });
        var result = await SendAsync(Json($$"""{ "url": "{{loop.Url("start")}}" }"""));
        result.FaultMessage().ShouldContain("more than 10 redirects");
        loop.Hits.ShouldBe(11);
    }
}
