using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Flows;

/// <summary>README "Retry semantics": a node's own sideEffects in flow JSON, read with its path, saved, and used by retry planning.</summary>
public sealed class NodeSideEffectsTests
{
    private static string Flow(string sideEffects) => $$"""
        {
          "format": 1,
          "id": "lookup-caller",
          "nodes": [
            {
              "id": "find",
              "type": "CallFlow",
              "inputs": {
                "flowId": "lookup"
              }{{sideEffects}}
            }
          ],
          "connections": []
        }
        """;

    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }

    [Fact]
    public void A_node_sideEffects_is_read_saved_deterministically_and_replaces_the_activity_declaration_in_retry_planning()
    {
        var text = Flow(",\n      \"sideEffects\": \"none\"");
        var load = FlowJson.Load(text);
        load.Problems.ShouldBeEmpty();
        load.Flow!.Nodes[0].SideEffects.ShouldBe(SideEffects.None);
        FlowJson.Save(load.Flow).ShouldContain("\"sideEffects\": \"none\"");
        FlowJson.Save(FlowJson.Parse(FlowJson.Save(load.Flow))).ShouldBe(FlowJson.Save(load.Flow));

        var engine = new FlowEngine();
        // CallFlow is unsafe by its declaration; the author says this called flow only reads.
        InstanceRetry.SideEffectsOf(engine.Compile(FlowJson.Parse(Flow(""))), "find", new NoServices()).ShouldBe(SideEffects.Unsafe);
        InstanceRetry.SideEffectsOf(engine.Compile(load.Flow), "find", new NoServices()).ShouldBe(SideEffects.None);
    }

    [Fact]
    public void An_unknown_sideEffects_value_is_an_error_with_its_path()
    {
        var load = FlowJson.Load(Flow(", \"sideEffects\": \"sometimes\""));

        var problem = load.Problems.ShouldHaveSingleItem();
        problem.Code.ShouldBe("INVALID_SIDE_EFFECTS");
        problem.Path.ShouldBe("$.nodes[0].sideEffects");
        problem.Message.ShouldContain("none, idempotent or unsafe");
    }
}
