using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Secrets;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>
/// Secrets a run knows are masked wherever its data is persisted or returned — journal, state, outputs,
/// faults, logs — in the forms they travel in, also after simple transforms.
/// </summary>
public sealed class SecretRedactionTests
{
    private const string Canary = "cn-7Q2vX9kLmP4wZ8rT";

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>Every way the canary could show up in persisted or returned text.</summary>
    private static readonly string[] Forms =
    [
        Canary, Base64(Canary), Base64("admin:" + Canary), Uri.EscapeDataString("admin:" + Canary), "Bearer " + Canary,
    ];

    // The flow receives the secret the way a card receives a vendor's echo: as ordinary data, known secret to the host.
    private const string EchoFlow = """
        { "format": 1, "id": "echo",
          "inputs": [ { "name": "echo", "type": "string" } ],
          "outputs": [ { "name": "authorization", "type": "string" }, { "name": "decoded", "type": "string" }, { "name": "encoded", "type": "string" } ],
          "variables": [ { "name": "kept", "type": "string" } ],
          "nodes": [
            { "id": "decode", "type": "RunJavaScript", "inputs": { "code": "return base64.decode(input.echo.substring(6));" } },
            { "id": "keep", "type": "SetVariable", "inputs": { "name": "kept", "value": { "js": "'token=' + url.encode(nodes.decode.result)" } } },
            { "id": "a", "type": "SetOutput", "inputs": { "name": "authorization", "value": { "js": "input.echo" } } },
            { "id": "b", "type": "SetOutput", "inputs": { "name": "decoded", "value": { "template": "user and password: {{ nodes.decode.result }}" } } },
            { "id": "c", "type": "SetOutput", "inputs": { "name": "encoded", "value": { "js": "base64.encode('prefix ' + nodes.decode.result.split(':')[1] + ' suffix')" } } },
            { "id": "log", "type": "Log", "inputs": { "message": { "js": "'Bearer ' + nodes.decode.result.split(':')[1]" } } },
            { "id": "wait", "type": "WaitForEvent", "inputs": { "eventName": "go" } },
            { "id": "boom", "type": "Fail", "inputs": { "message": { "js": "'rejected ' + vars.kept" } } } ],
          "connections": [ { "from": "decode:done", "to": "keep" }, { "from": "keep:done", "to": "a" }, { "from": "a:done", "to": "b" },
                           { "from": "b:done", "to": "c" }, { "from": "c:done", "to": "log" }, { "from": "log:done", "to": "wait" },
                           { "from": "wait:done", "to": "boom" } ] }
        """;

    private static async Task<(FlowEngine Engine, CompiledFlow Flow, FlowRunResult Result)> RunEchoAsync()
    {
        var engine = Flow.Engine();
        var flow = engine.Compile(FlowJson.Parse(EchoFlow));
        var result = await engine.RunAsync(flow, new JsonObject { ["echo"] = "Basic " + Base64("admin:" + Canary) },
            new RunOptions { Secrets = [Canary] });
        return (engine, flow, result);
    }

    private static void ShouldHoldNoForm(string text)
    {
        foreach (var form in Forms) text.ShouldNotContain(form, Case.Sensitive);
    }

    [Fact]
    public async Task A_suspended_run_persists_no_form_of_a_secret_outside_its_input()
    {
        var (_, _, result) = await RunEchoAsync();

        result.Status.ShouldBe(FlowStatus.Suspended, result.Fault?.ToString());
        var state = JsonNode.Parse(result.State.ToJson())!.AsObject();
        // The input is kept as given so the instance can resume; everything the run derived is masked.
        state.Remove("input");
        ShouldHoldNoForm(state.ToJsonString());
        state["variables"]!["kept"]!.GetValue<string>().ShouldBe("token=admin%3A***");
        ShouldHoldNoForm(Encoding.UTF8.GetString(result.State.ToUtf8Json()).Replace(result.State.Input.ToJsonString(), ""));
        ShouldHoldNoForm(JsonSerializer.Serialize(result.Journal));
        ShouldHoldNoForm(JsonSerializer.Serialize(result.Logs));
        result.Logs.Single().Message.ShouldBe("Bearer ***");
    }

    [Fact]
    public async Task The_stored_form_of_the_state_masks_the_same_and_reads_back_as_the_full_form()
    {
        var (_, _, result) = await RunEchoAsync();

        var stored = Encoding.UTF8.GetString(result.State.ToStoredUtf8Json());
        ShouldHoldNoForm(stored.Replace(result.State.Input.ToJsonString(), ""));
        // The stored form leaves out the empty collections and keeps the others.
        var state = result.State;
        result.State.Bookmarks.ShouldNotBeEmpty();
        foreach (var (name, count) in (ReadOnlySpan<(string, int)>)[("bookmarks", state.Bookmarks.Count), ("queue", state.Queue.Count),
                     ("joins", state.Joins.Count), ("nodeStates", state.NodeStates.Count), ("properties", state.Properties.Count), ("variables", state.Variables.Count)])
            stored.Contains($"\"{name}\":", StringComparison.Ordinal).ShouldBe(count > 0, name);
        FlowInstanceState.FromJson(stored).ToJson().ShouldBe(FlowInstanceState.FromJson(result.State.ToJson()).ToJson());
    }

    [Fact]
    public async Task Returned_outputs_are_masked_while_the_run_keeps_them_as_set()
    {
        var (_, _, result) = await RunEchoAsync();

        var returned = result.OutputsAsJson().ToJsonString();
        ShouldHoldNoForm(returned);
        // The user name is not secret; only the password is (a real run registers the whole header too).
        returned.ShouldContain("\"decoded\":\"user and password: admin:***\"", Case.Sensitive);
        // In the process (a host reading an auth flow's headers) the values are what the flow set.
        result.Outputs["authorization"]!.GetValue<string>().ShouldBe("Basic " + Base64("admin:" + Canary));
        result.Secrets.ShouldContain(Canary);
    }

    [Fact]
    public async Task A_fault_after_a_resume_in_another_process_names_no_secret()
    {
        var (engine, flow, suspended) = await RunEchoAsync();
        var reloaded = FlowInstanceState.FromJson(suspended.State.ToJson());

        var result = await engine.ResumeAsync(flow, reloaded, reloaded.Bookmarks.Single().Id, null);

        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.Message.ShouldBe("rejected token=admin%3A***");
    }

    [Fact]
    public async Task A_called_flows_secrets_are_masked_in_the_callers_state_and_outputs()
    {
        var child = FlowJson.Parse("""
        { "format": 1, "id": "child", "inputs": [ { "name": "token", "type": "string", "secret": true } ], "outputs": [ { "name": "header", "type": "string" } ],
          "nodes": [ { "id": "set", "type": "SetOutput", "inputs": { "name": "header", "value": { "js": "'Bearer ' + input.token" } } } ], "connections": [] }
        """);
        var engine = Flow.Engine(new FlowEngineOptions { Flows = new InMemoryFlowProvider([child]) });
        var parent = engine.Compile(FlowJson.Parse("""
        { "format": 1, "id": "parent", "inputs": [ { "name": "token", "type": "string" } ], "outputs": [ { "name": "seen", "type": "string" } ],
          "nodes": [ { "id": "call", "type": "CallFlow", "inputs": { "flowId": "child", "inputs": { "token": { "js": "input.token" } } } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "seen", "value": { "js": "nodes.call.outputs.header.toLowerCase() + ' ' + nodes.call.outputs.header" } } } ],
          "connections": [ { "from": "call:done", "to": "out" } ] }
        """));

        var result = await engine.RunAsync(parent, new JsonObject { ["token"] = Canary });

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        // A case change is not a form the set knows: only the text of the secret itself is masked.
        result.OutputsAsJson()["seen"]!.GetValue<string>().ShouldBe("bearer " + Canary.ToLowerInvariant() + " Bearer ***");
        var state = JsonNode.Parse(result.State.ToJson())!.AsObject();
        state.Remove("input");
        ShouldHoldNoForm(state.ToJsonString());
        ShouldHoldNoForm(JsonSerializer.Serialize(result.Journal));
    }

    [Theory]
    [InlineData("x{0}y")]
    [InlineData("Basic {1}")]
    [InlineData("auth: {2}")]
    [InlineData("{3}")]
    [InlineData("q=a%20b&token={4}")]
    public void A_secret_is_found_in_the_forms_it_travels_in(string template)
    {
        var secrets = SecretSet.Empty.Add(Canary);
        var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, template,
            Canary, Base64("admin:" + Canary), Base64("a longer prefix then " + Canary + " and more"), Base64(Canary), Uri.EscapeDataString(Canary + "/+"));

        secrets.Occurs(text).ShouldBeTrue();
        ShouldHoldNoForm(secrets.Scrub(text));
    }

    [Fact]
    public void A_basic_authorization_value_registers_the_pair_and_the_password_it_encodes()
    {
        var secrets = SecretSet.Empty.Add("Basic " + Base64("admin:" + Canary));

        secrets.Scrub("the vendor said: admin:" + Canary).ShouldBe("the vendor said: ***");
        secrets.Scrub("password " + Canary + ".").ShouldBe("password ***.");
    }

    [Theory]
    [InlineData("{\"a\":{\"b\":[\"x\",\"token=CANARY\"]}}")]
    [InlineData("{\"a\":\"escaped \\u0041\\n CANARY\"}")]
    [InlineData("{\"a\":\"caf\u00e9 CANARY \u00e9\"}")]
    [InlineData("[\"LONG CANARY\"]")]
    public void A_secret_is_found_in_a_parsed_response_body(string json)
    {
        // Parsed as a response is (values backed by the document, read without copying): escaped, non-ASCII and long strings too.
        var text = json.Replace("LONG", new string('z', 600), StringComparison.Ordinal).Replace("CANARY", Canary, StringComparison.Ordinal);
        var body = JsonSerializer.Deserialize<JsonElement>(text);
        var node = body.ValueKind == JsonValueKind.Object ? (JsonNode)JsonObject.Create(body)! : JsonArray.Create(body)!;
        var secrets = SecretSet.Empty.Add(Canary);

        var redacted = secrets.Redact(node)!.ToJsonString();

        redacted.ShouldContain("***");
        ShouldHoldNoForm(redacted);
        node.ToJsonString().ShouldContain(Canary); // the value itself is left as it was
    }

    [Fact]
    public void Text_without_a_secret_and_too_short_to_hold_one_is_left_as_it_is()
    {
        var body = JsonSerializer.Deserialize<JsonElement>("{\"a\":\"cn-7\",\"b\":[\"abc\", 12, true, null],\"c\":\"" + Canary[..^1] + "\"}");
        var node = JsonObject.Create(body)!;

        SecretSet.Empty.Add(Canary).Redact(node).ShouldBeSameAs(node);
    }

    [Fact]
    public void Sets_of_the_same_values_mask_the_same_whatever_the_order_they_were_registered_in()
    {
        var first = SecretSet.Empty.Add(Canary).Add("Basic " + Base64("admin:" + Canary)).Add("other-secret-1");
        var second = SecretSet.Empty.AddRange(["other-secret-1", "Basic " + Base64("admin:" + Canary)]).Add(Canary);
        var text = "a " + Canary + " b admin:" + Canary + " c other-secret-1 d " + Base64("admin:" + Canary);

        second.Values.OrderBy(v => v, StringComparer.Ordinal).ShouldBe(first.Values.OrderBy(v => v, StringComparer.Ordinal));
        second.Scrub(text).ShouldBe(first.Scrub(text));
        first.Scrub(text).ShouldBe("a *** b *** c *** d ***");
        // Adding what a set already has gives that set back.
        first.AddRange([Canary, "other-secret-1"]).ShouldBeSameAs(first);
    }

    [Fact]
    public void A_union_asked_again_is_the_same_set_and_masks_every_value_of_both()
    {
        var caller = SecretSet.Empty.Add("caller-secret-1");
        var called = caller.Add("Basic " + Base64("admin:" + Canary));
        var other = SecretSet.Empty.Add("unrelated-secret-2");
        var text = "caller-secret-1 / admin:" + Canary + " / unrelated-secret-2";

        // A set that holds all of the caller's values is the union; asked again, the same answer.
        caller.Union(called).ShouldBeSameAs(called);
        caller.Union(called).ShouldBeSameAs(called);
        // A set that does not: a set holding both, the same one every time, and not the one another set gave.
        var both = caller.Union(other);
        both.Scrub(text).ShouldBe("*** / admin:" + Canary + " / ***");
        caller.Union(other).ShouldBeSameAs(both);
        var all = caller.Union(called).Union(other);
        all.Scrub(text).ShouldBe("*** / *** / ***");
        called.Union(other).ShouldBeSameAs(all);
        all.ShouldNotBeSameAs(both);
        // Each side of a union is unchanged by it.
        caller.Scrub(text).ShouldBe("*** / admin:" + Canary + " / unrelated-secret-2");
        other.Scrub(text).ShouldBe("caller-secret-1 / admin:" + Canary + " / ***");
        // More partners than a set remembers still give correct unions.
        for (var n = 0; n < 20; n++)
        {
            var partner = SecretSet.Empty.Add($"partner-secret-{n:00}");
            caller.Union(partner).Scrub($"caller-secret-1 partner-secret-{n:00}").ShouldBe("*** ***");
            caller.Union(partner).ShouldBeSameAs(caller.Union(partner));
        }
    }
}
