using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>
/// <c>flow</c> in scripts and templates: the run's flow id, name, version, instance id and correlation id. A run makes it
/// when an expression first needs it, so it must be the same whether that is its first node or a later one, in a called
/// flow as in the top run.
/// </summary>
public sealed class FlowMetadataTests
{
    private const string Child = """
        { "format": 1, "id": "child", "name": "The child", "version": "3.1",
          "inputs": [ { "name": "x", "type": "string" } ],
          "outputs": [ { "name": "first", "type": "string" }, { "name": "script", "type": "any" }, { "name": "template", "type": "string" } ],
          "nodes": [
            { "id": "path", "type": "SetOutput", "inputs": { "name": "first", "value": { "js": "input.x" } } },
            { "id": "script", "type": "SetOutput", "inputs": { "name": "script", "value": { "js": "JSON.parse(JSON.stringify(flow))" } } },
            { "id": "text", "type": "SetOutput", "inputs": { "name": "template", "value": { "template": "{{ flow.id }}|{{ flow.name }}|{{ flow.version }}|{{ flow.instanceId }}|{{ flow.correlationId }}" } } }
          ],
          "connections": [ { "from": "path:done", "to": "script" }, { "from": "script:done", "to": "text" } ] }
        """;

    [Fact]
    public async Task A_top_run_sees_its_flow_in_scripts_and_templates_after_nodes_that_ran_no_script()
    {
        var engine = Flow.Engine();

        var result = await engine.RunAsync(engine.Compile(FlowJson.Parse(Child)), new JsonObject { ["x"] = "a" }, new RunOptions { CorrelationId = "order-17" });

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        var outputs = result.OutputsAsJson();
        outputs["first"]!.GetValue<string>().ShouldBe("a");
        outputs["script"]!.ToJsonString().ShouldBe(
            $$"""{"id":"child","name":"The child","version":"3.1","instanceId":"{{result.State.InstanceId}}","correlationId":"order-17"}""");
        outputs["template"]!.GetValue<string>().ShouldBe($"child|The child|3.1|{result.State.InstanceId}|order-17");
    }

    [Fact]
    public async Task A_called_flow_sees_its_own_flow_and_instance_and_its_callers_correlation_id()
    {
        var engine = Flow.Engine(new FlowEngineOptions { Flows = new InMemoryFlowProvider([FlowJson.Parse(Child)]) });
        var parent = engine.Compile(FlowJson.Parse("""
            { "format": 1, "id": "parent", "name": "The parent", "version": "9",
              "outputs": [ { "name": "child", "type": "object" }, { "name": "own", "type": "any" } ],
              "nodes": [
                { "id": "call", "type": "CallFlow", "inputs": { "flowId": "child", "inputs": { "x": "b" } } },
                { "id": "out", "type": "SetOutput", "inputs": { "name": "child", "value": { "js": "nodes.call.outputs" } } },
                { "id": "own", "type": "SetOutput", "inputs": { "name": "own", "value": { "js": "JSON.parse(JSON.stringify(flow))" } } }
              ],
              "connections": [ { "from": "call:done", "to": "out" }, { "from": "out:done", "to": "own" } ] }
            """));

        var result = await engine.RunAsync(parent, null, new RunOptions { CorrelationId = "order-18" });

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        var child = result.OutputsAsJson()["child"]!.AsObject();
        var script = child["script"]!.AsObject();
        var childInstance = script["instanceId"]!.GetValue<string>();
        childInstance.ShouldNotBe(result.State.InstanceId);
        childInstance.Length.ShouldBe(result.State.InstanceId.Length);
        script.ToJsonString().ShouldBe($$"""{"id":"child","name":"The child","version":"3.1","instanceId":"{{childInstance}}","correlationId":"order-18"}""");
        child["template"]!.GetValue<string>().ShouldBe($"child|The child|3.1|{childInstance}|order-18");
        result.OutputsAsJson()["own"]!.ToJsonString().ShouldBe(
            $$"""{"id":"parent","name":"The parent","version":"9","instanceId":"{{result.State.InstanceId}}","correlationId":"order-18"}""");
    }

    [Fact]
    public async Task A_correlation_id_longer_than_a_database_index_keeps_is_refused_before_the_run()
    {
        var engine = Flow.Engine();
        var longest = new RunOptions { CorrelationId = new string('é', RunOptions.MaxCorrelationIdLength) };
        (await engine.RunAsync(engine.Compile(FlowJson.Parse(Child)), new JsonObject { ["x"] = "a" }, longest)).OutputsAsJson()["template"]!.GetValue<string>()
            .ShouldEndWith(new string('é', RunOptions.MaxCorrelationIdLength));

        var refused = Should.Throw<ArgumentException>(() => new RunOptions { CorrelationId = new string('x', RunOptions.MaxCorrelationIdLength + 1) });
        refused.Message.ShouldStartWith("the correlation id is 501 characters long; a correlation id may be at most 500");
        refused.ParamName.ShouldBe("CorrelationId");
    }
}
