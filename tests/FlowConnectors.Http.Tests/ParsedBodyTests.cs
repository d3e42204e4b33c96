using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using static FlowConnectors.Http.Tests.TestHttp;

namespace FlowConnectors.Http.Tests;

/// <summary>
/// A JSON response body stays one parsed document through a run (node outputs, member-path copies, flow outputs):
/// what a script does to it stays in the script, and the values read the same after the run as during it.
/// </summary>
public sealed class ParsedBodyTests
{
    private const string Body = """{ "result": { "number": "INC1", "note": "it\u0027s \"quoted\"\n", "n": 7, "tags": ["a", "b"], "owner": { "id": "u1" } } }""";

    [Fact]
    public async Task A_parsed_body_reads_the_same_in_every_run_and_after_it_whatever_a_script_did_to_it()
    {
        await using var stub = await StubServer.JsonAsync(200, Body);
        var flow = $$"""
            { "format": 1, "id": "parsed",
              "outputs": [ { "name": "body", "type": "any" }, { "name": "changed", "type": "any" }, { "name": "again", "type": "any" } ],
              "nodes": [
                { "id": "send", "type": "Http.SendRequest", "inputs": { "method": "GET", "url": "{{stub.Url("incident")}}" } },
                { "id": "body", "type": "SetOutput", "inputs": { "name": "body", "value": { "js": "nodes.send.body" } } },
                { "id": "change", "type": "SetOutput", "inputs": { "name": "changed", "value": { "js": "(nodes.send.body.result.number = 'X', delete nodes.send.body.result.owner, nodes.send.body.result.tags.push('c'), JSON.stringify(nodes.send.body))" } } },
                { "id": "again", "type": "SetOutput", "inputs": { "name": "again", "value": { "js": "nodes.send.body.result.owner" } } }
              ],
              "connections": [ { "from": "send:2xx", "to": "body" }, { "from": "body:done", "to": "change" }, { "from": "change:done", "to": "again" } ] }
            """;
        var expected = JsonNode.Parse(Body)!.ToJsonString();
        var results = new List<Engine.Runtime.FlowRunResult>();

        for (var run = 0; run < 3; run++)
        {
            var result = await RunFlowAsync(flow);
            result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
            result.Outputs["body"]!.ToJsonString().ShouldBe(expected);
            ((string?)result.Outputs["changed"]).ShouldBe("""{"result":{"number":"X","note":"it's \"quoted\"\n","n":7,"tags":["a","b","c"]}}""");
            // Within the run the script's change is seen by later scripts, as before.
            result.Outputs.GetValueOrDefault("again").ShouldBeNull();
            results.Add(result);
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();

        foreach (var result in results)
        {
            // After the run: the body reads as it came, through the run's values and through copies of them.
            result.Outputs["body"]!.ToJsonString().ShouldBe(expected);
            var leaving = result.OutputsAsJson();
            leaving["body"]!.ToJsonString().ShouldBe(expected);
            // A copy that left the run is its owner's to change; the run's values stay as they were.
            leaving["body"]!["result"]!["number"] = "changed";
            leaving["body"]!["result"]!.AsObject().Remove("owner");
            result.OutputsAsJson()["body"]!.ToJsonString().ShouldBe(expected);
            result.Outputs["body"]!.ToJsonString().ShouldBe(expected);
        }
    }
}
