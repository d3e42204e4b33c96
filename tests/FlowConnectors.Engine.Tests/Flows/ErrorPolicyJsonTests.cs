using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Engine.Tests.Flows;

/// <summary>A node's onError block and a flow's errorFlow in flow JSON: read with paths, saved deterministically.</summary>
public sealed class ErrorPolicyJsonTests
{
    private const string WithPolicy = """
        {
          "format": 1,
          "id": "orders",
          "nodes": [
            {
              "id": "fetch",
              "type": "RunJavaScript",
              "inputs": {
                "code": "return 1;"
              },
              "onError": {
                "retries": 3,
                "delayMs": 500,
                "backoff": "exponential",
                "maxDelayMs": 30000,
                "jitter": 0.2,
                "then": "return",
                "value": {
                  "result": {
                    "fallback": true
                  }
                }
              },
              "ui": {
                "x": 10,
                "y": 20
              }
            }
          ],
          "connections": [],
          "errorFlow": "notify-on-fault"
        }

        """;

    [Fact]
    public void A_flow_with_an_error_policy_and_an_error_flow_saves_back_byte_identical()
    {
        var text = WithPolicy.ReplaceLineEndings("\n");
        var flow = FlowJson.Parse(text);
        flow.ErrorFlow.ShouldBe("notify-on-fault");
        var policy = flow.Nodes[0].OnError.ShouldNotBeNull();
        policy.Retries.ShouldBe(3);
        policy.DelayMs.ShouldBe(500);
        policy.IsExponential.ShouldBeTrue();
        policy.Jitter.ShouldBe(0.2);
        policy.Then.ShouldBe("return");
        FlowJson.Save(flow).ShouldBe(text);
    }

    [Fact]
    public void A_policy_with_only_some_fields_keeps_exactly_those()
    {
        var flow = FlowJson.Parse("""{ "format": 1, "id": "f", "nodes": [ { "id": "a", "type": "NoOp", "onError": { "retries": 2 } } ], "connections": [] }""");
        FlowJson.Save(flow).ShouldContain("\"onError\": {\n        \"retries\": 2\n      }");
        FlowJson.Save(FlowJson.Parse(FlowJson.Save(flow))).ShouldBe(FlowJson.Save(flow));
    }

    [Fact]
    public void Mistakes_in_onError_are_reported_with_their_json_path()
    {
        var result = FlowJson.Load("""
            { "format": 1, "id": "f", "nodes": [ { "id": "a", "type": "NoOp",
              "onError": { "retries": -1, "delayMs": "soon", "backoff": "linear", "jitter": 2, "then": "retry", "tries": 3 } } ], "connections": [] }
            """);
        result.Problems.Select(p => p.Path).ShouldBe([
            "$.nodes[0].onError.retries", "$.nodes[0].onError.delayMs", "$.nodes[0].onError.backoff",
            "$.nodes[0].onError.jitter", "$.nodes[0].onError.then", "$.nodes[0].onError.tries"], ignoreOrder: true);
        result.Problems.Single(p => p.Path.EndsWith(".tries", StringComparison.Ordinal)).Code.ShouldBe("UNKNOWN_FIELD");
        result.Problems.Single(p => p.Path.EndsWith(".then", StringComparison.Ordinal)).Message.ShouldContain("\"fault\", \"continue\", \"return\"");
    }
}
