using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Server.Hosting.Access;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FlowConnectors.Server.Tests.Access;

/// <summary>Sign-in, API keys, lockout, the four-eyes rule and the audit log, against the real server.</summary>
public sealed class AccessTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task The_sign_in_url_opens_a_strict_http_only_session_once_and_changes_need_the_csrf_token()
    {
        var token = Server.Services.GetRequiredService<SignInTokens>().Issue(fixture.UserIds["viewer"], TimeSpan.FromMinutes(15));
        using var browser = fixture.Browser();
        var signIn = await browser.GetAsync($"/signin?token={token}");
        signIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        signIn.Headers.Location!.ToString().ShouldBe("/");
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("fc_session=", StringComparison.Ordinal)).ToLowerInvariant();
        cookie.ShouldContain("httponly");
        cookie.ShouldContain("samesite=strict");
        cookie.ShouldNotContain("expires="); // a session cookie

        using var again = fixture.Browser();
        using (var used = await again.GetAsync($"/signin?token={token}"))
        {
            // Back to the designer, which says the link was used; no session.
            used.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            used.Headers.Location!.ToString().ShouldBe("/?signIn=failed&reason=link");
            used.Headers.Contains("Set-Cookie").ShouldBeFalse();
        }

        var session = (await browser.GetFromJsonAsync<JsonNode>("/auth/session"))!;
        ((bool)session["signedIn"]!).ShouldBeTrue();
        ((string)session["user"]!["userName"]!).ShouldBe("matrix-viewer");
        session["permissions"]!.AsArray().Select(p => (string)p!).ShouldContain("flows.read");
        (await browser.GetAsync("/api/flows")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // A change without the antiforgery token is refused, with it the request goes on (to the role check: a viewer makes no keys? it may).
        var withoutToken = await browser.PostAsJsonAsync("/api/keys", new { name = "x" });
        withoutToken.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await withoutToken.Content.ReadAsStringAsync()).ShouldContain("X-CSRF-Token");
        using var withToken = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = JsonContent.Create(new { name = "from-session" }) };
        withToken.Headers.Add("X-CSRF-Token", (string)session["csrfToken"]!);
        (await browser.SendAsync(withToken)).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task An_expired_revoked_or_unknown_key_answers_401_with_the_same_words()
    {
        using var owner = fixture.KeyClient(TestServer.ApiKey);
        var expiring = (await (await owner.PostAsJsonAsync("/api/keys", new { name = "expiring", expiresInDays = 1 })).Content.ReadFromJsonAsync<JsonNode>())!;
        var revoked = (await (await owner.PostAsJsonAsync("/api/keys", new { name = "revoked" })).Content.ReadFromJsonAsync<JsonNode>())!;
        using var expiringClient = fixture.KeyClient((string)expiring["key"]!);
        using var revokedClient = fixture.KeyClient((string)revoked["key"]!);
        (await expiringClient.GetAsync("/api/flows")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await revokedClient.GetAsync("/api/flows")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await owner.DeleteAsync($"/api/keys/{(string)revoked["id"]!}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        Server.Clock.Advance(TimeSpan.FromDays(2));

        using var unknown = fixture.KeyClient("fc_not-a-key");
        var bodies = new List<string>();
        foreach (var client in new[] { expiringClient, revokedClient, unknown })
        {
            var response = await client.GetAsync("/api/flows");
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }
        bodies.Distinct().Count().ShouldBe(1);
        bodies[0].ShouldContain("the API key is not valid");

        var listed = (await owner.GetFromJsonAsync<JsonArray>("/api/keys"))!;
        var byId = listed.ToDictionary(k => (string)k!["id"]!, k => k!);
        ((string)byId[(string)expiring["id"]!]["status"]!).ShouldBe("expired");
        ((string)byId[(string)revoked["id"]!]["status"]!).ShouldBe("revoked");
        byId[(string)revoked["id"]!]["lastUsedAt"].ShouldNotBeNull();
        listed.ShouldAllBe(k => k!["key"] == null); // shown once, at creation
    }

    [Fact]
    public async Task A_scoped_key_does_only_what_its_scopes_say_and_no_key_gets_more_than_its_maker()
    {
        using var editor = fixture.KeyClient(fixture.Keys["editor"]);
        var made = await editor.PostAsJsonAsync("/api/keys", new { name = "read-only", scopes = new[] { "flows.read" } });
        made.StatusCode.ShouldBe(HttpStatusCode.Created);
        using var readOnly = fixture.KeyClient((string)(await made.Content.ReadFromJsonAsync<JsonNode>())!["key"]!);
        (await readOnly.GetAsync("/api/flows")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var refused = await readOnly.PostAsJsonAsync("/api/flows/hello/draft/publish", new { });
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("scopes do not include flows.publish");

        var escalate = await readOnly.PostAsJsonAsync("/api/keys", new { name = "more", scopes = new[] { "flows.write" } });
        escalate.StatusCode.ShouldBe(HttpStatusCode.Forbidden); // a flows.read key has no keys.own

        using var viewer = fixture.KeyClient(fixture.Keys["viewer"]);
        var beyond = await viewer.PostAsJsonAsync("/api/keys", new { name = "more", scopes = new[] { "flows.read", "flows.write" } });
        beyond.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = (await beyond.Content.ReadFromJsonAsync<JsonNode>())!;
        ((string)problem["errors"]![0]!["path"]!).ShouldBe("$.scopes[1]");
    }

    [Fact]
    public async Task Wrong_passwords_lock_the_account_and_then_the_right_one_is_refused_too()
    {
        var created = await Server.Client.PostAsJsonAsync("/api/users", new { userName = "lockme", password = AccessFixture.Password, roles = new[] { "viewer" } });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        using var browser = fixture.Browser();
        for (var i = 0; i < 2; i++)
        {
            var wrong = await browser.PostAsJsonAsync("/auth/login", new { userName = "lockme", password = "not the password" });
            wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await wrong.Content.ReadAsStringAsync()).ShouldContain("wrong user name or password");
        }
        var third = await browser.PostAsJsonAsync("/auth/login", new { userName = "lockme", password = "not the password" });
        (await third.Content.ReadAsStringAsync()).ShouldContain("locked");
        var right = await browser.PostAsJsonAsync("/auth/login", new { userName = "lockme", password = AccessFixture.Password });
        right.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await right.Content.ReadAsStringAsync()).ShouldContain("locked");
        var user = (await Server.GetJsonAsync($"/api/users/{(string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["id"]!}"));
        user["lockedOutUntil"].ShouldNotBeNull();
    }

    [Fact]
    public async Task A_submitter_cannot_approve_their_own_catalog_submission_and_another_reviewer_can()
    {
        var (_, both) = await fixture.CreateUserWithKeyAsync("editor-reviewer", ["editor", "catalog-reviewer"]);
        using var submitter = fixture.KeyClient(both);
        var submitted = await submitter.PostAsync("/api/catalog/export/slack/submit", null);
        submitted.IsSuccessStatusCode.ShouldBeTrue(await submitted.Content.ReadAsStringAsync());
        var version = (string)(await submitted.Content.ReadFromJsonAsync<JsonNode>())!["version"]!;

        using var editor = fixture.KeyClient(fixture.Keys["editor"]);
        (await editor.PostAsJsonAsync($"/api/catalog/slack/{version}/review", new { status = "approved" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var self = await submitter.PostAsJsonAsync($"/api/catalog/slack/{version}/review", new { status = "approved" });
        self.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await self.Content.ReadAsStringAsync()).ShouldContain("submitted by you");

        using var reviewer = fixture.KeyClient(fixture.Keys["catalog-reviewer"]);
        var approved = await reviewer.PostAsJsonAsync($"/api/catalog/slack/{version}/review", new { status = "approved" });
        approved.StatusCode.ShouldBe(HttpStatusCode.OK, await approved.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_audit_log_records_a_publish_a_deauthorize_and_a_denied_request_with_who_and_the_request_id()
    {
        using var owner = fixture.KeyClient(TestServer.ApiKey);
        var publish = await owner.PostAsync("/api/flows/hello/versions/1/publish", null);
        publish.StatusCode.ShouldBe(HttpStatusCode.OK, await publish.Content.ReadAsStringAsync());
        var publishRequest = publish.Headers.GetValues("X-Request-Id").Single();

        var connection = await owner.PostAsJsonAsync("/api/connections", new { connector = "slack", name = "audited", values = new { token = "xoxb-audit" } });
        var connectionId = (string)(await connection.Content.ReadFromJsonAsync<JsonNode>())!["id"]!;
        var deauthorize = await owner.PostAsync($"/api/connections/{connectionId}/deauthorize", null);
        var deauthorizeRequest = deauthorize.Headers.GetValues("X-Request-Id").Single();

        using var viewer = fixture.KeyClient(fixture.Keys["viewer"]);
        var denied = await viewer.PostAsync("/api/flows/hello/versions/1/publish", null);
        denied.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var deniedRequest = denied.Headers.GetValues("X-Request-Id").Single();

        using var editor = fixture.KeyClient(fixture.Keys["editor"]);
        (await editor.GetAsync("/api/audit")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var admin = fixture.KeyClient(fixture.Keys["admin"]);
        var entries = (await admin.GetFromJsonAsync<JsonArray>("/api/audit?take=1000"))!;
        JsonNode Entry(string requestId) => entries.Single(e => (string)e!["requestId"]! == requestId)!;

        var published = Entry(publishRequest);
        ((string)published["action"]!).ShouldBe("POST /api/flows/{id}/versions/{version:int}/publish");
        ((int)published["status"]!).ShouldBe(200);
        ((string)published["userId"]!).ShouldNotBeNullOrEmpty();
        ((string)published["keyId"]!).ShouldStartWith("key_");
        ((string)published["target"]!).ShouldContain("id=hello");

        var deauthorized = Entry(deauthorizeRequest);
        ((string)deauthorized["action"]!).ShouldBe("POST /api/connections/{id}/deauthorize");
        ((string)deauthorized["target"]!).ShouldBe($"id={connectionId}");

        var refused = Entry(deniedRequest);
        ((int)refused["status"]!).ShouldBe(403);
        ((string)refused["userName"]!).ShouldBe("matrix-viewer");
        ((string)refused["detail"]!).ShouldBe("needs flows.publish");
    }

    [Fact]
    public async Task The_first_start_owner_chooses_a_name_and_password_through_the_sign_in_url_and_then_signs_in_with_them()
    {
        var session = await Server.GetJsonAsync("/api/users");
        var owner = session.AsArray().Single(u => u!["roles"]!.AsArray().Any(r => (string)r! == "owner"))!;
        var token = Server.Services.GetRequiredService<SignInTokens>().Issue((string)owner["id"]!, TimeSpan.FromMinutes(15));
        using var browser = fixture.Browser();
        (await browser.GetAsync($"/signin?token={token}")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var me = (await browser.GetFromJsonAsync<JsonNode>("/auth/session"))!;
        if ((bool)me["user"]!["setupPending"]!)
        {
            using var setup = new HttpRequestMessage(HttpMethod.Post, "/auth/setup") { Content = JsonContent.Create(new { userName = "ada", password = AccessFixture.Password }) };
            setup.Headers.Add("X-CSRF-Token", (string)me["csrfToken"]!);
            var done = await browser.SendAsync(setup);
            done.StatusCode.ShouldBe(HttpStatusCode.OK, await done.Content.ReadAsStringAsync());
        }
        using var later = fixture.Browser();
        var csrf = await AccessFixture.SignInAsync(later, "ada", AccessFixture.Password);
        csrf.ShouldNotBeNullOrEmpty();
        (await later.GetFromJsonAsync<JsonNode>("/auth/session"))!["permissions"]!.AsArray().Select(p => (string)p!).ShouldContain("catalog.review");
    }
}
