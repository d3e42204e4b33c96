using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Activities.Functions.Json;
using static FlowConnectors.Engine.Tests.Functions.FunctionTestKit;

namespace FlowConnectors.Engine.Tests.Functions;

public sealed class JsonTests
{
    [Fact]
    public async Task Parse_turns_json_text_into_a_value()
    {
        var result = await ActivityRunner.RunAsync<ParseJson>(new JsonObject { ["text"] = """{ "a": [1, "two", null], "b": { "c": true } }""" });
        result.ShouldBeDone().Json().ShouldBe("""{"a":[1,"two",null],"b":{"c":true}}""");
    }

    [Fact]
    public async Task Parse_accepts_plain_values()
    {
        (await ActivityRunner.RunAsync<ParseJson>(new JsonObject { ["text"] = "42" })).Json().ShouldBe("42");
        (await ActivityRunner.RunAsync<ParseJson>(new JsonObject { ["text"] = "\"hi\"" })).Text().ShouldBe("hi");
    }

    [Fact]
    public async Task Parse_faults_on_malformed_json_with_the_position()
    {
        var result = await ActivityRunner.RunAsync<ParseJson>(new JsonObject { ["text"] = "{\n  \"a\": 1,\n  \"b\": }" });
        result.ShouldFaultWith("text is not valid JSON at line 3, column 8:");
        result.Run.Fault!.Message.ShouldNotContain("Path:");
    }

    [Fact]
    public async Task Parse_faults_on_empty_text()
    {
        var result = await ActivityRunner.RunAsync<ParseJson>(new JsonObject { ["text"] = "" });
        result.ShouldFaultWith("text is not valid JSON");
    }

    [Fact]
    public async Task Stringify_writes_compact_json_keeping_readable_characters()
    {
        var result = await ActivityRunner.RunAsync<StringifyJson>(new JsonObject { ["value"] = new JsonObject { ["name"] = "Zoë <x>", ["n"] = new JsonArray(1, 2) } });
        result.ShouldBeDone().Text().ShouldBe("""{"name":"Zoë <x>","n":[1,2]}""");
    }

    [Fact]
    public async Task Stringify_can_indent()
    {
        var result = await ActivityRunner.RunAsync<StringifyJson>(new JsonObject { ["value"] = new JsonObject { ["a"] = 1 }, ["indent"] = true });
        result.Text().ShouldBe("{\n  \"a\": 1\n}");
    }

    [Fact]
    public async Task Stringify_writes_null_for_a_missing_value()
    {
        (await ActivityRunner.RunAsync<StringifyJson>()).Text().ShouldBe("null");
    }

    [Fact]
    public async Task Json_nodes_round_trip_a_payload_inside_a_flow()
    {
        var result = await Flow.RunAsync("""
        {
          "format": 1, "id": "json-chain",
          "inputs": [ { "name": "body", "type": "string", "required": true } ],
          "outputs": [ { "name": "text", "type": "string" } ],
          "nodes": [
            { "id": "parse", "type": "Json.Parse", "inputs": { "text": { "js": "input.body" } } },
            { "id": "text", "type": "Json.Stringify", "inputs": { "value": { "status": { "js": "nodes.parse.result.status" }, "count": { "js": "nodes.parse.result.items.length" } } } },
            { "id": "out", "type": "SetOutput", "inputs": { "name": "text", "value": { "js": "nodes.text.result" } } }
          ],
          "connections": [ { "from": "parse:done", "to": "text" }, { "from": "text:done", "to": "out" } ]
        }
        """, Flow.Input("""{ "body": "{\"status\":\"ok\",\"items\":[1,2,3]}" }"""));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["text"]!.GetValue<string>().ShouldBe("""{"status":"ok","count":3}""");
    }

    [Fact]
    public async Task A_malformed_payload_follows_the_fault_connection_with_the_message()
    {
        var result = await Flow.RunAsync("""
        {
          "format": 1, "id": "json-fault",
          "outputs": [ { "name": "error", "type": "string" } ],
          "nodes": [
            { "id": "parse", "type": "Json.Parse", "inputs": { "text": "[1, 2" } },
            { "id": "out", "type": "SetOutput", "inputs": { "name": "error", "value": { "js": "nodes.parse.error.message" } } }
          ],
          "connections": [ { "from": "parse:fault", "to": "out" } ]
        }
        """);

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["error"]!.GetValue<string>().ShouldStartWith("text is not valid JSON at line 1, column 6:");
    }
}
