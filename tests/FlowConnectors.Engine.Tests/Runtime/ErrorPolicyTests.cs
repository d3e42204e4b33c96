using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>README "Error policies and error flows": a node's onError retries, waits, and then faults, continues or returns a value.</summary>
public sealed class ErrorPolicyTests
{
    private sealed class FakeClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static string FailingFlow(string onError, string connections = "", string extraNodes = "") => $$"""
        { "format": 1, "id": "policy", "start": "call", "outputs": [ { "name": "seen", "type": "any" } ],
          "nodes": [
            { "id": "call", "type": "Fail", "inputs": { "message": "vendor is down" }, "onError": {{onError}} },
            { "id": "after", "type": "SetOutput", "inputs": { "name": "seen", "value": { "js": "nodes.call.error ? nodes.call.error.message : 'no error'" } } }{{extraNodes}}
          ],
          "connections": [{{connections}}] }
        """;

    [Fact]
    public async Task A_node_is_tried_retries_plus_one_times_each_attempt_journalled_then_the_instance_faults()
    {
        var result = await Flow.RunAsync(FailingFlow("""{ "retries": 2, "delayMs": 0 }"""));
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.NodeId.ShouldBe("call");
        result.Fault.Message.ShouldBe("vendor is down");
        var attempts = result.Journal.Where(e => e.NodeId == "call").ToList();
        attempts.Select(e => e.Outcome).ShouldBe(["retry", "retry", "fault"]);
        attempts[0].Error!.ShouldStartWith("attempt 1 of 3 failed: vendor is down; next attempt in 0 ms");
        attempts[1].Error!.ShouldStartWith("attempt 2 of 3 failed");
    }

    [Fact]
    public async Task Then_continue_takes_the_fault_port_with_the_error_after_the_retries()
    {
        var result = await Flow.RunAsync(FailingFlow("""{ "retries": 1, "delayMs": 0, "then": "continue" }""", """{ "from": "call:fault", "to": "after" }"""));
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
        ((string?)result.Outputs["seen"]).ShouldBe("vendor is down");
        result.Journal.Count(e => e.NodeId == "call").ShouldBe(2);
    }

    [Fact]
    public async Task Then_continue_with_nothing_on_the_fault_port_ends_that_branch_without_faulting_the_instance()
    {
        var result = await Flow.RunAsync(FailingFlow("""{ "then": "continue" }"""));
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
        result.Journal.Single(e => e.NodeId == "call").Outcome.ShouldBe("fault");
        result.Outputs.ContainsKey("seen").ShouldBeFalse();
    }

    [Fact]
    public async Task Then_fault_with_a_connected_fault_port_is_handled_there_as_without_a_policy()
    {
        var result = await Flow.RunAsync(FailingFlow("""{ "retries": 1, "delayMs": 0, "then": "fault" }""", """{ "from": "call:fault", "to": "after" }"""));
        result.Status.ShouldBe(FlowStatus.Finished);
        ((string?)result.Outputs["seen"]).ShouldBe("vendor is down");
    }

    [Fact]
    public async Task Then_return_gives_the_node_the_policy_value_as_outputs_and_takes_its_first_outcome()
    {
        var result = await Flow.RunAsync("""
            { "format": 1, "id": "fallback", "start": "lookup", "outputs": [ { "name": "price", "type": "any" } ],
              "nodes": [
                { "id": "lookup", "type": "RunJavaScript", "inputs": { "code": "throw new Error('price service down')" },
                  "onError": { "retries": 1, "delayMs": 0, "then": "return", "value": { "result": { "price": 0, "estimated": true } } } },
                { "id": "use", "type": "SetOutput", "inputs": { "name": "price", "value": { "js": "nodes.lookup.result" } } }
              ],
              "connections": [ { "from": "lookup:done", "to": "use" } ] }
            """);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
        result.Outputs["price"]!.ToJsonString().ShouldBe("""{"price":0,"estimated":true}""");
        var last = result.Journal.Last(e => e.NodeId == "lookup");
        last.Outcome.ShouldBe("done");
        last.Error!.ShouldContain("price service down");
        last.Error!.ShouldContain("onError returned its value");
    }

    [Fact]
    public async Task A_wait_longer_than_the_in_process_limit_suspends_on_a_durable_timer_and_the_node_runs_again_when_resumed()
    {
        var clock = new FakeClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var engine = new FlowEngine(new FlowEngineOptions { Clock = clock, RetryInProcessLimit = TimeSpan.FromSeconds(5) });
        var flow = engine.Compile(FlowJson.Parse(FailingFlow("""{ "retries": 1, "delayMs": 60000 }""")));
        var first = await engine.RunAsync(flow);
        first.Status.ShouldBe(FlowStatus.Suspended);
        var bookmark = first.Bookmarks.Single();
        bookmark.Name.ShouldBe("delay");
        bookmark.Payload!["resumeAt"]!.GetValue<string>().ShouldBe("2026-03-01T12:01:00Z");
        first.Journal.Single(e => e.NodeId == "call").Error!.ShouldContain("next attempt in 60 s on a durable timer");

        // Another process resumes it from the stored state when the timer is due.
        clock.Now = clock.Now.AddMinutes(1);
        var state = FlowInstanceState.FromJson(first.State.ToJson());
        var second = await engine.ResumeAsync(flow, state, bookmark.Id, null);
        second.Status.ShouldBe(FlowStatus.Faulted);
        second.Fault!.Message.ShouldBe("vendor is down");
        second.Journal.Single(e => e.NodeId == "call").Outcome.ShouldBe("fault");
        second.State.NodeStates.Keys.ShouldNotContain(k => k.StartsWith("#retry:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Inside_a_loop_each_iteration_has_its_own_attempts()
    {
        var result = await Flow.RunAsync("""
            { "format": 1, "id": "loop-policy", "start": "each",
              "nodes": [
                { "id": "each", "type": "ForEach", "inputs": { "items": [1, 2, 3] } },
                { "id": "call", "type": "Fail", "inputs": { "message": { "js": "'item ' + nodes.each.currentItem + ' failed'" } },
                  "onError": { "retries": 1, "delayMs": 0, "then": "continue" } } ],
              "connections": [ { "from": "each:iterate", "to": "call" } ] }
            """);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
        result.Journal.Where(e => e.NodeId == "call").Select(e => e.Outcome).ShouldBe(["retry", "fault", "retry", "fault", "retry", "fault"]);
        result.State.NodeStates.Keys.ShouldNotContain(k => k.StartsWith("#retry:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Jitter_draws_from_the_injected_random_source()
    {
        var options = new FlowEngineOptions { RetryRandom = () => 0.0 };
        var result = await Flow.RunAsync(FailingFlow("""{ "retries": 1, "delayMs": 100, "jitter": 0.5 }"""), options: options);
        result.Journal.First(e => e.NodeId == "call").Error!.ShouldContain("next attempt in 50 ms");
    }

    [Fact]
    public void Delays_are_fixed_or_doubling_moved_by_jitter_capped_and_replaced_by_Retry_After()
    {
        var fixedDelay = new NodeErrorPolicy { DelayMs = 1000 };
        RetryDelays.Next(fixedDelay, 1, 0.3).ShouldBe(TimeSpan.FromSeconds(1));
        RetryDelays.Next(fixedDelay, 5, 0.3).ShouldBe(TimeSpan.FromSeconds(1));

        var exponential = new NodeErrorPolicy { DelayMs = 1000, Backoff = "exponential", MaxDelayMs = 10_000 };
        RetryDelays.Next(exponential, 1, 0).ShouldBe(TimeSpan.FromSeconds(1));
        RetryDelays.Next(exponential, 3, 0).ShouldBe(TimeSpan.FromSeconds(4));
        RetryDelays.Next(exponential, 50, 0).ShouldBe(TimeSpan.FromSeconds(10));

        var jittered = new NodeErrorPolicy { DelayMs = 1000, Jitter = 0.2 };
        RetryDelays.Next(jittered, 1, 0).ShouldBe(TimeSpan.FromMilliseconds(800));
        RetryDelays.Next(jittered, 1, 0.5).ShouldBe(TimeSpan.FromMilliseconds(1000));
        RetryDelays.Next(jittered, 1, 0.75).ShouldBe(TimeSpan.FromMilliseconds(1100));

        RetryDelays.Next(jittered, 1, 0.9, retryAfter: TimeSpan.FromSeconds(7)).ShouldBe(TimeSpan.FromSeconds(7));
        RetryDelays.Next(exponential, 1, 0, retryAfter: TimeSpan.FromMinutes(5)).ShouldBe(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_return_policy_must_name_outputs_the_activity_has()
    {
        var problems = Flow.Validate("""
            { "format": 1, "id": "bad", "nodes": [
                { "id": "lookup", "type": "RunJavaScript", "inputs": { "code": "return 1" }, "onError": { "then": "return", "value": { "price": 0 } } },
                { "id": "noValue", "type": "RunJavaScript", "inputs": { "code": "return 1" }, "onError": { "then": "return" } } ],
              "connections": [] }
            """);
        problems.ShouldContain(p => p.Code == "ERROR_POLICY_VALUE" && p.Path == "$.nodes[0].onError.value.price" && p.Message.Contains("has no output 'price'"));
        problems.ShouldContain(p => p.Code == "ERROR_POLICY_VALUE" && p.Path == "$.nodes[1].onError" && p.Message.Contains("needs a 'value'"));
    }

    [Fact]
    public void A_flow_cannot_be_its_own_error_flow()
    {
        var problems = Flow.Validate("""{ "format": 1, "id": "loop", "nodes": [ { "id": "a", "type": "NoOp" } ], "connections": [], "errorFlow": "loop" }""");
        problems.ShouldContain(p => p.Code == "ERROR_FLOW_SELF" && p.Path == "$.errorFlow");
    }
}
