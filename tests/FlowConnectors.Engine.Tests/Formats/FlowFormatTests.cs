using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Engine.Tests.Formats;

/// <summary>The flow reader as the format validator runs it: schema shape, our checks, then the typed read.</summary>
public sealed class FlowFormatTests
{
    [Fact]
    public void A_flow_with_shape_problems_still_comes_back_without_the_values_they_point_at()
    {
        var result = FlowJson.Load("""
        { "format": 1, "id": "x",
          "nodes": [ { "id": "a", "type": "NoOp", "name": 7, "shape": "round", "onError": { "retries": 500, "then": "continue" } } ],
          "connections": [ { "from": "a:done", "to": "a" } ] }
        """);

        result.Problems.Select(p => $"{p.Path} {p.Code} {p.NodeId}").ShouldBe([
            "$.nodes[0].name WRONG_TYPE a",
            "$.nodes[0].shape UNKNOWN_FIELD a",
            "$.nodes[0].onError.retries WRONG_TYPE a",
        ]);
        result.Problems[0].Message.ShouldBe("expected a string, got a number");
        result.Problems[2].Message.ShouldBe("expected an integer from 0 to 100, got 500");
        var node = result.Flow!.Nodes.ShouldHaveSingleItem();
        node.Name.ShouldBeNull();
        node.OnError!.Retries.ShouldBeNull();
        node.OnError.Then.ShouldBe("continue");
        result.Flow.Connections.ShouldHaveSingleItem().From.ShouldBe("a:done");
    }

    [Fact]
    public void A_field_given_twice_is_reported_and_the_first_one_counts()
    {
        var result = FlowJson.Load("""
        { "format": 1, "id": "x", "name": "first", "name": "second",
          "nodes": [ { "id": "a", "type": "Log", "inputs": { "message": "one", "message": "two" } } ], "connections": [] }
        """);

        result.Problems.Select(p => $"{p.Path}: {p.Message}").ShouldBe([
            "$.name: field 'name' appears twice",
            "$.nodes[0].inputs.message: input 'message' appears twice",
        ]);
        result.Flow!.Name.ShouldBe("first");
        result.Flow.Nodes[0].Inputs["message"]!.GetValue<string>().ShouldBe("one");
    }

    [Fact]
    public void Missing_fields_and_a_wrong_format_keep_their_codes_and_messages()
    {
        var result = FlowJson.Load("""{ "format": "1", "connections": [ { "to": "b" } ] }""");

        result.Problems.Select(p => $"{p.Path} {p.Code}: {p.Message}").ShouldBe([
            "$.format WRONG_TYPE: 'format' must be an integer, got a string",
            "$.connections[0] MISSING_FIELD: missing field 'from' (\"node:outcome\")",
            "$ MISSING_FIELD: missing field 'id'",
            "$ MISSING_FIELD: missing field 'nodes'",
        ]);
    }

    [Fact]
    public void The_card_block_is_the_connectors_to_check_and_is_kept_verbatim()
    {
        var result = FlowJson.Load("""
        { "format": 1, "id": "x", "nodes": [], "connections": [], "card": { "kind": "action", "sideEffects": "sometimes" } }
        """);

        result.Problems.ShouldBeEmpty();
        result.Flow!.Extensions["card"]!["sideEffects"]!.GetValue<string>().ShouldBe("sometimes");
    }

    [Fact]
    public void A_problem_in_a_folder_prints_its_file_and_code_and_one_without_prints_path_and_message()
    {
        new FormatProblem("connector.json", "$.key", "MANIFEST_INVALID_KEY", "bad").ToString().ShouldBe("connector.json: $.key: MANIFEST_INVALID_KEY: bad");
        FormatProblem.Warning("UNKNOWN_FLOW", "$.nodes[0]", "who").ToString().ShouldBe("$.nodes[0]: warning: who");
    }

    // Found by the Reliability fuzzer: shapes like these threw inside the typed read and answered 500.
    [Theory]
    [InlineData("{}")]
    [InlineData("{\"mode\":5}")]
    [InlineData("{\"format\":1,\"id\":\"x\",\"nodes\":[5,true,[],{}],\"connections\":[5,{}]}")]
    [InlineData("{\"format\":-1,\"id\":5,\"name\":[],\"inputs\":{},\"variables\":true,\"nodes\":{},\"connections\":\"x\"}")]
    [InlineData("{\"format\":1e-400,\"id\":\"x\",\"nodes\":[],\"connections\":[]}")]
    [InlineData("{\"format\":1e400,\"id\":\"x\",\"nodes\":[{\"id\":\"a\",\"type\":\"NoOp\",\"inputs\":5,\"onError\":{\"retries\":1e30}}],\"connections\":[]}")]
    [InlineData("{\"format\":1,\"id\":\"x\",\"nodes\":[{\"id\":{},\"type\":[],\"name\":5}],\"connections\":[{\"from\":5,\"to\":{}}],\"inputs\":[{},5,{\"name\":5,\"type\":{}}]}")]
    public void Wrong_shapes_are_reported_as_problems_never_thrown(string json)
    {
        var load = FlowJson.Load(json);
        // What flowc validate and the API do next: the engine's checks of what came back.
        var problems = load.Problems.Concat(load.Flow is { } flow ? new FlowConnectors.Engine.Runtime.FlowEngine().Validate(flow) : []).ToList();
        problems.ShouldNotBeEmpty();
    }
}
