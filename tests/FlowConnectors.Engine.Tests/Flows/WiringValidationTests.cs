using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Engine.Tests.Flows;

/// <summary>Problems only the whole flow shows: references to nodes that do not exist, accidental start nodes, outputs nothing sets.</summary>
public sealed class WiringValidationTests
{
    [Fact]
    public void A_reference_to_a_node_that_does_not_exist_is_an_error_in_expressions_templates_and_code()
    {
        var problems = Flow.Validate("""
        { "format": 1, "id": "refs",
          "nodes": [
            { "id": "fetch", "type": "NoOp" },
            { "id": "a", "type": "Log", "inputs": { "message": { "js": "nodes.fetch.x + nodes.missing.body + mynodes.other" } } },
            { "id": "b", "type": "Log", "inputs": { "message": { "template": "{{ nodes[\"gone\"].x }} {{ nodes.fetch.y }}" } } },
            { "id": "c", "type": "RunJavaScript", "inputs": { "code": "return nodes.http.SendRequest1.body;" } },
            { "id": "http.SendRequest1", "type": "NoOp" }
          ],
          "connections": [
            { "from": "fetch:done", "to": "a" }, { "from": "a:done", "to": "b" }, { "from": "b:done", "to": "c" }, { "from": "c:done", "to": "http.SendRequest1" }
          ] }
        """);
        var refs = problems.Where(p => p.Code == "UNKNOWN_NODE_REFERENCE").ToList();
        refs.Select(p => (p.NodeId, p.Path)).ShouldBe([
            ("a", "$.nodes[1].inputs.message.js"),
            ("b", "$.nodes[2].inputs.message.template"),
            ("c", "$.nodes[3].inputs.code"),
        ]);
        refs.ShouldAllBe(p => p.IsError);
        refs[0].Message.ShouldStartWith("'nodes.missing' refers to no node of this flow; the nodes are a, b, c, fetch, http.SendRequest1");
        refs[2].Message.ShouldContain("node 'http.SendRequest1' is not an identifier: write nodes[\"http.SendRequest1\"] or rename it");
    }

    [Fact]
    public void Several_start_nodes_without_an_explicit_start_warn_on_each_and_a_plain_node_beside_a_trigger_is_not_connected()
    {
        var problems = Flow.Validate("""
        { "format": 1, "id": "starts",
          "nodes": [
            { "id": "one", "type": "NoOp" }, { "id": "two", "type": "NoOp" }, { "id": "end", "type": "NoOp" }
          ],
          "connections": [ { "from": "one:done", "to": "end" } ] }
        """);
        problems.Where(p => p.Code == "MULTIPLE_STARTS").Select(p => p.NodeId).ShouldBe(["one", "two"]);
        problems.Where(p => p.Code == "MULTIPLE_STARTS").ShouldAllBe(p => !p.IsError);

        // With an explicit start the other node is unreachable instead (as before), not a second start.
        var explicitStart = Flow.Validate("""
        { "format": 1, "id": "starts", "start": "one",
          "nodes": [ { "id": "one", "type": "NoOp" }, { "id": "two", "type": "NoOp" } ], "connections": [] }
        """);
        explicitStart.ShouldNotContain(p => p.Code == "MULTIPLE_STARTS");
        explicitStart.ShouldContain(p => p.Code == "UNREACHABLE" && p.NodeId == "two");

        var single = Flow.Validate("""{ "format": 1, "id": "s", "nodes": [ { "id": "one", "type": "NoOp" } ], "connections": [] }""");
        single.ShouldBeEmpty();
    }

    [Fact]
    public void A_declared_output_no_node_sets_is_a_warning_and_a_return_of_an_undeclared_name_is_an_error_even_with_expression_values()
    {
        var problems = Flow.Validate("""
        { "format": 1, "id": "outs",
          "outputs": [ { "name": "used", "type": "any" }, { "name": "forgotten", "type": "any" } ],
          "nodes": [
            { "id": "set", "type": "SetOutput", "inputs": { "name": "used", "value": 1 } },
            { "id": "ret", "type": "Return", "inputs": { "outputs": { "extra": { "js": "1 + 1" } } } }
          ],
          "connections": [ { "from": "set:done", "to": "ret" } ] }
        """);
        var never = problems.Single(p => p.Code == "OUTPUT_NEVER_SET");
        never.IsError.ShouldBeFalse();
        never.Path.ShouldBe("$.outputs[1].name");
        never.Message.ShouldBe("output 'forgotten' is declared but no Set Output or Return node sets it");
        problems.Single(p => p.Code == "UNDECLARED_OUTPUT").NodeId.ShouldBe("ret");

        // A name computed at run time may set any output: no warning then.
        Flow.Validate("""
        { "format": 1, "id": "outs", "outputs": [ { "name": "x", "type": "any" } ],
          "nodes": [ { "id": "set", "type": "SetOutput", "inputs": { "name": { "js": "'x'" }, "value": 1 } } ], "connections": [] }
        """).ShouldNotContain(p => p.Code == "OUTPUT_NEVER_SET");
    }
}
