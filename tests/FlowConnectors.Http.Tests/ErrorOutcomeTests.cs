using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using static FlowConnectors.Http.Tests.TestHttp;

namespace FlowConnectors.Http.Tests;

/// <summary>README "Error outcomes": a 4xx, 5xx or unmatched status with nothing connected faults the node; connected, it is handled.</summary>
public sealed class ErrorOutcomeTests
{
    private static string Flow(string url, string connections) => $$"""
        {
          "format": 1, "id": "error-outcomes", "start": "fetch",
          "outputs": [{ "name": "status", "type": "any" }],
          "nodes": [
            { "id": "fetch", "type": "Http.SendRequest", "inputs": { "url": "{{url}}" } },
            { "id": "ok", "type": "SetOutput", "inputs": { "name": "status", "value": { "js": "nodes.fetch.statusCode" } } },
            { "id": "handled", "type": "SetOutput", "inputs": { "name": "status", "value": { "js": "'handled ' + nodes.fetch.statusCode" } } }
          ],
          "connections": [{ "from": "fetch:2xx", "to": "ok" }{{connections}}]
        }
        """;

    [Fact]
    public async Task A_500_with_nothing_connected_to_5xx_faults_the_node_with_the_status_and_a_body_excerpt()
    {
        await using var stub = await StubServer.JsonAsync(500, """{ "error": "database is down" }""");
        var result = await RunFlowAsync(Flow(stub.Url("items"), ""));
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.NodeId.ShouldBe("fetch");
        result.Fault.Message.ShouldContain("HTTP 500");
        result.Fault.Message.ShouldContain("database is down");
        result.Fault.Message.ShouldContain("outcome '5xx' is not connected");
        // The response stays readable for whoever looks at the faulted instance.
        ((int)result.State.NodeOutputs["fetch"]["statusCode"]!).ShouldBe(500);
    }

    [Fact]
    public async Task A_500_with_5xx_connected_is_handled_and_the_flow_finishes()
    {
        await using var stub = await StubServer.JsonAsync(500, "{}");
        var result = await RunFlowAsync(Flow(stub.Url(), """, { "from": "fetch:5xx", "to": "handled" }"""));
        result.Status.ShouldBe(FlowStatus.Finished);
        ((string?)result.Outputs["status"]).ShouldBe("handled 500");
    }

    [Fact]
    public async Task A_404_with_nothing_connected_faults_and_the_fault_outcome_handles_it_like_any_fault()
    {
        await using var stub = await StubServer.JsonAsync(404, """{ "message": "no such item" }""");
        var faulted = await RunFlowAsync(Flow(stub.Url(), ""));
        faulted.Status.ShouldBe(FlowStatus.Faulted);
        faulted.Fault!.Message.ShouldContain("HTTP 404");

        var viaFault = await RunFlowAsync(Flow(stub.Url(), """, { "from": "fetch:fault", "to": "handled" }"""));
        viaFault.Status.ShouldBe(FlowStatus.Finished);
        ((string?)viaFault.Outputs["status"]).ShouldBe("handled 404");
    }

    [Fact]
    public async Task A_status_no_outcome_names_is_unmatched_and_faults_when_unmatched_is_not_connected()
    {
        await using var stub = await StubServer.JsonAsync(304, "");
        var result = await RunFlowAsync(Flow(stub.Url(), ""));
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.Message.ShouldContain("HTTP 304");
        result.Fault.Message.ShouldContain("'unmatched'");
    }

    [Fact]
    public void The_descriptor_names_the_error_outcomes()
    {
        var descriptor = Options().Registry.Descriptors.Single(d => d.Type == "Http.SendRequest");
        descriptor.ErrorOutcomes.ShouldBe(["4xx", "5xx", "unmatched"]);
        descriptor.ToJson()["errorOutcomes"]!.AsArray().Count.ShouldBe(3);
        Options().Registry.Descriptors.Single(d => d.Type == "Http.Endpoint").IsTrigger.ShouldBeTrue();
        descriptor.IsTrigger.ShouldBeFalse();
    }
}
