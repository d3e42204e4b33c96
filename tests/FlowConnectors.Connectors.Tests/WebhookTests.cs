using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Cards;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Connectors.Webhooks;

namespace FlowConnectors.Connectors.Tests;

/// <summary>Webhook event cards: registration with the signing secret, signed deliveries, deregistration.</summary>
public sealed class WebhookTests
{
    private const string WebhookSecret = "whsec-test-0123456789";
    private const string EventUrl = "https://flows.example.com/webhooks/4b1f0c2d9e8a7b6c";

    private const string Parameters = """
    [ { "name": "token", "label": "Token", "type": "password", "required": true },
      { "name": "webhookSecret", "label": "Webhook secret", "type": "password" } ]
    """;

    private static string RegisterHook(bool secretInput = true) => $$"""
    {
      "format": 1, "id": "registerHook",
      "inputs": [
        { "name": "eventUrl", "type": "string", "required": true },
        { "name": "repo", "type": "string" },
        { "name": "signingSecret", "type": "string", "secret": {{(secretInput ? "true" : "false")}} } ],
      "outputs": [ { "name": "registration", "type": "object" } ],
      "nodes": [
        { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": {
            "relative_url": "/hooks", "request_method": "POST",
            "body": { "url": { "js": "input.eventUrl" }, "secret": { "js": "input.signingSecret" }, "repo": { "js": "input.repo" } } } } },
        { "id": "done", "type": "Return", "inputs": { "outputs": {
            "registration": { "js": "({ id: nodes.call.outputs.body.id, repo: input.repo })" } } } }
      ],
      "connections": [ { "from": "call:done", "to": "done" } ],
      "card": { "kind": "helper", "label": "Register hook" }
    }
    """;

    private const string DeregisterHook = """
    {
      "format": 1, "id": "deregisterHook",
      "inputs": [ { "name": "registration", "type": "object", "required": true } ],
      "nodes": [
        { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": {
            "relative_url": { "js": "'/hooks/' + input.registration.id" }, "request_method": "DELETE" } } },
        { "id": "done", "type": "Return" }
      ],
      "connections": [ { "from": "call:done", "to": "done" } ],
      "card": { "kind": "helper", "label": "Deregister hook" }
    }
    """;

    private static string EventFlow(string id, string signature) => $$"""
    {
      "format": 1, "id": "{{id}}",
      "inputs": [
        { "name": "repo", "type": "string" },
        { "name": "headers", "type": "object" },
        { "name": "query", "type": "object" },
        { "name": "body", "type": "object" } ],
      "outputs": [
        { "name": "action", "type": "string" },
        { "name": "number", "type": "integer" },
        { "name": "repo", "type": "string" },
        { "name": "delivery", "type": "string" },
        { "name": "source", "type": "string" } ],
      "nodes": [ { "id": "map", "type": "Return", "inputs": { "outputs": {
          "action": { "js": "input.body.action" },
          "number": { "js": "input.body.number" },
          "repo": { "js": "input.repo" },
          "delivery": { "js": "input.headers['x-delivery']" },
          "source": { "js": "input.query.source" } } } } ],
      "connections": [],
      "card": { "kind": "event", "label": "{{id}}", "options": [ "repo" ],
                "registration": "registerHook", "deregistration": "deregisterHook", "signature": {{signature}} }
    }
    """;

    private static ConnectorFolder Connector(bool secretInput = true) =>
        TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""", Parameters)
            .Flow(RegisterHook(secretInput))
            .Flow(DeregisterHook)
            .Flow(EventFlow("onIssue", """{ "style": "github", "header": "X-Hub-Signature-256", "prefix": "sha256=", "secretParameter": "webhookSecret" }"""))
            .Flow(EventFlow("onSlackEvent", """{ "style": "slack", "secretParameter": "webhookSecret" }"""));

    private static Task<Harness> StartAsync(ConnectorFolder folder) =>
        Harness.StartAsync(folder.Load(), (c, r) => r.Method == "POST"
            ? Respond.Json(c, 201, """{ "id": 4711, "active": true }""")
            : Respond.Status(c, 204));

    private static Task ConnectAsync(Harness h) => h.ConnectAsync(("token", "tok-123456"), ("webhookSecret", WebhookSecret));

    private static SignatureSettings Signature(Harness h, string flow) => h.Package.FindFlow(flow)!.Card!.Signature!;

    private static readonly byte[] IssueBody = Encoding.UTF8.GetBytes("""{"action":"opened","number":42,"issue":{"title":"Bug"}}""");

    [Fact]
    public async Task Registering_runs_the_registration_flow_with_the_event_url_options_and_signing_secret()
    {
        using var folder = Connector();
        await using var h = await StartAsync(folder);
        await ConnectAsync(h);

        var registration = await h.Runtime.Webhooks.RegisterWebhookAsync(h.Key, "onIssue", "conn1", EventUrl, new JsonObject { ["repo"] = "octo/hello" });

        registration!.ToJsonString().ShouldBe("""{"id":4711,"repo":"octo/hello"}""");
        var request = h.Stub.Requests.ShouldHaveSingleItem();
        (request.Method, request.Path).ShouldBe(("POST", "/hooks"));
        request.Header("Authorization").ShouldBe("Bearer tok-123456");
        var body = JsonNode.Parse(request.BodyText)!;
        body["url"].Text().ShouldBe(EventUrl);
        body["secret"].Text().ShouldBe(WebhookSecret);
        body["repo"].Text().ShouldBe("octo/hello");
    }

    [Fact]
    public async Task The_signing_secret_is_redacted_in_the_registration_flow_journal()
    {
        using var folder = Connector();
        await using var h = await StartAsync(folder);
        await ConnectAsync(h);

        // The registration flow as the runtime runs it: the secret arrives as its secret input.
        var run = (await h.Runtime.Actions.RunFlowAsync(h.Key, "registerHook", "conn1", new JsonObject
        {
            ["eventUrl"] = EventUrl,
            ["repo"] = "octo/hello",
            ["signingSecret"] = WebhookSecret,
        })).ShouldHaveFinished();

        h.Stub.Requests.ShouldHaveSingleItem().BodyText.ShouldContain(WebhookSecret);
        run.Journal.ShouldNotBeEmpty();
        run.Traces().ShouldNotContain(WebhookSecret);
        run.Traces().ShouldContain(EventUrl);
    }

    [Fact]
    public async Task A_registration_flow_whose_signing_secret_input_is_not_marked_secret_is_refused()
    {
        using var folder = Connector(secretInput: false);
        await using var h = await StartAsync(folder);
        await ConnectAsync(h);

        var error = await Should.ThrowAsync<ConnectorException>(() => h.Runtime.Webhooks.RegisterWebhookAsync(h.Key, "onIssue", "conn1", EventUrl, null));

        error.Message.ShouldBe("input 'signingSecret' of 'registerHook' must be marked secret");
        h.Stub.Hits.ShouldBe(0);
    }

    [Fact]
    public async Task Deregistering_passes_the_registration_back_to_the_deregistration_flow()
    {
        using var folder = Connector();
        await using var h = await StartAsync(folder);
        await ConnectAsync(h);

        await h.Runtime.Webhooks.DeregisterWebhookAsync(h.Key, "onIssue", "conn1", JsonNode.Parse("""{ "id": 4711, "repo": "octo/hello" }"""));

        h.Stub.Requests.ShouldHaveSingleItem().ToString().ShouldBe("DELETE /hooks/4711");
    }

    [Fact]
    public async Task A_github_style_delivery_with_a_valid_signature_runs_the_event_flow_and_maps_its_outputs()
    {
        using var folder = Connector();
        await using var h = await StartAsync(folder);
        await ConnectAsync(h);
        var headers = new Dictionary<string, string>
        {
            ["X-Hub-Signature-256"] = WebhookSignatureVerifier.Sign(Signature(h, "onIssue"), WebhookSecret, IssueBody),
            ["X-Delivery"] = "d-1",
            ["Content-Type"] = "application/json",
        };

        var (check, run) = await h.Runtime.Webhooks.HandleWebhookAsync(h.Key, "onIssue", "conn1", headers, new JsonObject { ["source"] = "gh" }, IssueBody,
            new JsonObject { ["repo"] = "octo/hello" });

        check.IsValid.ShouldBeTrue();
        run!.ShouldHaveFinished().OutputsAsJson().ToJsonString()
            .ShouldBe("""{"action":"opened","number":42,"repo":"octo/hello","delivery":"d-1","source":"gh"}""");
    }

    public static TheoryData<string, string> BadGithubDeliveries() => new()
    {
        { "wrong secret", "signature does not match" },
        { "missing header", "missing signature header X-Hub-Signature-256" },
        { "tampered body", "signature does not match" },
        { "no prefix", "must start with 'sha256='" },
        { "not hex", "is not valid hex" },
    };

    [Theory]
    [MemberData(nameof(BadGithubDeliveries))]
    public async Task A_github_style_delivery_with_a_bad_signature_is_refused_and_no_flow_runs(string problem, string reason)
    {
        using var folder = Connector();
        await using var h = await StartAsync(folder);
        await ConnectAsync(h);
        var settings = Signature(h, "onIssue");
        var body = IssueBody;
        var headers = new Dictionary<string, string> { ["X-Hub-Signature-256"] = WebhookSignatureVerifier.Sign(settings, WebhookSecret, body) };
        switch (problem)
        {
            case "wrong secret": headers["X-Hub-Signature-256"] = WebhookSignatureVerifier.Sign(settings, "another-secret", body); break;
            case "missing header": headers.Clear(); break;
            case "tampered body": body = Encoding.UTF8.GetBytes("""{"action":"deleted","number":42,"issue":{"title":"Bug"}}"""); break;
            case "no prefix": headers["X-Hub-Signature-256"] = headers["X-Hub-Signature-256"]["sha256=".Length..]; break;
            case "not hex": headers["X-Hub-Signature-256"] = "sha256=not-hex-at-all"; break;
        }

        var (check, run) = await h.Runtime.Webhooks.HandleWebhookAsync(h.Key, "onIssue", "conn1", headers, [], body);

        check.IsValid.ShouldBeFalse();
        check.Reason!.ShouldContain(reason);
        check.Reason!.ShouldNotContain(WebhookSecret);
        run.ShouldBeNull();
    }

    [Fact]
    public async Task A_connection_without_a_signing_secret_refuses_every_delivery()
    {
        using var folder = Connector();
        await using var h = await StartAsync(folder);
        await h.ConnectAsync(("token", "tok-123456"));

        var (check, run) = await h.Runtime.Webhooks.HandleWebhookAsync(h.Key, "onIssue", "conn1",
            new Dictionary<string, string> { ["X-Hub-Signature-256"] = WebhookSignatureVerifier.Sign(Signature(h, "onIssue"), "", IssueBody) }, [], IssueBody);

        check.ShouldBe(SignatureCheck.Invalid("the connection has no signing secret"));
        run.ShouldBeNull();
    }

    private static Dictionary<string, string> SlackHeaders(Harness h, byte[] body, long timestamp) => new()
    {
        ["X-Slack-Signature"] = WebhookSignatureVerifier.Sign(Signature(h, "onSlackEvent"), WebhookSecret, body, timestamp),
        ["X-Slack-Request-Timestamp"] = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task A_slack_style_delivery_with_a_fresh_timestamp_and_v0_signature_passes()
    {
        using var folder = Connector();
        await using var h = await StartAsync(folder);
        await ConnectAsync(h);
        var headers = SlackHeaders(h, IssueBody, h.Clock.GetUtcNow().AddSeconds(-30).ToUnixTimeSeconds());
        headers["X-Slack-Signature"].ShouldStartWith("v0=");

        var (check, run) = await h.Runtime.Webhooks.HandleWebhookAsync(h.Key, "onSlackEvent", "conn1", headers, [], IssueBody);

        check.IsValid.ShouldBeTrue(check.Reason);
        run!.ShouldHaveFinished().Outputs["action"].Text().ShouldBe("opened");
    }

    [Fact]
    public async Task A_slack_style_delivery_older_than_five_minutes_is_refused_as_a_replay()
    {
        using var folder = Connector();
        await using var h = await StartAsync(folder);
        await ConnectAsync(h);
        var headers = SlackHeaders(h, IssueBody, h.Clock.GetUtcNow().ToUnixTimeSeconds());
        h.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        var (check, run) = await h.Runtime.Webhooks.HandleWebhookAsync(h.Key, "onSlackEvent", "conn1", headers, [], IssueBody);

        check.IsValid.ShouldBeFalse();
        check.Reason.ShouldBe("the request timestamp is too old (possible replay)");
        run.ShouldBeNull();
    }

    [Fact]
    public async Task A_slack_style_signature_is_bound_to_its_timestamp()
    {
        using var folder = Connector();
        await using var h = await StartAsync(folder);
        await ConnectAsync(h);
        var now = h.Clock.GetUtcNow().ToUnixTimeSeconds();
        var headers = SlackHeaders(h, IssueBody, now);
        headers["X-Slack-Request-Timestamp"] = (now - 10).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (check, run) = await h.Runtime.Webhooks.HandleWebhookAsync(h.Key, "onSlackEvent", "conn1", headers, [], IssueBody);

        check.Reason.ShouldBe("signature does not match");
        run.ShouldBeNull();
    }

    // --- the real GitHub connector, end to end --------------------------------------------------

    [Fact]
    public async Task Github_push_card_registers_a_hook_verifies_a_signed_push_and_deregisters()
    {
        var package = Repo.LoadSample("github");
        await using var h = await Harness.StartAsync(package, (c, r) => r.Method == "POST"
            ? Respond.Json(c, 201, """{ "type": "Repository", "id": 471239876, "name": "web", "active": true, "events": [ "push" ] }""", "application/json; charset=utf-8")
            : Respond.Status(c, 204));
        await h.Runtime.Connections.CreateConnectionAsync("github", "gh", new Dictionary<string, string> { ["token"] = "ghp_test_token_123", ["webhookSecret"] = WebhookSecret }, "gh");
        var options = new JsonObject { ["owner"] = "octo-org", ["repo"] = "hello-world" };

        var registration = await h.Runtime.Webhooks.RegisterWebhookAsync("github", "push", "gh", EventUrl, options);

        var create = h.Stub.Requests.ShouldHaveSingleItem();
        (create.Method, create.Path, create.Header("Authorization")).ShouldBe(("POST", "/repos/octo-org/hello-world/hooks", "Bearer ghp_test_token_123"));
        var config = JsonNode.Parse(create.BodyText)!["config"]!;
        config["url"].Text().ShouldBe(EventUrl);
        config["secret"].Text().ShouldBe(WebhookSecret);
        registration.ShouldNotBeNull();
        registration["id"].Number().ShouldBe(471239876);

        var payload = Encoding.UTF8.GetBytes("""
            {"ref":"refs/heads/main","before":"9049f1265b7d61be4a8904a9a27120d2064dab3b","after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
             "repository":{"full_name":"octo-org/hello-world"},"pusher":{"name":"monalisa"},
             "commits":[{"id":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","message":"Fix typo"}]}
            """);
        var headers = new Dictionary<string, string>
        {
            ["X-GitHub-Event"] = "push",
            ["X-GitHub-Delivery"] = "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            ["X-Hub-Signature-256"] = WebhookSignatureVerifier.Sign(Signature(h, "push"), WebhookSecret, payload),
        };
        var (check, run) = await h.Runtime.Webhooks.HandleWebhookAsync("github", "push", "gh", headers, [], payload, options);

        check.IsValid.ShouldBeTrue(check.Reason);
        var outputs = run!.ShouldHaveFinished().Outputs;
        outputs["ref"].Text().ShouldBe("refs/heads/main");
        outputs["repository"].Text().ShouldBe("octo-org/hello-world");
        outputs["pusher"].Text().ShouldBe("monalisa");
        outputs["commits"]![0]!["message"].Text().ShouldBe("Fix typo");

        var forged = new Dictionary<string, string>(headers) { ["X-Hub-Signature-256"] = WebhookSignatureVerifier.Sign(Signature(h, "push"), "guessed", payload) };
        (await h.Runtime.Webhooks.HandleWebhookAsync("github", "push", "gh", forged, [], payload, options)).Run.ShouldBeNull();

        await h.Runtime.Webhooks.DeregisterWebhookAsync("github", "push", "gh", registration);

        h.Stub.Requests.Last().ToString().ShouldBe("DELETE /repos/octo-org/hello-world/hooks/471239876");
    }
}
