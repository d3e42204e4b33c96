using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using Microsoft.AspNetCore.Http;

namespace FlowConnectors.Connectors.Tests;

/// <summary>
/// OAuth 2.0 tokens are refreshed before they expire (expires_in or a JWT's exp, minus the connector's margin)
/// and when the vendor says so (a declared status or body check), once per connection across runs and nodes;
/// a refresh refused for good marks the connection and tells the host. The clock is a fake one: expiry is simulated.
/// </summary>
public sealed class TokenLifecycleTests
{
    private const string TokenPath = "/oauth2/token";

    private const string AuthorizationCode = $$"""
    { "kind": "oauth2AuthorizationCode", "authorizeUrl": "https://login.example.com/authorize", "tokenUrl": "https://login.example.com{{TokenPath}}",
      "clientIdParameter": "clientId", "clientSecretParameter": "clientSecret", "scope": "offline_access" }
    """;

    private const string RefreshPath = "/oauth2/refresh";

    private static ConnectorPackage Connector(string? tokenExpiry = null, string? refreshUrl = null)
    {
        var manifest = JsonNode.Parse(TestFlows.Manifest(AuthorizationCode, TestFlows.ClientParameters))!.AsObject();
        if (tokenExpiry is not null) manifest["tokenExpiry"] = JsonNode.Parse(tokenExpiry);
        if (refreshUrl is not null) manifest["auth"]!["refreshUrl"] = refreshUrl;
        var folder = new ConnectorFolder().Manifest(manifest.ToJsonString()).Flow(TestFlows.HttpHelper).Flow(TestFlows.CustomApiAction).Flow(TestFlows.AuthPing());
        return folder.Load();
    }

    /// <summary>Issues at-new-N / rt-new-N (slowly, so concurrent callers overlap); the API takes any at-new-* token.</summary>
    private static Func<HttpContext, StubRequest, Task> TokenServer(Func<string?, string>? api = null, string? refused = null)
    {
        var issued = 0;
        return async (context, request) =>
        {
            if (request.Path is TokenPath or RefreshPath)
            {
                if (refused is not null) { await Respond.Json(context, 400, refused); return; }
                await Task.Delay(50);
                var n = Interlocked.Increment(ref issued);
                await Respond.Json(context, 200, $$"""{ "access_token": "at-new-{{n}}", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt-new-{{n}}" }""");
                return;
            }
            var authorization = request.Header("Authorization");
            if (api is not null) { await Respond.Json(context, 200, api(authorization)); return; }
            await (authorization?.StartsWith("Bearer at-new-", StringComparison.Ordinal) == true
                ? Respond.Json(context, 200, """{ "ok": true }""")
                : Respond.Json(context, 401, """{ "message": "invalid token" }"""));
        };
    }

    private static async Task<Connection> SignedInAsync(Harness h, string accessToken, DateTimeOffset? expiresAt)
    {
        var connection = await h.ConnectAsync(("clientId", "my-client"), ("clientSecret", "s3cret"));
        connection.Tokens = new OAuthTokens(accessToken, "rt-old-1", expiresAt, "offline_access");
        await h.Store.SaveAsync(connection);
        return connection;
    }

    private static string Jwt(DateTimeOffset expires)
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{Part("""{"alg":"none"}""")}.{Part($$"""{"sub":"ada","exp":{{expires.ToUnixTimeSeconds()}}}""")}.sig";
    }

    [Fact]
    public async Task A_connector_with_a_refresh_url_sends_refresh_grants_there_and_not_to_the_token_url()
    {
        await using var h = await Harness.StartAsync(Connector("""{ "refreshBefore": "00:05:00" }""", "https://login.example.com" + RefreshPath), TokenServer());
        await SignedInAsync(h, "at-old-1", h.Clock.GetUtcNow().AddMinutes(3));

        (await h.CallAsync("/me")).ShouldHaveFinished();

        var refresh = h.Stub.To(RefreshPath).ShouldHaveSingleItem();
        (refresh.Form("grant_type"), refresh.Form("refresh_token")).ShouldBe(("refresh_token", "rt-old-1"));
        h.Stub.To(TokenPath).ShouldBeEmpty();
        h.Stub.To("/me").ShouldHaveSingleItem().Header("Authorization").ShouldBe("Bearer at-new-1");
    }

    [Fact]
    public void A_refresh_url_that_is_not_an_absolute_http_url_is_refused_with_its_path()
    {
        var manifest = JsonNode.Parse(TestFlows.Manifest(AuthorizationCode, TestFlows.ClientParameters))!.AsObject();
        manifest["auth"]!["refreshUrl"] = "/oauth2/refresh";

        var (_, problems) = ManifestReader.Read(manifest.ToJsonString());

        problems.ShouldContain(p => p.Path == "$.auth.refreshUrl" && p.Code == "MANIFEST_AUTH_FIELD");
    }

    [Fact]
    public async Task A_token_is_refreshed_before_it_expires_by_the_connectors_margin_so_the_vendor_never_sees_the_old_one()
    {
        await using var h = await Harness.StartAsync(Connector("""{ "refreshBefore": "00:05:00" }"""), TokenServer());
        // Valid for 3 more minutes: inside the 5-minute margin.
        await SignedInAsync(h, "at-old-1", h.Clock.GetUtcNow().AddMinutes(3));

        (await h.CallAsync("/me")).ShouldHaveFinished();

        h.Stub.To(TokenPath).ShouldHaveSingleItem().Form("refresh_token").ShouldBe("rt-old-1");
        h.Stub.To("/me").ShouldHaveSingleItem().Header("Authorization").ShouldBe("Bearer at-new-1");
    }

    [Fact]
    public async Task A_jwt_access_token_without_expires_in_is_refreshed_by_its_exp_claim()
    {
        await using var h = await Harness.StartAsync(Connector(), TokenServer());
        await SignedInAsync(h, Jwt(h.Clock.GetUtcNow().AddSeconds(30)), expiresAt: null);

        (await h.CallAsync("/me")).ShouldHaveFinished();

        h.Stub.To(TokenPath).ShouldHaveSingleItem();
        h.Stub.To("/me").ShouldHaveSingleItem().Header("Authorization").ShouldBe("Bearer at-new-1");
    }

    [Fact]
    public async Task A_200_whose_body_the_connector_declares_an_expiry_signal_refreshes_the_token_and_retries_once()
    {
        var package = Connector("""{ "detectors": [ { "path": "$.errcode", "equals": 40001 } ] }""");
        package.Manifest.TokenExpiry.Detectors.ShouldHaveSingleItem().Path.ShouldBe("$.errcode");
        await using var h = await Harness.StartAsync(package, TokenServer(auth => auth == "Bearer at-old-1" ? """{ "errcode": 40001, "errmsg": "access_token expired" }""" : """{ "errcode": 0, "user": "ada" }"""));
        await SignedInAsync(h, "at-old-1", h.Clock.GetUtcNow().AddHours(1));

        var run = await h.CallAsync("/me");

        run.ShouldHaveFinished();
        ((long)run.Outputs["statusCode"]!).ShouldBe(200);
        ((string)run.Outputs["body"]!["user"]!).ShouldBe("ada");
        h.Stub.To("/me").Select(r => r.Header("Authorization")).ShouldBe(["Bearer at-old-1", "Bearer at-new-1"]);
        h.Stub.To(TokenPath).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Concurrent_runs_on_two_nodes_refresh_an_expired_token_once_and_keep_the_rotated_refresh_token()
    {
        var leases = new InMemoryRefreshLeases();
        await using var h = await Harness.StartAsync(Connector(), TokenServer(), leases: leases);
        await SignedInAsync(h, "at-old-1", h.Clock.GetUtcNow().AddMinutes(-1));
        await using var other = h.AnotherNode(leases);

        var runs = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => i % 2 == 0
            ? h.CallAsync("/me")
            : other.Actions.RunFlowAsync(h.Key, "customApiAction", "conn1", new JsonObject { ["requestType"] = "GET", ["relativeUrl"] = "/me" })));

        foreach (var run in runs) run.ShouldHaveFinished();
        h.Stub.To(TokenPath).ShouldHaveSingleItem().Form("refresh_token").ShouldBe("rt-old-1");
        h.Stub.To("/me").ShouldAllBe(r => r.Header("Authorization") == "Bearer at-new-1");
        var saved = (await h.Store.GetAsync("conn1"))!;
        saved.Tokens!.RefreshToken.ShouldBe("rt-new-1");
        saved.HealthAt(h.Clock.GetUtcNow()).ShouldBe(ConnectionHealth.Healthy);
    }

    private sealed class RecordingListener : IConnectionLifecycleListener
    {
        public List<(string Connection, string Reason)> NeedsReauthorization { get; } = [];

        public Task ConnectionNeedsReauthorizationAsync(Connection connection, string reason, CancellationToken ct)
        {
            NeedsReauthorization.Add((connection.Id, reason));
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<string>> ConnectorChangedAsync(ConnectorPackage? previous, ConnectorPackage? current, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<string>>([]);
    }

    [Fact]
    public async Task A_refresh_the_provider_refuses_for_good_marks_the_connection_for_reauthorization_and_tells_the_host()
    {
        await using var h = await Harness.StartAsync(Connector(), TokenServer(refused: """{ "error": "invalid_grant", "error_description": "refresh token revoked" }"""));
        var listener = new RecordingListener();
        h.Runtime.Connections.Lifecycle = listener;
        await SignedInAsync(h, "at-old-1", h.Clock.GetUtcNow().AddMinutes(-1));

        var run = await h.CallAsync("/me");

        run.Fault.ShouldNotBeNull().Message.ShouldContain("invalid_grant");
        h.Stub.To("/me").ShouldBeEmpty();
        var saved = (await h.Store.GetAsync("conn1"))!;
        saved.Status.ShouldBe(ConnectionStatus.NeedsReauthorization);
        saved.StatusReason.ShouldNotBeNull().ShouldContain("refresh token revoked");
        saved.HealthAt(h.Clock.GetUtcNow()).ShouldBe(ConnectionHealth.NeedsReauthorization);
        listener.NeedsReauthorization.ShouldHaveSingleItem().Connection.ShouldBe("conn1");
        // The next run does not try the refused refresh token again.
        (await h.CallAsync("/me")).Fault.ShouldNotBeNull().Message.ShouldContain("needs re-authorization");
        h.Stub.To(TokenPath).Count.ShouldBe(1);
    }

    [Fact]
    public void Health_is_expiring_when_credentials_end_within_a_week_and_cannot_renew_themselves()
    {
        var now = new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);
        Connection With(OAuthTokens? tokens) => new() { Id = "c", ConnectorKey = "k", Tokens = tokens };

        With(null).HealthAt(now).ShouldBe(ConnectionHealth.Healthy);
        With(new OAuthTokens("at", "rt", now.AddMinutes(5), null)).HealthAt(now).ShouldBe(ConnectionHealth.Healthy);
        With(new OAuthTokens("at", null, now.AddDays(3), null)).HealthAt(now).ShouldBe(ConnectionHealth.Expiring);
        With(new OAuthTokens("at", "rt", now.AddHours(1), null, RefreshExpiresAt: now.AddDays(2))).HealthAt(now).ShouldBe(ConnectionHealth.Expiring);
        With(new OAuthTokens("at", null, now.AddMinutes(-1), null)).HealthAt(now).ShouldBe(ConnectionHealth.NeedsReauthorization);
        var json = With(new OAuthTokens("at", null, now.AddDays(3), null)).ToPublicJson(now);
        ((string?)json["health"]).ShouldBe("expiring");
    }

    [Fact]
    public async Task An_offline_fixture_simulates_an_expired_token_and_expects_the_refresh_first()
    {
        var manifest = JsonNode.Parse(TestFlows.Manifest(AuthorizationCode, TestFlows.ClientParameters))!.AsObject();
        var folder = new ConnectorFolder().Manifest(manifest.ToJsonString()).Flow(TestFlows.HttpHelper).Flow(TestFlows.CustomApiAction).Flow(TestFlows.AuthPing());
        var file = folder.Fixture("expired", $$"""
            { "description": "an expired token is refreshed before the call", "flow": "customApiAction",
              "connection": { "clientId": "fixture-client", "clientSecret": "fake-secret" },
              "tokens": { "accessToken": "at-old", "refreshToken": "rt-old", "expiresIn": -60 },
              "inputs": { "requestType": "GET", "relativeUrl": "/me" },
              "exchanges": [
                { "request": { "method": "POST", "path": "{{TokenPath}}" },
                  "response": { "status": 200, "headers": { "content-type": "application/json" }, "body": { "access_token": "at-new", "expires_in": 3600, "refresh_token": "rt-new" } } },
                { "request": { "method": "GET", "path": "/me" },
                  "response": { "status": 200, "headers": { "content-type": "application/json" }, "body": { "ok": true } } } ] }
            """);

        var report = await Testing.FixtureRunner.RunAsync(folder.Load(), file);

        report.Differences.ShouldBeEmpty();
    }
}
