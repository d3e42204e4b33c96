using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

public sealed class DurabilityTests
{
    private sealed class FakeClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Delay_suspends_with_a_bookmark_due_at_the_clock_time_plus_duration()
    {
        var clock = new FakeClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var engine = new FlowEngine(new FlowEngineOptions { Clock = clock });
        var flow = engine.Compile(FlowJson.Parse("""
        { "format": 1, "id": "delay", "outputs": [ { "name": "at", "type": "string" } ],
          "nodes": [ { "id": "wait", "type": "Delay", "inputs": { "duration": "PT15M" } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "at", "value": { "js": "dates.now()" } } } ],
          "connections": [ { "from": "wait:done", "to": "out" } ] }
        """));
        var first = await engine.RunAsync(flow);
        first.Status.ShouldBe(FlowStatus.Suspended);
        first.Bookmarks.Single().Payload!["resumeAt"]!.GetValue<string>().ShouldBe("2026-03-01T12:15:00Z");

        clock.Now = clock.Now.AddMinutes(15);
        var state = FlowInstanceState.FromJson(first.State.ToJson());
        var second = await engine.ResumeAsync(flow, state, state.Bookmarks.Single().Id, null);
        second.Status.ShouldBe(FlowStatus.Finished, second.Fault?.ToString());
        second.Outputs["at"]!.GetValue<string>().ShouldBe("2026-03-01T12:15:00Z");
    }

    [Theory]
    [InlineData("undefined", "Fail node 'stop' ran without a message (its message was null or undefined)")]
    [InlineData("''", "Fail node 'stop' ran without a message (its message was empty)")]
    [InlineData("'order ' + 7 + ' is late'", "order 7 is late")]
    public async Task A_Fail_node_faults_with_its_message_or_says_it_had_none(string message, string fault)
    {
        var result = await new FlowEngine().RunJsonAsync($$"""
        { "format": 1, "id": "fails", "nodes": [ { "id": "stop", "type": "Fail", "inputs": { "message": { "js": "{{message}}" } } } ], "connections": [] }
        """);
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault.ShouldNotBeNull().Message.ShouldBe(fault);
    }

    [Theory]
    [InlineData("Delay", "duration", "duration 3650000.00:00:00 ends after 9999, the last year a wait can end in")]
    [InlineData("WaitForCallback", "timeout", "timeout 3650000.00:00:00 ends after 9999, the last year a wait can end in")]
    public async Task A_wait_that_would_end_after_the_year_9999_faults_naming_its_input(string type, string input, string message)
    {
        var engine = new FlowEngine(new FlowEngineOptions { Clock = new FakeClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero)) });
        var token = type == "WaitForCallback" ? "\"token\": \"t\", " : "";
        var flow = engine.Compile(FlowJson.Parse($$"""
        { "format": 1, "id": "long-wait", "nodes": [ { "id": "wait", "type": "{{type}}", "inputs": { {{token}}"{{input}}": "3650000.00:00:00" } } ], "connections": [] }
        """));
        var result = await engine.RunAsync(flow);
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault.ShouldNotBeNull().Message.ShouldBe(message);
    }

    [Fact]
    public async Task A_flow_waiting_inside_a_called_flow_suspends_and_resumes_through_it()
    {
        var child = FlowJson.Parse("""
        { "format": 1, "id": "approval", "inputs": [ { "name": "request", "type": "string" } ],
          "outputs": [ { "name": "decision", "type": "string" } ],
          "nodes": [ { "id": "ask", "type": "WaitForEvent", "inputs": { "eventName": "decision", "correlationId": { "js": "input.request" } } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "decision", "value": { "js": "nodes.ask.payload.status" } } } ],
          "connections": [ { "from": "ask:done", "to": "out" } ] }
        """);
        var parentJson = """
        { "format": 1, "id": "parent", "outputs": [ { "name": "result", "type": "string" } ],
          "nodes": [ { "id": "call", "type": "CallFlow", "inputs": { "flowId": "approval", "inputs": { "request": "r-7" } } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "result", "value": { "template": "{{ nodes.call.outputs.decision }}" } } } ],
          "connections": [ { "from": "call:done", "to": "out" } ] }
        """;
        var options = new FlowEngineOptions { Flows = new InMemoryFlowProvider([child]) };
        var engine = new FlowEngine(options);
        var first = await engine.RunAsync(engine.Compile(FlowJson.Parse(parentJson)));
        first.Status.ShouldBe(FlowStatus.Suspended, first.Fault?.ToString());
        var bookmark = FlowEngine.FindBookmarks(first.State, "event", new JsonObject { ["event"] = "decision", ["correlationId"] = "r-7" }).Single();

        // A new engine in a "new process" continues from the serialized state alone.
        var later = new FlowEngine(options);
        var state = FlowInstanceState.FromJson(first.State.ToJson());
        var second = await later.ResumeAsync(later.Compile(FlowJson.Parse(parentJson)), state, bookmark.Id, new JsonObject { ["status"] = "APPROVED" });
        second.Status.ShouldBe(FlowStatus.Finished, second.Fault?.ToString());
        second.Outputs["result"]!.GetValue<string>().ShouldBe("APPROVED");
        second.Journal.Select(j => j.NodeId).ShouldContain("call/out");
    }

    [Fact]
    public async Task Wait_all_join_waits_for_a_suspended_branch_across_a_resume()
    {
        var json = """
        { "format": 1, "id": "join-wait", "outputs": [ { "name": "done", "type": "boolean" } ],
          "nodes": [ { "id": "fork", "type": "Fork" }, { "id": "fast", "type": "NoOp" },
                     { "id": "slow", "type": "WaitForEvent", "inputs": { "eventName": "go" } },
                     { "id": "join", "type": "Join" }, { "id": "out", "type": "SetOutput", "inputs": { "name": "done", "value": true } } ],
          "connections": [ { "from": "fork:done", "to": "fast" }, { "from": "fork:done", "to": "slow" },
                           { "from": "fast:done", "to": "join" }, { "from": "slow:done", "to": "join" }, { "from": "join:done", "to": "out" } ] }
        """;
        var engine = Flow.Engine();
        var flow = engine.Compile(FlowJson.Parse(json));
        var first = await engine.RunAsync(flow);
        first.Status.ShouldBe(FlowStatus.Suspended);
        first.Outputs.ContainsKey("done").ShouldBeFalse();
        var state = FlowInstanceState.FromJson(first.State.ToJson());
        var second = await engine.ResumeAsync(flow, state, state.Bookmarks.Single().Id, null);
        second.Status.ShouldBe(FlowStatus.Finished, second.Fault?.ToString());
        second.Outputs["done"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task Resuming_a_finished_instance_or_an_unknown_bookmark_is_refused_clearly()
    {
        var engine = Flow.Engine();
        var flow = engine.Compile(FlowJson.Parse("""{ "format": 1, "id": "w", "nodes": [ { "id": "w", "type": "WaitForEvent", "inputs": { "eventName": "e" } } ], "connections": [] }"""));
        var run = await engine.RunAsync(flow);
        (await Should.ThrowAsync<FlowStateException>(() => engine.ResumeAsync(flow, run.State, "nope", null)))
            .Message.ShouldContain("has no bookmark 'nope'");
        var done = await engine.ResumeAsync(flow, run.State, run.Bookmarks.Single().Id, null);
        done.Status.ShouldBe(FlowStatus.Finished);
        (await Should.ThrowAsync<FlowStateException>(() => engine.ResumeAsync(flow, done.State, "x", null)))
            .Message.ShouldContain("is finished, not suspended");
    }

    [Fact]
    public async Task A_created_instance_persists_before_running_and_continues_from_its_saved_state()
    {
        var engine = Flow.Engine();
        var flow = engine.Compile(FlowJson.Parse("""
        { "format": 1, "id": "c", "inputs": [ { "name": "n", "type": "integer" } ], "outputs": [ { "name": "twice", "type": "integer" } ],
          "nodes": [ { "id": "out", "type": "SetOutput", "inputs": { "name": "twice", "value": { "js": "input.n * 2" } } } ], "connections": [] }
        """));
        var created = engine.CreateInstance(flow, Flow.Input("""{ "n": 21 }"""), new RunOptions { CorrelationId = "req-1" });
        created.Status.ShouldBe(FlowStatus.Running);
        var saved = FlowInstanceState.FromJson(created.ToJson());
        var result = await Flow.Engine().ContinueAsync(flow, saved);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["twice"]!.GetValue<long>().ShouldBe(42);
        result.State.CorrelationId.ShouldBe("req-1");
    }

    [Theory]
    [InlineData("callback", "received:APPROVED")]
    [InlineData("delay", "timedOut:")]
    public async Task Wait_for_callback_resumes_on_the_callback_or_on_its_timeout(string stimulus, string expected)
    {
        var json = """
        { "format": 1, "id": "cb", "outputs": [ { "name": "result", "type": "string" }, { "name": "url", "type": "string" } ],
          "nodes": [ { "id": "create", "type": "CreateCallback" },
                     { "id": "url", "type": "SetOutput", "inputs": { "name": "url", "value": { "js": "nodes.create.url" } } },
                     { "id": "wait", "type": "WaitForCallback", "inputs": { "token": { "js": "nodes.create.token" }, "timeout": "14.00:00:00" } },
                     { "id": "ok", "type": "SetOutput", "inputs": { "name": "result", "value": { "js": "'received:' + nodes.wait.payload.approval_status" } } },
                     { "id": "late", "type": "SetOutput", "inputs": { "name": "result", "value": "timedOut:" } } ],
          "connections": [ { "from": "create:done", "to": "url" }, { "from": "url:done", "to": "wait" },
                           { "from": "wait:received", "to": "ok" }, { "from": "wait:timedOut", "to": "late" } ] }
        """;
        var engine = Flow.Engine();
        var flow = engine.Compile(FlowJson.Parse(json));
        var first = await engine.RunAsync(flow);
        first.Status.ShouldBe(FlowStatus.Suspended, first.Fault?.ToString());
        first.Bookmarks.Select(b => b.Name).ShouldBe(["callback", "delay"], ignoreOrder: true);
        var token = first.Outputs["url"]!.GetValue<string>().Split('/').Last();
        token.Length.ShouldBeGreaterThanOrEqualTo(43);
        var bookmark = stimulus == "callback"
            ? FlowEngine.FindBookmarks(first.State, "callback", new JsonObject { ["token"] = token }).Single()
            : first.Bookmarks.Single(b => b.Name == "delay");
        var second = await engine.ResumeAsync(flow, FlowInstanceState.FromJson(first.State.ToJson()), bookmark.Id,
            new JsonObject { ["approval_status"] = "APPROVED" });
        second.Status.ShouldBe(FlowStatus.Finished, second.Fault?.ToString());
        second.Outputs["result"]!.GetValue<string>().ShouldBe(expected);
        second.Bookmarks.ShouldBeEmpty();
    }

    [Fact]
    public void The_bookmark_hash_depends_on_name_and_payload_but_not_on_key_order()
    {
        var a = Bookmark.ComputeHash("event", JsonNode.Parse("""{ "event": "x", "correlationId": "1" }"""));
        var b = Bookmark.ComputeHash("event", JsonNode.Parse("""{ "correlationId": "1", "event": "x" }"""));
        var c = Bookmark.ComputeHash("event", JsonNode.Parse("""{ "correlationId": "2", "event": "x" }"""));
        a.ShouldBe(b);
        a.ShouldNotBe(c);
    }

    [Fact]
    public void Corrupt_state_gives_a_clear_error()
    {
        Should.Throw<FlowStateException>(() => FlowInstanceState.FromJson("{ not json"))
            .Message.ShouldStartWith("instance state is not valid");
    }
}
