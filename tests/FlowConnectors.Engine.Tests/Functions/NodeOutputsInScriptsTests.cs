using FlowConnectors.Engine.Runtime;
using static FlowConnectors.Engine.Tests.Functions.FunctionTestKit;

namespace FlowConnectors.Engine.Tests.Functions;

/// <summary>Node outputs reach scripts only when read (ScriptHost converts them lazily); they must look the same as before.</summary>
public sealed class NodeOutputsInScriptsTests
{
    [Fact]
    public async Task Outputs_read_listed_and_assigned_in_a_script_behave_as_plain_properties()
    {
        var result = await Flow.RunAsync("""
        {
          "format": 1, "id": "lazy-outputs",
          "inputs": [ { "name": "csv", "type": "string", "required": true } ],
          "outputs": [ { "name": "keys", "type": "string" }, { "name": "read", "type": "string" }, { "name": "assigned", "type": "string" }, { "name": "descriptor", "type": "string" } ],
          "nodes": [
            { "id": "split", "type": "Text.Split", "inputs": { "text": { "js": "input.csv" }, "separator": "," } },
            { "id": "keys", "type": "SetOutput", "inputs": { "name": "keys", "value": { "js": "Object.keys(nodes).sort().join(',')" } } },
            { "id": "descriptor", "type": "SetOutput", "inputs": { "name": "descriptor", "value": { "js": "(() => { const d = Object.getOwnPropertyDescriptor(nodes, 'split'); return JSON.stringify({ ...d, value: d.value.result, same: d.value === nodes.split }); })()" } } },
            { "id": "read", "type": "SetOutput", "inputs": { "name": "read", "value": { "js": "JSON.stringify(nodes.split.result)" } } },
            { "id": "assigned", "type": "SetOutput", "inputs": { "name": "assigned", "value": { "js": "(() => { nodes.split = 'replaced'; return nodes.split; })()" } } }
          ],
          "connections": [ { "from": "split:done", "to": "keys" }, { "from": "keys:done", "to": "descriptor" }, { "from": "descriptor:done", "to": "read" }, { "from": "read:done", "to": "assigned" } ]
        }
        """, Flow.Input("""{ "csv": "a,b" }"""));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["keys"]!.GetValue<string>().ShouldBe("split");
        // A data property, as if the outputs had been converted up front (not an accessor that converts them).
        result.Outputs["descriptor"]!.GetValue<string>().ShouldBe("""{"value":["a","b"],"writable":true,"enumerable":true,"configurable":true,"same":true}""");
        result.Outputs["read"]!.GetValue<string>().ShouldBe("""["a","b"]""");
        result.Outputs["assigned"]!.GetValue<string>().ShouldBe("replaced");
    }
}
