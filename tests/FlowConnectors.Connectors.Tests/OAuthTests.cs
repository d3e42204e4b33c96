using System.Text;
using FlowConnectors.Connectors.Connections;
using Microsoft.AspNetCore.Http;

namespace FlowConnectors.Connectors.Tests;

/// <summary>OAuth 2.0 client credentials and authorization code against a local token endpoint and API.</summary>
public sealed class OAuthTests
{
    private const string TokenPath = "/oauth2/token";
    private const string ClientSecret = "cc-secret-value:1";

    private static string ClientCredentials(string clientAuthentication) => $$"""
    { "kind": "oauth2ClientCredentials", "tokenUrl": "https://login.example.com{{TokenPath}}",
      "clientIdParameter": "clientId", "clientSecretParameter": "clientSecret",
      "scope": "read write", "clientAuthentication": "{{clientAuthentication}}" }
    """;

    private const string AuthorizationCode = $$"""
    { "kind": "oauth2AuthorizationCode", "authorizeUrl": "https://login.example.com/authorize", "tokenUrl": "https://login.example.com{{TokenPath}}",
      "clientIdParameter": "clientId", "clientSecretParameter": "clientSecret", "scope": "offline_access" }
    """;

    /// <summary>
    /// A token endpoint issuing at-1, at-2, … (and rt-1, rt-2, … on refresh), and an API that accepts
    /// only the bearer tokens listed in <paramref name="accepted"/> (any issued token when null).
    /// </summary>
    private static Func<HttpContext, StubRequest, Task> TokenServerAndApi(Func<string?, bool>? accepted = null)
    {
        var issued = 0;
        return (context, request) =>
        {
            if (request.Path == TokenPath)
            {
                var n = Interlocked.Increment(ref issued);
                var refresh = request.Form("grant_type") == "refresh_token" ? $", \"refresh_token\": \"rt-new-{n}\"" : "";
                return Respond.Json(context, 200, $$"""{ "access_token": "at-new-{{n}}", "token_type": "Bearer", "expires_in": 3600{{refresh}} }""");
            }
            var authorization = request.Header("Authorization");
            var ok = accepted?.Invoke(authorization) ?? authorization?.StartsWith("Bearer at-new-", StringComparison.Ordinal) == true;
            return ok ? Respond.Json(context, 200, """{ "ok": true }""") : Respond.Json(context, 401, """{ "message": "invalid token" }""");
        };
    }

    private static Task<Connection> ConnectClientAsync(Harness h) =>
        h.ConnectAsync(("clientId", "my-client"), ("clientSecret", ClientSecret));

    [Fact]
    public async Task Client_credentials_with_client_secret_basic_authenticate_the_token_request_with_a_basic_header()
    {
        using var folder = TestFlows.Connector(ClientCredentials("client_secret_basic"), TestFlows.ClientParameters);
        await using var h = await Harness.StartAsync(folder.Load(), TokenServerAndApi());
        await ConnectClientAsync(h);

        (await h.CallAsync("/users")).ShouldHaveFinished();

        var token = h.Stub.To(TokenPath).ShouldHaveSingleItem();
        token.Method.ShouldBe("POST");
        // RFC 6749 2.3.1: id and secret are form-encoded before they are joined.
        token.Header("Authorization").ShouldBe("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("my-client:cc-secret-value%3A1")));
        token.Form("grant_type").ShouldBe("client_credentials");
        token.Form("scope").ShouldBe("read write");
        token.Form("client_secret").ShouldBeNull();
        token.BodyText.ShouldNotContain("cc-secret-value");
        h.Stub.To("/users").ShouldHaveSingleItem().Header("Authorization").ShouldBe("Bearer at-new-1");
    }

    [Fact]
    public async Task Client_credentials_with_client_secret_post_send_the_client_in_the_form()
    {
        using var folder = TestFlows.Connector(ClientCredentials("client_secret_post"), TestFlows.ClientParameters);
        await using var h = await Harness.StartAsync(folder.Load(), TokenServerAndApi());
        await ConnectClientAsync(h);

        (await h.CallAsync("/users")).ShouldHaveFinished();

        var token = h.Stub.To(TokenPath).ShouldHaveSingleItem();
        token.Header("Authorization").ShouldBeNull();
        token.Form("grant_type").ShouldBe("client_credentials");
        token.Form("scope").ShouldBe("read write");
        token.Form("client_id").ShouldBe("my-client");
        token.Form("client_secret").ShouldBe(ClientSecret);
        h.Stub.To("/users").ShouldHaveSingleItem().Header("Authorization").ShouldBe("Bearer at-new-1");
    }

    [Fact]
    public async Task Client_credentials_token_is_cached_until_shortly_before_expiry()
    {
        using var folder = TestFlows.Connector(ClientCredentials("client_secret_basic"), TestFlows.ClientParameters);
        await using var h = await Harness.StartAsync(folder.Load(), TokenServerAndApi());
        await ConnectClientAsync(h);

        for (var i = 0; i < 3; i++) (await h.CallAsync("/users")).ShouldHaveFinished();
        h.Stub.To(TokenPath).Count.ShouldBe(1);

        // expires_in 3600: still good 61 s before expiry …
        h.Clock.Advance(TimeSpan.FromSeconds(3539));
        (await h.CallAsync("/users")).ShouldHaveFinished();
        h.Stub.To(TokenPath).Count.ShouldBe(1);

        // … stale from 60 s before expiry on.
        h.Clock.Advance(TimeSpan.FromSeconds(2));
        (await h.CallAsync("/users")).ShouldHaveFinished();
        h.Stub.To(TokenPath).Count.ShouldBe(2);
        h.Stub.To("/users").Select(r => r.Header("Authorization"))
            .ShouldBe(["Bearer at-new-1", "Bearer at-new-1", "Bearer at-new-1", "Bearer at-new-1", "Bearer at-new-2"]);
    }

    [Fact]
    public async Task Client_credentials_401_fetches_a_new_token_once_and_retries_once()
    {
        using var folder = TestFlows.Connector(ClientCredentials("client_secret_basic"), TestFlows.ClientParameters);
        await using var h = await Harness.StartAsync(folder.Load(), TokenServerAndApi(auth => auth == "Bearer at-new-2"));
        await ConnectClientAsync(h);

        var run = (await h.CallAsync("/users")).ShouldHaveFinished();

        run.Outputs["statusCode"].Number().ShouldBe(200);
        h.Stub.To(TokenPath).Count.ShouldBe(2);
        h.Stub.To("/users").Select(r => r.Header("Authorization")).ShouldBe(["Bearer at-new-1", "Bearer at-new-2"]);
    }

    [Fact]
    public async Task Token_endpoint_errors_fault_naming_error_and_description_but_not_the_secret()
    {
        using var folder = TestFlows.Connector(ClientCredentials("client_secret_post"), TestFlows.ClientParameters);
        await using var h = await Harness.StartAsync(folder.Load(), (c, _) =>
            Respond.Json(c, 401, """{ "error": "invalid_client", "error_description": "Client authentication failed" }"""));
        await ConnectClientAsync(h);

        var run = await h.CallAsync("/users");

        var message = run.FaultMessage();
        message.ShouldContain("invalid_client");
        message.ShouldContain("Client authentication failed");
        run.Traces().ShouldNotContain(ClientSecret);
        h.Stub.To("/users").ShouldBeEmpty();
    }

    [Fact]
    public async Task A_token_response_that_is_not_json_faults_naming_the_content_type_and_first_bytes()
    {
        using var folder = TestFlows.Connector(ClientCredentials("client_secret_basic"), TestFlows.ClientParameters);
        await using var h = await Harness.StartAsync(folder.Load(), (c, _) =>
            Respond.Text(c, 200, "<!DOCTYPE html><html><body>Please sign in</body></html>", "text/html; charset=utf-8"));
        await ConnectClientAsync(h);

        var message = (await h.CallAsync("/users")).FaultMessage();

        message.ShouldContain("text/html");
        message.ShouldContain("<!DOCTYPE html><html><body>Please sign in");
        h.Stub.To("/users").ShouldBeEmpty();
    }

    // --- authorization code -------------------------------------------------------------------

    private static async Task<Connection> SignedInAsync(Harness h, TimeSpan expiresIn)
    {
        var connection = await ConnectClientAsync(h);
        connection.Tokens = new OAuthTokens("at-old-1", "rt-old-1", h.Clock.GetUtcNow() + expiresIn, "offline_access");
        await h.Store.SaveAsync(connection);
        return connection;
    }

    [Fact]
    public async Task Authorization_code_uses_the_stored_access_token_while_it_is_valid()
    {
        using var folder = TestFlows.Connector(AuthorizationCode, TestFlows.ClientParameters);
        await using var h = await Harness.StartAsync(folder.Load(), TokenServerAndApi(auth => auth == "Bearer at-old-1"));
        await SignedInAsync(h, TimeSpan.FromHours(1));

        (await h.CallAsync("/me")).ShouldHaveFinished();

        h.Stub.To(TokenPath).ShouldBeEmpty();
        h.Stub.To("/me").ShouldHaveSingleItem().Header("Authorization").ShouldBe("Bearer at-old-1");
    }

    [Fact]
    public async Task Authorization_code_refreshes_an_expired_token_and_saves_the_new_tokens_encrypted()
    {
        using var store = new TempFolder();
        using var folder = TestFlows.Connector(AuthorizationCode, TestFlows.ClientParameters);
        await using var h = await Harness.StartAsync(folder.Load(), TokenServerAndApi(), new FileConnectionStore(store.Path));
        await SignedInAsync(h, TimeSpan.FromMinutes(-1));

        (await h.CallAsync("/me")).ShouldHaveFinished();

        var refresh = h.Stub.To(TokenPath).ShouldHaveSingleItem();
        refresh.Form("grant_type").ShouldBe("refresh_token");
        refresh.Form("refresh_token").ShouldBe("rt-old-1");
        refresh.Header("Authorization").ShouldStartWith("Basic ");
        h.Stub.To("/me").ShouldHaveSingleItem().Header("Authorization").ShouldBe("Bearer at-new-1");

        var saved = (await new FileConnectionStore(store.Path).GetAsync("conn1"))!;
        saved.Tokens!.AccessToken.ShouldBe("at-new-1");
        saved.Tokens.RefreshToken.ShouldBe("rt-new-1");
        saved.Tokens.ExpiresAt.ShouldBe(h.Clock.GetUtcNow().AddSeconds(3600));
        var raw = await File.ReadAllTextAsync(Path.Combine(store.Path, "conn1.connection.json"));
        raw.ShouldNotContain("at-new-1");
        raw.ShouldNotContain("rt-new-1");
        raw.ShouldNotContain(ClientSecret);
    }

    [Fact]
    public async Task Authorization_code_401_refreshes_once_and_retries_with_the_new_token()
    {
        using var folder = TestFlows.Connector(AuthorizationCode, TestFlows.ClientParameters);
        await using var h = await Harness.StartAsync(folder.Load(), TokenServerAndApi(auth => auth == "Bearer at-new-1"));
        await SignedInAsync(h, TimeSpan.FromHours(1));

        (await h.CallAsync("/me")).ShouldHaveFinished();

        h.Stub.To(TokenPath).ShouldHaveSingleItem().Form("refresh_token").ShouldBe("rt-old-1");
        h.Stub.To("/me").Select(r => r.Header("Authorization")).ShouldBe(["Bearer at-old-1", "Bearer at-new-1"]);
        (await h.Store.GetAsync("conn1"))!.Tokens!.AccessToken.ShouldBe("at-new-1");
    }

    [Fact]
    public async Task Authorization_code_second_401_faults_without_leaking_any_token_or_the_client_secret()
    {
        using var folder = TestFlows.Connector(AuthorizationCode, TestFlows.ClientParameters);
        await using var h = await Harness.StartAsync(folder.Load(), TokenServerAndApi(_ => false));
        await SignedInAsync(h, TimeSpan.FromHours(1));

        var run = await h.CallAsync("/me");

        run.FaultMessage().ShouldContain("authentication failed");
        h.Stub.To(TokenPath).Count.ShouldBe(1);
        h.Stub.To("/me").Count.ShouldBe(2);
        var traces = run.Traces();
        foreach (var secret in new[] { "at-old-1", "rt-old-1", "at-new-1", "rt-new-1", ClientSecret })
            traces.ShouldNotContain(secret);
    }

    [Fact]
    public async Task Authorization_code_without_tokens_faults_asking_to_sign_in()
    {
        using var folder = TestFlows.Connector(AuthorizationCode, TestFlows.ClientParameters);
        await using var h = await Harness.StartAsync(folder.Load(), TokenServerAndApi());
        await ConnectClientAsync(h);

        (await h.CallAsync("/me")).FaultMessage().ShouldContain("not signed in");
        h.Stub.Hits.ShouldBe(0);
    }
}
