using System.Text.Json.Nodes;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

public sealed class FlowchartTests
{
    [Fact]
    public async Task A_linear_flow_sets_its_outputs_from_expressions()
    {
        var result = await Flow.RunAsync("""
        {
          "format": 1, "id": "greet",
          "inputs": [ { "name": "who", "type": "string", "required": true } ],
          "outputs": [ { "name": "greeting", "type": "string" }, { "name": "shout", "type": "string" } ],
          "nodes": [
            { "id": "hello", "type": "SetOutput", "inputs": { "name": "greeting", "value": { "template": "Hello {{ input.who }}!" } } },
            { "id": "loud", "type": "SetOutput", "inputs": { "name": "shout", "value": { "js": "input.who.toUpperCase() + '!'" } } }
          ],
          "connections": [ { "from": "hello:done", "to": "loud" } ]
        }
        """, Flow.Input("""{ "who": "Ada" }"""));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["greeting"]!.GetValue<string>().ShouldBe("Hello Ada!");
        result.Outputs["shout"]!.GetValue<string>().ShouldBe("ADA!");
        result.Journal.Select(j => j.NodeId).ShouldBe(["hello", "loud"]);
    }

    [Fact]
    public async Task For_each_runs_its_body_per_item_then_continues_on_done()
    {
        var result = await Flow.RunAsync("""
        {
          "format": 1, "id": "sum",
          "outputs": [ { "name": "total", "type": "integer" } ],
          "variables": [ { "name": "total", "type": "integer", "default": 0 } ],
          "nodes": [
            { "id": "loop", "type": "ForEach", "inputs": { "items": [1, 2, 3, 4] } },
            { "id": "add", "type": "SetVariable", "inputs": { "name": "total", "value": { "js": "vars.total + nodes.loop.currentItem * (nodes.loop.currentIndex + 1)" } } },
            { "id": "out", "type": "SetOutput", "inputs": { "name": "total", "value": { "js": "vars.total" } } }
          ],
          "connections": [ { "from": "loop:iterate", "to": "add" }, { "from": "loop:done", "to": "out" } ]
        }
        """);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["total"]!.GetValue<long>().ShouldBe(1 + 4 + 9 + 16);
    }

    [Fact]
    public async Task Wait_all_join_continues_once_after_every_branch()
    {
        var result = await Flow.RunAsync("""
        {
          "format": 1, "id": "fork",
          "outputs": [ { "name": "n", "type": "integer" } ],
          "variables": [ { "name": "n", "type": "integer", "default": 0 } ],
          "nodes": [
            { "id": "fork", "type": "Fork" },
            { "id": "a", "type": "SetVariable", "inputs": { "name": "n", "value": { "js": "vars.n + 1" } } },
            { "id": "b", "type": "SetVariable", "inputs": { "name": "n", "value": { "js": "vars.n + 10" } } },
            { "id": "join", "type": "Join", "inputs": { "mode": "all" } },
            { "id": "out", "type": "SetOutput", "inputs": { "name": "n", "value": { "js": "vars.n" } } }
          ],
          "connections": [
            { "from": "fork:done", "to": "a" }, { "from": "fork:done", "to": "b" },
            { "from": "a:done", "to": "join" }, { "from": "b:done", "to": "join" }, { "from": "join:done", "to": "out" }
          ]
        }
        """);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["n"]!.GetValue<long>().ShouldBe(11);
        result.Journal.Count(j => j.NodeId == "out").ShouldBe(1);
    }

    [Fact]
    public async Task A_suspended_flow_resumes_from_serialized_state()
    {
        const string json = """
        {
          "format": 1, "id": "wait",
          "outputs": [ { "name": "answer", "type": "string" } ],
          "nodes": [
            { "id": "wait", "type": "WaitForEvent", "inputs": { "eventName": "approved", "correlationId": "r-1" } },
            { "id": "out", "type": "SetOutput", "inputs": { "name": "answer", "value": { "js": "nodes.wait.payload.by" } } }
          ],
          "connections": [ { "from": "wait:done", "to": "out" } ]
        }
        """;
        var engine = Flow.Engine();
        var flow = engine.Compile(FlowConnectors.Engine.Flows.FlowJson.Parse(json));
        var first = await engine.RunAsync(flow);
        first.Status.ShouldBe(FlowStatus.Suspended);
        var saved = first.State.ToJson();

        var restored = FlowInstanceState.FromJson(saved);
        var bookmark = FlowConnectors.Engine.Runtime.FlowEngine.FindBookmarks(restored, "event", new JsonObject { ["event"] = "approved", ["correlationId"] = "r-1" }).Single();
        var second = await Flow.Engine().ResumeAsync(Flow.Engine().Compile(FlowConnectors.Engine.Flows.FlowJson.Parse(json)), restored, bookmark.Id, new JsonObject { ["by"] = "grace" });
        second.Status.ShouldBe(FlowStatus.Finished, second.Fault?.ToString());
        second.Outputs["answer"]!.GetValue<string>().ShouldBe("grace");
    }

    [Fact]
    public async Task With_the_journal_off_nodes_with_inputs_still_run()
    {
        var result = await Flow.RunAsync("""
        {
          "format": 1, "id": "no-journal",
          "inputs": [ { "name": "who", "type": "string", "required": true } ],
          "outputs": [ { "name": "greeting", "type": "string" } ],
          "nodes": [
            { "id": "js", "type": "RunJavaScript", "inputs": { "code": "return 'Hello ' + input.who;" } },
            { "id": "out", "type": "SetOutput", "inputs": { "name": "greeting", "value": { "js": "nodes.js.result" } } }
          ],
          "connections": [ { "from": "js:done", "to": "out" } ]
        }
        """, Flow.Input("""{ "who": "Ada" }"""), new FlowEngineOptions { Journal = false });

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["greeting"]!.GetValue<string>().ShouldBe("Hello Ada");
        result.Journal.ShouldBeEmpty();
    }
}
