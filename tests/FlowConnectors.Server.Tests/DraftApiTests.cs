using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.Server.Tests;

/// <summary>The designer's draft API: drafts are not versions, test runs and steps never publish, client mistakes are 4xx naming the field.</summary>
public sealed class DraftApiTests
{
    private const string Greeter = """
        { "format": 1, "id": "greeter", "inputs": [ { "name": "who", "type": "string" } ], "outputs": [ { "name": "text", "type": "any" } ],
          "nodes": [
            { "id": "shape", "type": "RunJavaScript", "inputs": { "code": "return 'hi ' + input.who;" } },
            { "id": "out", "type": "SetOutput", "inputs": { "name": "text", "value": { "js": "nodes.shape.result" } } } ],
          "connections": [ { "from": "shape:done", "to": "out" } ] }
        """;

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static string Draft(string flow, string pins = "{}") => $$"""{ "flow": {{flow}}, "pins": {{pins}} }""";

    [Fact]
    public async Task A_draft_test_runs_a_step_and_a_pin_without_becoming_a_version_until_published()
    {
        await using var server = await TestServer.StartAsync();
        (await server.Client.PutAsync("/api/flows/greeter/draft", Json(Draft(Greeter)))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await server.Client.GetAsync("/api/flows/greeter/versions")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var (status, run) = await server.PostJsonAsync("/api/flows/greeter/draft/run", new { inputs = new { who = "Ada" } });
        status.ShouldBe(200, run?.ToJsonString());
        ((string?)run!["outputs"]!["text"]).ShouldBe("hi Ada");
        var instance = await server.GetJsonAsync($"/api/instances/{(string)run["instanceId"]!}");
        ((int)instance["flowVersion"]!).ShouldBe(0);

        // A test step runs one node after the given upstream outputs.
        var (stepStatus, step) = await server.PostJsonAsync("/api/flows/greeter/draft/test-step",
            new { nodeId = "out", upstream = new { shape = new { result = "from the last run" } } });
        stepStatus.ShouldBe(200, step?.ToJsonString());
        ((string?)step!["status"]).ShouldBe("finished");
        ((string?)step["inputs"]!["value"]).ShouldBe("from the last run");

        // A pinned node does not run: its pinned outputs stand in for it.
        (await server.Client.PutAsync("/api/flows/greeter/draft", Json(Draft(Greeter, """{ "shape": { "outputs": { "result": "pinned" }, "outcome": "done" } }""")))).EnsureSuccessStatusCode();
        var (_, pinned) = await server.PostJsonAsync("/api/flows/greeter/draft/run", new { inputs = new { who = "Ada" } });
        ((string?)pinned!["outputs"]!["text"]).ShouldBe("pinned");

        var (publishStatus, published) = await server.PostJsonAsync("/api/flows/greeter/draft/publish", new { });
        publishStatus.ShouldBe(200, published?.ToJsonString());
        ((int)published!["version"]!).ShouldBe(1);
        (await server.GetJsonAsync("/api/flows/greeter")).ToJsonString().ShouldNotContain("pinned");
        (await server.Client.GetAsync("/api/flows/greeter/draft")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_draft_saved_over_changes_made_since_its_edit_started_is_refused_until_saved_without_a_base()
    {
        await using var server = await TestServer.StartAsync();
        async Task<(int Status, JsonNode? Body)> SaveAsync(string flow, object? started)
        {
            var body = JsonNode.Parse(Draft(flow))!.AsObject();
            if (started is not null) body["base"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(started));
            using var response = await server.Client.PutAsync("/api/flows/greeter/draft", Json(body.ToJsonString()));
            var text = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, JsonNode.Parse(text));
        }
        // Two tabs open the new flow: neither sees a version or a draft.
        var (status, first) = await SaveAsync(Greeter, new { latestVersion = (int?)null, draftUpdatedAt = (DateTimeOffset?)null });
        status.ShouldBe(200, first?.ToJsonString());
        var firstSaved = DateTimeOffset.Parse((string)first!["updatedAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        first["latestVersion"].ShouldBeNull();

        // The second tab's save would replace the first's draft: refused, naming what changed.
        var (conflict, problem) = await SaveAsync(Greeter.Replace("hi ", "hello "), new { latestVersion = (int?)null, draftUpdatedAt = (DateTimeOffset?)null });
        conflict.ShouldBe(409, problem?.ToJsonString());
        ((string)problem!["detail"]!).ShouldStartWith("flow 'greeter' was changed meanwhile: its draft was saved at ");
        ((string?)(await server.GetJsonAsync("/api/flows/greeter/draft"))["flow"]!["nodes"]![0]!["inputs"]!["code"]).ShouldBe("return 'hi ' + input.who;");

        // The first tab goes on from what it saved, read back as the draft's updatedAt.
        var draft = await server.GetJsonAsync("/api/flows/greeter/draft");
        (status, var again) = await SaveAsync(Greeter, new { latestVersion = (int?)null, draftUpdatedAt = (DateTimeOffset?)draft["updatedAt"]!.GetValue<DateTimeOffset>() });
        status.ShouldBe(200, again?.ToJsonString());

        // Published meanwhile (version 1): a save based on no version is refused too.
        (await server.PostJsonAsync("/api/flows/greeter/draft/publish", new { })).Status.ShouldBe(200);
        (conflict, problem) = await SaveAsync(Greeter, new { latestVersion = (int?)null, draftUpdatedAt = (DateTimeOffset?)firstSaved });
        conflict.ShouldBe(409);
        ((string)problem!["detail"]!).ShouldBe("flow 'greeter' was changed meanwhile: it is at version 1, this edit started from no version; "
            + "reload the flow to see them, or save without a base to replace them");

        // Based on version 1 and no draft it saves, and so does a save without a base (the API's and an overwrite's).
        (status, var onOne) = await SaveAsync(Greeter, new { latestVersion = 1, draftUpdatedAt = (DateTimeOffset?)null });
        status.ShouldBe(200, onOne?.ToJsonString());
        ((int)onOne!["latestVersion"]!).ShouldBe(1);
        (await SaveAsync(Greeter.Replace("hi ", "hello "), null)).Status.ShouldBe(200);
        ((string?)(await server.GetJsonAsync("/api/flows/greeter/draft"))["flow"]!["nodes"]![0]!["inputs"]!["code"]).ShouldBe("return 'hello ' + input.who;");
    }

    [Fact]
    public async Task Expressions_preview_against_a_model_with_their_value_or_error()
    {
        await using var server = await TestServer.StartAsync();
        var model = new { input = new { who = "Ada" }, vars = new { n = 2 }, nodes = new { fetch = new { body = new { items = new[] { 1, 2, 3 } } } } };
        var (_, value) = await server.PostJsonAsync("/api/expressions/evaluate", new { expression = new { js = "nodes.fetch.body.items.length * vars.n" }, model });
        ((int)value!["value"]!).ShouldBe(6);
        var (_, template) = await server.PostJsonAsync("/api/expressions/evaluate", new { expression = new { template = "hi {{ input.who }}" }, model });
        ((string?)template!["value"]).ShouldBe("hi Ada");
        var (_, error) = await server.PostJsonAsync("/api/expressions/evaluate", new { expression = new { js = "nodes.fetch.body.nope.x" }, model });
        ((string?)error!["error"]).ShouldNotBeNull().ShouldContain("'x'");
        var (_, missing) = await server.PostJsonAsync("/api/expressions/evaluate", new { expression = new { js = "nodes.other.x" }, model });
        ((string?)missing!["error"]).ShouldNotBeNull().ShouldContain("refers to no node");
    }

    [Fact]
    public async Task Client_mistakes_are_problem_details_naming_the_field()
    {
        await using var server = await TestServer.StartAsync();
        var (status, body) = await server.PostJsonAsync("/api/expressions/evaluate", new { expression = new { python = "1" } });
        status.ShouldBe(422);
        body!.ToJsonString().ShouldContain("$.expression");

        var wrongId = await server.Client.PutAsync("/api/flows/other/draft", Json(Draft(Greeter)));
        ((int)wrongId.StatusCode).ShouldBe(422);
        (await wrongId.Content.ReadAsStringAsync()).ShouldContain("$.flow.id");

        var badPin = await server.Client.PutAsync("/api/flows/greeter/draft", Json(Draft(Greeter, """{ "ghost": { "outputs": {} } }""")));
        ((int)badPin.StatusCode).ShouldBe(422);
        (await badPin.Content.ReadAsStringAsync()).ShouldContain("ghost");

        (await server.Client.PutAsync("/api/flows/greeter/draft", Json(Draft(Greeter)))).EnsureSuccessStatusCode();
        var (stepStatus, step) = await server.PostJsonAsync("/api/flows/greeter/draft/test-step", new { nodeId = "nowhere" });
        stepStatus.ShouldBe(422);
        step!.ToJsonString().ShouldContain("$.nodeId");
        (await server.Client.PostAsync("/api/flows/none/draft/publish", Json("{}"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var active = await server.Client.PutAsync("/api/flows/greeter/active", Json("""{ "active": "yes" }"""));
        ((int)active.StatusCode).ShouldBe(422);
        (await active.Content.ReadAsStringAsync()).ShouldContain("$.active");
    }
}
