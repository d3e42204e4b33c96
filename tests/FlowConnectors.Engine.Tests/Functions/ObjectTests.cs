using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Activities.Functions.Objects;
using static FlowConnectors.Engine.Tests.Functions.FunctionTestKit;

namespace FlowConnectors.Engine.Tests.Functions;

public sealed class ObjectTests
{
    private static JsonObject User() => JsonNode.Parse("""
        { "name": "Ada", "address": { "city": "London", "zip": null }, "roles": [ { "id": "admin" }, { "id": "dev" } ] }
        """)!.AsObject();

    [Fact]
    public async Task Construct_builds_an_object_with_expressions_nested_anywhere()
    {
        var result = await ActivityRunner.RunAsync<ConstructObject>(new JsonObject
        {
            ["fields"] = new JsonObject
            {
                ["name"] = Js("'Ada'.toUpperCase()"),
                ["tags"] = new JsonArray("fixed", Js("1 + 1")),
                ["nested"] = new JsonObject { ["ok"] = true },
            },
        });
        result.ShouldBeDone().Json().ShouldBe("""{"name":"ADA","tags":["fixed",2],"nested":{"ok":true}}""");
    }

    [Fact]
    public async Task Get_reads_a_nested_path_through_lists()
    {
        var result = await ActivityRunner.RunAsync<GetValue>(new JsonObject { ["object"] = User(), ["path"] = "roles[1].id" });
        result.ShouldBeDone().Text("value").ShouldBe("dev");
        result.Output("found")!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task Get_tells_a_present_null_from_a_missing_path()
    {
        var present = await ActivityRunner.RunAsync<GetValue>(new JsonObject { ["object"] = User(), ["path"] = "address.zip", ["default"] = "none" });
        present.Output("value").ShouldBeNull();
        present.Output("found")!.GetValue<bool>().ShouldBeTrue();

        var missing = await ActivityRunner.RunAsync<GetValue>(new JsonObject { ["object"] = User(), ["path"] = "address.street", ["default"] = "none" });
        missing.Text("value").ShouldBe("none");
        missing.Output("found")!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task Get_faults_on_a_malformed_path()
    {
        var result = await ActivityRunner.RunAsync<GetValue>(new JsonObject { ["object"] = User(), ["path"] = "roles[0" });
        result.ShouldFaultWith("path: path 'roles[0' has an unclosed '['");
    }

    [Fact]
    public async Task Set_returns_a_copy_with_the_value_and_creates_missing_objects()
    {
        var result = await ActivityRunner.RunAsync<SetValue>(new JsonObject
        {
            ["object"] = new JsonObject { ["name"] = "Ada" }, ["path"] = "profile.contact.email", ["value"] = "ada@example.com",
        });
        result.ShouldBeDone().Json().ShouldBe("""{"name":"Ada","profile":{"contact":{"email":"ada@example.com"}}}""");
    }

    [Fact]
    public async Task Set_can_replace_and_append_list_items()
    {
        var replaced = await ActivityRunner.RunAsync<SetValue>(new JsonObject { ["object"] = User(), ["path"] = "roles[0].id", ["value"] = "owner" });
        replaced.Output("result")!["roles"]!.ToJsonString().ShouldBe("""[{"id":"owner"},{"id":"dev"}]""");

        var appended = await ActivityRunner.RunAsync<SetValue>(new JsonObject { ["object"] = User(), ["path"] = "roles[2]", ["value"] = new JsonObject { ["id"] = "ops" } });
        appended.Output("result")!["roles"]!.AsArray().Count.ShouldBe(3);
    }

    [Fact]
    public async Task Set_does_not_change_the_object_it_was_given()
    {
        var result = await Flow.RunAsync("""
        {
          "format": 1, "id": "set-copy",
          "outputs": [ { "name": "before", "type": "object" }, { "name": "after", "type": "object" } ],
          "variables": [ { "name": "user", "type": "object", "default": { "name": "Ada" } } ],
          "nodes": [
            { "id": "set", "type": "Object.Set", "inputs": { "object": { "js": "vars.user" }, "path": "name", "value": "Grace" } },
            { "id": "before", "type": "SetOutput", "inputs": { "name": "before", "value": { "js": "vars.user" } } },
            { "id": "after", "type": "SetOutput", "inputs": { "name": "after", "value": { "js": "nodes.set.result" } } }
          ],
          "connections": [ { "from": "set:done", "to": "before" }, { "from": "before:done", "to": "after" } ]
        }
        """);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["before"]!.ToJsonString().ShouldBe("""{"name":"Ada"}""");
        result.Outputs["after"]!.ToJsonString().ShouldBe("""{"name":"Grace"}""");
    }

    [Fact]
    public async Task Set_faults_when_the_path_runs_through_a_text_value()
    {
        var result = await ActivityRunner.RunAsync<SetValue>(new JsonObject { ["object"] = User(), ["path"] = "name.first", ["value"] = "x" });
        result.ShouldFaultWith("cannot set 'name.first': 'name' is string, not an object");
    }

    [Fact]
    public async Task Set_faults_on_a_list_index_beyond_the_end()
    {
        var result = await ActivityRunner.RunAsync<SetValue>(new JsonObject { ["object"] = User(), ["path"] = "roles[5]", ["value"] = "x" });
        result.ShouldFaultWith("'roles' is a list with 2 items; '5' is not an index in it or just after its end");
    }

    [Fact]
    public async Task Merge_lets_later_objects_win()
    {
        var result = await ActivityRunner.RunAsync<MergeObjects>(new JsonObject
        {
            ["objects"] = JsonNode.Parse("""[ { "a": 1, "n": { "x": 1, "y": 1 } }, null, { "b": 2, "n": { "y": 2 } } ]"""),
        });
        result.ShouldBeDone().Json().ShouldBe("""{"a":1,"n":{"y":2},"b":2}""");
    }

    [Fact]
    public async Task Deep_merge_combines_nested_objects_field_by_field()
    {
        var result = await ActivityRunner.RunAsync<MergeObjects>(new JsonObject
        {
            ["objects"] = JsonNode.Parse("""[ { "a": 1, "n": { "x": 1, "y": 1 } }, { "n": { "y": 2, "z": [3] } } ]"""), ["deep"] = true,
        });
        result.Json().ShouldBe("""{"a":1,"n":{"x":1,"y":2,"z":[3]}}""");
    }

    [Fact]
    public async Task Merge_faults_when_an_entry_is_not_an_object()
    {
        var result = await ActivityRunner.RunAsync<MergeObjects>(new JsonObject { ["objects"] = new JsonArray(new JsonObject(), "text") });
        result.ShouldFaultWith("objects[1] is string, not an object");
    }

    [Fact]
    public async Task Pick_keeps_only_the_named_fields_that_exist()
    {
        var result = await ActivityRunner.RunAsync<PickKeys>(new JsonObject { ["object"] = User(), ["keys"] = new JsonArray("name", "missing") });
        result.ShouldBeDone().Json().ShouldBe("""{"name":"Ada"}""");
    }

    [Fact]
    public async Task Keys_lists_field_names_in_order()
    {
        var result = await ActivityRunner.RunAsync<ListKeys>(new JsonObject { ["object"] = User() });
        result.ShouldBeDone().Json().ShouldBe("""["name","address","roles"]""");
    }

    [Fact]
    public async Task Keys_faults_when_given_a_list()
    {
        var result = await ActivityRunner.RunAsync<ListKeys>(new JsonObject { ["object"] = Js("[1, 2]") });
        result.ShouldFaultWith("input 'object'", "expected object but got array");
    }

    [Fact]
    public async Task Object_nodes_build_and_reshape_a_record_inside_a_flow()
    {
        var result = await Flow.RunAsync("""
        {
          "format": 1, "id": "object-chain",
          "inputs": [ { "name": "first", "type": "string" }, { "name": "last", "type": "string" } ],
          "outputs": [ { "name": "user", "type": "object" }, { "name": "city", "type": "string" } ],
          "nodes": [
            { "id": "build", "type": "Object.Construct", "inputs": { "fields": { "name": { "template": "{{ input.first }} {{ input.last }}" }, "address": { "city": "London" } } } },
            { "id": "set", "type": "Object.Set", "inputs": { "object": { "js": "nodes.build.result" }, "path": "address.country", "value": "UK" } },
            { "id": "get", "type": "Object.Get", "inputs": { "object": { "js": "nodes.set.result" }, "path": "address.city" } },
            { "id": "user", "type": "SetOutput", "inputs": { "name": "user", "value": { "js": "nodes.set.result" } } },
            { "id": "city", "type": "SetOutput", "inputs": { "name": "city", "value": { "js": "nodes.get.value" } } }
          ],
          "connections": [
            { "from": "build:done", "to": "set" }, { "from": "set:done", "to": "get" },
            { "from": "get:done", "to": "user" }, { "from": "user:done", "to": "city" }
          ]
        }
        """, Flow.Input("""{ "first": "Ada", "last": "Lovelace" }"""));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["user"]!.ToJsonString().ShouldBe("""{"name":"Ada Lovelace","address":{"city":"London","country":"UK"}}""");
        result.Outputs["city"]!.GetValue<string>().ShouldBe("London");
    }
}
