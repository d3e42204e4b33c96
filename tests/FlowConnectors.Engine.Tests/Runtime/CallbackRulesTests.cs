using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities.Events;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>Wait for Callback's accept rules: what a callback must carry for the wait to take it.</summary>
public sealed class CallbackRulesTests
{
    private static readonly JsonObject Rules = new() { ["request_id"] = "R-1", ["device_id"] = "123", ["approval_status"] = new JsonArray("APPROVED", "REJECTED") };

    [Fact]
    public void A_callback_meeting_the_rules_passes_with_ids_as_numbers_and_any_case_for_choices()
    {
        CallbackRules.Check(Rules, JsonNode.Parse("""{ "request_id": "R-1", "device_id": 123, "approval_status": "approved" }""")).ShouldBeEmpty();
        CallbackRules.Check(null, JsonNode.Parse("{}")).ShouldBeEmpty();
    }

    [Fact]
    public void Each_broken_rule_is_named_by_its_path()
    {
        var problems = CallbackRules.Check(Rules, JsonNode.Parse("""{ "request_id": "R-2", "approval_status": "MAYBE" }"""));
        problems.Select(p => p.Path).ShouldBe(["$.request_id", "$.device_id", "$.approval_status"]);
        problems[1].Message.ShouldBe("required");
        problems[2].Message.ShouldBe("'MAYBE' is not one of APPROVED, REJECTED");
        CallbackRules.Check(Rules, JsonNode.Parse("[]")).Count.ShouldBe(3);
    }

    [Fact]
    public async Task A_refused_callback_that_reached_the_wait_leaves_it_waiting_until_the_same_deadline()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var engine = new FlowEngine(new FlowEngineOptions { Clock = clock });
        var flow = engine.Compile(FlowJson.Parse("""
        { "format": 1, "id": "cb", "outputs": [ { "name": "result", "type": "string" } ],
          "nodes": [ { "id": "create", "type": "CreateCallback" },
                     { "id": "wait", "type": "WaitForCallback", "inputs": { "token": { "js": "nodes.create.token" }, "timeout": "2.00:00:00",
                       "accept": { "request_id": "R-1", "approval_status": ["APPROVED", "REJECTED"] } } },
                     { "id": "ok", "type": "SetOutput", "inputs": { "name": "result", "value": { "js": "nodes.wait.payload.approval_status" } } } ],
          "connections": [ { "from": "create:done", "to": "wait" }, { "from": "wait:received", "to": "ok" } ] }
        """));
        var first = await engine.RunAsync(flow);
        first.Status.ShouldBe(FlowStatus.Suspended);
        var due = first.Bookmarks.Single(b => b.Name == "delay").Payload!["resumeAt"]!.GetValue<string>();

        clock.Now = clock.Now.AddHours(5);
        var callback = first.Bookmarks.Single(b => b.Name == "callback");
        var refused = await engine.ResumeAsync(flow, FlowInstanceState.FromJson(first.State.ToJson()), callback.Id,
            new JsonObject { ["request_id"] = "R-9", ["approval_status"] = "APPROVED" });
        refused.Status.ShouldBe(FlowStatus.Suspended);
        refused.Bookmarks.Select(b => b.Name).ShouldBe(["callback", "delay"], ignoreOrder: true);
        refused.Bookmarks.Single(b => b.Name == "delay").Payload!["resumeAt"]!.GetValue<string>().ShouldBe(due);

        var again = refused.Bookmarks.Single(b => b.Name == "callback");
        var accepted = await engine.ResumeAsync(flow, FlowInstanceState.FromJson(refused.State.ToJson()), again.Id,
            new JsonObject { ["request_id"] = "R-1", ["approval_status"] = "rejected" });
        accepted.Status.ShouldBe(FlowStatus.Finished, accepted.Fault?.ToString());
        accepted.Outputs["result"]!.GetValue<string>().ShouldBe("rejected");
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
