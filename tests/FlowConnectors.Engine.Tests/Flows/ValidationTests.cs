using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Engine.Tests.Flows;

public sealed class ValidationTests
{
    [Fact]
    public void Every_problem_is_reported_at_once_with_its_json_path()
    {
        var problems = Flow.Validate("""
        { "format": 1, "id": "broken",
          "outputs": [ { "name": "x", "type": "string" } ],
          "nodes": [
            { "id": "a", "type": "Lgo", "inputs": { "message": "hi" } },
            { "id": "b", "type": "If", "inputs": { "condition": { "js": "input.x ===" } } },
            { "id": "b", "type": "NoOp" },
            { "id": "c", "type": "SetOutput", "inputs": { "name": "y", "value": 1, "colour": "red" } },
            { "id": "d", "type": "ForEach", "inputs": { "items": "not a list" } },
            { "id": "e", "type": "RunJavaScript", "inputs": { "code": "return {" } },
            { "id": "f", "type": "Template", "inputs": { "template": "{{ for x in y }}" } },
            { "id": "g", "type": "Fail" }
          ],
          "connections": [
            { "from": "b:maybe", "to": "c" },
            { "from": "c:done", "to": "zzz" }
          ] }
        """);
        var byPath = problems.Where(p => p.IsError).ToDictionary(p => p.Path + " " + p.Code, p => p.Message);
        byPath["$.nodes[0].type UNKNOWN_ACTIVITY"].ShouldBe("unknown activity type 'Lgo'; did you mean 'Log'?");
        byPath["$.nodes[1].inputs.condition.js JS_SYNTAX"].ShouldStartWith("JavaScript syntax error: Unexpected end of input (line 1");
        byPath["$.nodes[2].id DUPLICATE_NODE_ID"].ShouldBe("node id 'b' is used twice");
        byPath["$.nodes[3].inputs.name UNDECLARED_OUTPUT"].ShouldBe("output 'y' is not declared in $.outputs");
        byPath["$.nodes[3].inputs.colour UNKNOWN_INPUT"].ShouldBe("SetOutput has no input 'colour'; it has name, value");
        byPath["$.nodes[4].inputs.items INPUT_TYPE"].ShouldBe("input 'items' expected array but got string \"not a list\"");
        byPath["$.nodes[5].inputs.code JS_SYNTAX"].ShouldStartWith("JavaScript syntax error:");
        byPath["$.nodes[6].inputs.template TEMPLATE_SYNTAX"].ShouldStartWith("template syntax error:");
        byPath["$.nodes[7].inputs MISSING_INPUT"].ShouldBe("required input 'message' is missing");
        byPath["$.connections[0].from UNKNOWN_OUTCOME"].ShouldBe("node 'b' (If) has no outcome 'maybe'; it has true, false, fault");
        byPath["$.connections[1].to UNKNOWN_NODE"].ShouldBe("connection to unknown node 'zzz'");
    }

    [Fact]
    public void Unknown_fields_and_wrong_types_in_the_document_are_errors_with_paths()
    {
        var problems = Flow.Validate("""
        { "format": 1, "id": "x", "colour": "red",
          "inputs": [ { "name": "a", "type": "strin", "hint": 1 } ],
          "nodes": [ { "id": "n", "type": "NoOp", "position": [1, 2] } ],
          "connections": [ { "from": "n", "to": "n" } ] }
        """);
        problems.Select(p => p.ToString()).ShouldBe([
            "$.colour: unknown field 'colour'; a flow has format, id, name, description, version, inputs, outputs, variables, start, nodes, connections, errorFlow, card, ui",
            "$.inputs[0].type: unknown type 'strin'; use string, number, integer, boolean, datetime, object, any, array or array<T>",
            "$.inputs[0].hint: unknown field 'hint'; a parameter has name, type, label, description, required, secret, default, options",
            "$.nodes[0].position: unknown field 'position'; a node has id, type, name, description, inputs, onError, sideEffects, ui",
            "$.connections[0].from: 'from' must be \"node:outcome\", got \"n\"",
        ], ignoreOrder: true);
    }

    [Fact]
    public void Malformed_json_names_the_line_and_column()
    {
        var problem = Flow.Validate("{\n  \"format\": 1,\n  \"id\": \"x\" \"nodes\": []\n}").Single();
        problem.Code.ShouldBe("JSON_SYNTAX");
        problem.Message.ShouldStartWith("line 3, column 13: malformed JSON:");
    }

    [Fact]
    public void Unreachable_nodes_are_warnings_not_errors()
    {
        var problems = Flow.Validate("""
        { "format": 1, "id": "x", "start": "a",
          "nodes": [ { "id": "a", "type": "NoOp" }, { "id": "island", "type": "NoOp" } ], "connections": [] }
        """);
        var warning = problems.Single();
        warning.IsError.ShouldBeFalse();
        warning.ToString().ShouldBe("$.nodes[1]: warning: node 'island' can never run: no path leads to it from the start");
    }

    [Fact]
    public void A_flow_file_over_the_size_limit_is_refused_before_parsing()
    {
        var huge = "{\"format\":1,\"id\":\"x\",\"nodes\":[{\"id\":\"a\",\"type\":\"Log\",\"inputs\":{\"message\":\"" + new string('x', 17 * 1024 * 1024) + "\"}}],\"connections\":[]}";
        var problem = FlowJson.Load(huge).Problems.Single();
        problem.Code.ShouldBe("FLOW_TOO_LARGE");
        problem.Message.ShouldBe("file is 17.0 MB, larger than the 16 MB limit");
    }

    [Fact]
    public void A_literal_that_looks_like_an_expression_can_be_escaped_with_literal()
    {
        Flow.Validate("""
        { "format": 1, "id": "x", "outputs": [ { "name": "o", "type": "object" } ],
          "nodes": [ { "id": "a", "type": "SetOutput", "inputs": { "name": "o", "value": { "literal": { "js": "not code" } } } } ], "connections": [] }
        """).ShouldBeEmpty();
    }
}
