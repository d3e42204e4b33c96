using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Cli.Tests;

/// <summary>
/// A structural check of schemas/flow.schema.json (no schema library is available): its property
/// lists match what FlowJson accepts, and every example only uses keys the schema allows.
/// </summary>
public sealed class SchemaTests
{
    private static readonly JsonObject Schema = JsonNode.Parse(File.ReadAllText(Repo.Schema))!.AsObject();

    private static IReadOnlyList<string> Properties(JsonNode? schemaObject) =>
        schemaObject!["properties"]!.AsObject().Select(p => p.Key).ToList();

    private static IReadOnlyList<string> Definition(string name) => Properties(Schema["$defs"]![name]);

    /// <summary>The field list the loader names when it rejects an unknown field ("…; a node has id, type, …").</summary>
    private static IReadOnlyList<string> LoaderFields(string flowJson, string marker)
    {
        var message = FlowJson.Load(flowJson).Problems.Single(p => p.Code == "UNKNOWN_FIELD").Message;
        var list = message[(message.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..];
        return list.Split(", ").ToList();
    }

    [Fact]
    public void The_schema_is_draft_2020_12_and_closed_at_the_top_level()
    {
        Schema["$schema"]!.GetValue<string>().ShouldBe("https://json-schema.org/draft/2020-12/schema");
        Schema["additionalProperties"]!.GetValue<bool>().ShouldBeFalse();
        Schema["required"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldBe(["format", "id", "nodes", "connections"]);
    }

    [Fact]
    public void The_schema_top_level_properties_are_exactly_the_fields_the_loader_accepts()
    {
        string[] expected = ["format", "id", "name", "description", "version", "inputs", "outputs", "variables", "start", "nodes", "connections", "errorFlow", "ui", "card"];
        var loader = LoaderFields("""{ "format": 1, "id": "x", "nodes": [], "connections": [], "zzz": 1 }""", "a flow has ");

        Properties(Schema).ShouldBe(expected);
        loader.ShouldBe(expected, ignoreOrder: true);
    }

    [Fact]
    public void The_schema_node_parameter_variable_and_connection_properties_are_the_fields_the_loader_accepts()
    {
        Definition("node").ShouldBe(LoaderFields("""{ "format": 1, "id": "x", "nodes": [ { "id": "a", "type": "NoOp", "zzz": 1 } ], "connections": [] }""", "a node has "));
        Definition("parameter").ShouldBe(LoaderFields("""{ "format": 1, "id": "x", "inputs": [ { "name": "a", "zzz": 1 } ], "nodes": [], "connections": [] }""", "a parameter has "));
        Definition("variable").ShouldBe(LoaderFields("""{ "format": 1, "id": "x", "variables": [ { "name": "a", "zzz": 1 } ], "nodes": [], "connections": [] }""", "a variable has "));
        Definition("connection").ShouldBe(LoaderFields("""{ "format": 1, "id": "x", "nodes": [], "connections": [ { "from": "a:done", "to": "b", "zzz": 1 } ] }""", "a connection has "));
        foreach (var name in new[] { "node", "parameter", "variable", "connection" })
            Schema["$defs"]![name]!["additionalProperties"]!.GetValue<bool>().ShouldBeFalse(name);
    }

    [Theory]
    [MemberData(nameof(ExampleFlowTests.ExampleFiles), MemberType = typeof(ExampleFlowTests))]
    public void Each_example_uses_only_keys_the_schema_allows(string file)
    {
        var flow = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Examples, file)))!.AsObject();

        ShouldOnlyUse(flow, Properties(Schema), file);
        foreach (var list in new[] { "inputs", "outputs" })
            foreach (var parameter in flow[list]?.AsArray() ?? [])
                ShouldOnlyUse(parameter!.AsObject(), Definition("parameter"), $"{file} {list}");
        foreach (var variable in flow["variables"]?.AsArray() ?? [])
            ShouldOnlyUse(variable!.AsObject(), Definition("variable"), $"{file} variables");
        foreach (var node in flow["nodes"]!.AsArray())
            ShouldOnlyUse(node!.AsObject(), Definition("node"), $"{file} node {node["id"]}");
        foreach (var connection in flow["connections"]!.AsArray())
            ShouldOnlyUse(connection!.AsObject(), Definition("connection"), $"{file} connection");
    }

    private static void ShouldOnlyUse(JsonObject value, IReadOnlyList<string> allowed, string where)
    {
        foreach (var (key, _) in value) allowed.ShouldContain(key, $"{where}: '{key}' is not in the schema");
    }

    /// <summary>The validator evaluates these schemas, so every file the readers accept in the repository must pass them.</summary>
    [Theory]
    [InlineData("*.flow.json")]
    [InlineData("connector.json")]
    [InlineData("*.template.json")]
    public void Every_sample_file_in_flows_is_valid_against_its_schema(string pattern)
    {
        var schema = pattern switch
        {
            "*.flow.json" => FormatSchema.Flow,
            "connector.json" => FormatSchema.Connector,
            _ => FormatSchema.CollectionTemplate,
        };
        var files = Directory.GetFiles(Path.Combine(Repo.Root, "flows"), pattern, SearchOption.AllDirectories);

        files.ShouldNotBeEmpty();
        foreach (var file in files)
        {
            using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
            schema.Evaluate(document.RootElement).Select(v => $"{v.Path} {v.Keyword}").ShouldBeEmpty(file);
        }
    }
}
