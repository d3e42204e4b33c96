using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Engine.Tests.Flows;

public sealed class FlowJsonTests
{
    private const string Canonical = """
        {
          "format": 1,
          "id": "orders",
          "name": "Orders",
          "inputs": [
            {
              "name": "customer",
              "type": "string",
              "label": "Customer",
              "required": true
            }
          ],
          "nodes": [
            {
              "id": "fetch",
              "type": "RunJavaScript",
              "inputs": {
                "args": {
                  "a": 1,
                  "b": [
                    true,
                    null
                  ]
                },
                "code": "return input.customer;"
              },
              "ui": {
                "x": 10,
                "y": 20
              }
            }
          ],
          "connections": []
        }

        """;

    [Fact]
    public void Load_then_save_is_byte_identical()
    {
        var text = Canonical.ReplaceLineEndings("\n");
        FlowJson.Save(FlowJson.Parse(text)).ShouldBe(text);
    }

    [Fact]
    public void Saving_sorts_free_form_keys_so_equal_flows_give_equal_bytes()
    {
        var a = FlowJson.Parse("""{ "id": "x", "format": 1, "nodes": [ { "type": "NoOp", "id": "n", "ui": { "y": 1, "x": 2 } } ], "connections": [] }""");
        var b = FlowJson.Parse("""{ "format": 1, "connections": [], "id": "x", "nodes": [ { "id": "n", "ui": { "x": 2, "y": 1 }, "type": "NoOp" } ] }""");
        FlowJson.Save(a).ShouldBe(FlowJson.Save(b));
    }

    [Fact]
    public void Extension_blocks_such_as_card_survive_a_round_trip()
    {
        var flow = FlowJson.Parse("""{ "format": 1, "id": "x", "nodes": [], "connections": [], "card": { "kind": "action", "label": "Do it" } }""");
        flow.Extensions["card"]!["label"]!.GetValue<string>().ShouldBe("Do it");
        JsonNode.Parse(FlowJson.Save(flow))!["card"]!["kind"]!.GetValue<string>().ShouldBe("action");
    }
}
