using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Activities.Functions.Lists;
using static FlowConnectors.Engine.Tests.Functions.FunctionTestKit;

namespace FlowConnectors.Engine.Tests.Functions;

public sealed class ListTests
{
    private static JsonArray People() => JsonNode.Parse("""
        [
          { "name": "Grace", "age": 45, "team": "Ops", "tags": ["lead"] },
          { "name": "ada", "age": 36, "team": "dev" },
          { "name": "Linus", "age": 28, "team": "Dev", "tags": ["oss", "kernel"] },
          { "name": "Ken", "team": "ops" }
        ]
        """)!.AsArray();

    [Fact]
    public async Task Map_reads_a_path_from_every_item()
    {
        var result = await ActivityRunner.RunAsync<MapItems>(new JsonObject { ["items"] = People(), ["path"] = "name" });
        result.ShouldBeDone().Json().ShouldBe("""["Grace","ada","Linus","Ken"]""");
    }

    [Fact]
    public async Task Map_gives_null_where_the_path_is_missing()
    {
        var result = await ActivityRunner.RunAsync<MapItems>(new JsonObject { ["items"] = People(), ["path"] = "tags[0]" });
        result.Json().ShouldBe("""["lead",null,"oss",null]""");
    }

    [Fact]
    public async Task Map_evaluates_an_expression_per_item_with_its_index()
    {
        var result = await ActivityRunner.RunAsync<MapItems>(new JsonObject { ["items"] = People(), ["expression"] = "index + ':' + item.name.toUpperCase()" });
        result.Json().ShouldBe("""["0:GRACE","1:ADA","2:LINUS","3:KEN"]""");
    }

    [Fact]
    public async Task Map_faults_when_neither_path_nor_expression_is_given()
    {
        var result = await ActivityRunner.RunAsync<MapItems>(new JsonObject { ["items"] = People() });
        result.ShouldFaultWith("give either 'path' or 'expression' (exactly one of them)");
    }

    [Fact]
    public async Task Map_reports_a_failing_expression()
    {
        var result = await ActivityRunner.RunAsync<MapItems>(new JsonObject { ["items"] = People(), ["expression"] = "item.missing.deeper" });
        result.Run.Status.ShouldBe(FlowStatus.Faulted);
        result.Run.Fault!.Message.ShouldBe("TypeError: Cannot read properties of undefined (reading 'deeper') (line 1, column 14)");
    }

    [Fact]
    public async Task A_syntax_error_in_a_literal_expression_is_caught_by_the_validator()
    {
        var error = await Should.ThrowAsync<FlowConnectors.Engine.Flows.FlowValidationException>(
            () => ActivityRunner.RunAsync<MapItems>(new JsonObject { ["items"] = People(), ["expression"] = "item.name +" }));
        error.Problems.ShouldContain(p => p.Path.EndsWith("expression"));
    }

    [Theory]
    [InlineData("team", "equals", "\"dev\"", "ada,Linus")]
    [InlineData("team", "notEquals", "\"dev\"", "Grace,Ken")]
    [InlineData("age", "greaterThan", "30", "Grace,ada")]
    [InlineData("age", "lessThan", "40", "ada,Linus")]
    [InlineData("tags", "contains", "\"oss\"", "Linus")]
    [InlineData("name", "contains", "\"A\"", "Grace,ada")]
    [InlineData("tags", "exists", "null", "Grace,Linus")]
    [InlineData("age", "notExists", "null", "Ken")]
    public async Task Filter_keeps_items_whose_value_at_path_matches(string path, string op, string value, string expected)
    {
        var result = await ActivityRunner.RunAsync<FilterItems>(new JsonObject
        {
            ["items"] = People(), ["path"] = path, ["operator"] = op, ["value"] = JsonNode.Parse(value),
        });
        result.ShouldBeDone();
        string.Join(",", result.Output("result")!.AsArray().Select(p => p!["name"]!.GetValue<string>())).ShouldBe(expected);
        result.Output("count")!.GetValue<int>().ShouldBe(expected.Split(',').Length);
    }

    [Fact]
    public async Task Filter_with_an_expression_keeps_items_it_is_truthy_for()
    {
        var result = await ActivityRunner.RunAsync<FilterItems>(new JsonObject { ["items"] = new JsonArray(1, 2, 3, 4, 5, 6), ["expression"] = "item % 2 === 0 && index > 1" });
        result.Json().ShouldBe("[4,6]");
    }

    [Fact]
    public async Task Filter_compares_the_items_themselves_without_a_path()
    {
        var result = await ActivityRunner.RunAsync<FilterItems>(new JsonObject { ["items"] = new JsonArray(5, 12, 7, 30), ["operator"] = "greaterThan", ["value"] = 7 });
        result.Json().ShouldBe("[12,30]");
    }

    [Fact]
    public async Task Filter_faults_when_given_both_path_and_expression()
    {
        var result = await ActivityRunner.RunAsync<FilterItems>(new JsonObject { ["items"] = People(), ["path"] = "age", ["expression"] = "true" });
        result.ShouldFaultWith("give either 'path' or 'expression', not both");
    }

    [Fact]
    public async Task Filter_faults_on_an_unknown_operator_naming_the_choices()
    {
        var result = await ActivityRunner.RunAsync<FilterItems>(new JsonObject { ["items"] = People(), ["path"] = "age", ["operator"] = Js("'between'") });
        result.ShouldFaultWith("input 'operator'", "expected one of equals, notEquals, contains, greaterThan, lessThan, exists, notExists");
    }

    [Fact]
    public async Task Find_returns_the_first_match_and_its_index_on_found()
    {
        var result = await ActivityRunner.RunAsync<FindItem>(new JsonObject { ["items"] = People(), ["path"] = "team", ["value"] = "DEV" });
        result.ShouldBeDone("found");
        result.Output("item")!["name"]!.GetValue<string>().ShouldBe("ada");
        result.Output("index")!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task Find_continues_on_not_found_with_index_minus_one()
    {
        var result = await ActivityRunner.RunAsync<FindItem>(new JsonObject { ["items"] = People(), ["expression"] = "item.age > 100" });
        result.ShouldBeDone("notFound");
        result.Output("item").ShouldBeNull();
        result.Output("index")!.GetValue<int>().ShouldBe(-1);
    }

    [Fact]
    public async Task Sort_orders_numbers_numerically_and_puts_missing_values_last()
    {
        var result = await ActivityRunner.RunAsync<SortItems>(new JsonObject { ["items"] = People(), ["path"] = "age" });
        string.Join(",", result.ShouldBeDone().Output("result")!.AsArray().Select(p => p!["name"]!.GetValue<string>())).ShouldBe("Linus,ada,Grace,Ken");
    }

    [Fact]
    public async Task Sort_descending_still_puts_missing_values_last()
    {
        var result = await ActivityRunner.RunAsync<SortItems>(new JsonObject { ["items"] = People(), ["path"] = "age", ["descending"] = true });
        string.Join(",", result.Output("result")!.AsArray().Select(p => p!["name"]!.GetValue<string>())).ShouldBe("Grace,ada,Linus,Ken");
    }

    [Fact]
    public async Task Sort_orders_text_ignoring_case_and_keeps_equal_items_in_order()
    {
        var result = await ActivityRunner.RunAsync<SortItems>(new JsonObject { ["items"] = People(), ["path"] = "team" });
        string.Join(",", result.Output("result")!.AsArray().Select(p => p!["name"]!.GetValue<string>())).ShouldBe("ada,Linus,Grace,Ken");
    }

    [Fact]
    public async Task Sort_without_path_sorts_plain_values_numerically_not_as_text()
    {
        var result = await ActivityRunner.RunAsync<SortItems>(new JsonObject { ["items"] = new JsonArray(10, 9, 100, 1.5) });
        result.Json().ShouldBe("[1.5,9,10,100]");
    }

    [Fact]
    public async Task Length_counts_items()
    {
        (await ActivityRunner.RunAsync<ListLength>(new JsonObject { ["items"] = People() })).Output("result")!.GetValue<int>().ShouldBe(4);
    }

    [Fact]
    public async Task Length_faults_when_items_is_text()
    {
        var result = await ActivityRunner.RunAsync<ListLength>(new JsonObject { ["items"] = Js("'abc'") });
        result.ShouldFaultWith("input 'items'", "expected array but got string");
    }

    [Fact]
    public async Task Concat_joins_lists_in_order_skipping_nulls()
    {
        var result = await ActivityRunner.RunAsync<ConcatLists>(new JsonObject { ["lists"] = JsonNode.Parse("[[1, 2], null, [], [3, [4]]]") });
        result.ShouldBeDone().Json().ShouldBe("[1,2,3,[4]]");
    }

    [Fact]
    public async Task Concat_faults_when_an_entry_is_not_a_list()
    {
        var result = await ActivityRunner.RunAsync<ConcatLists>(new JsonObject { ["lists"] = JsonNode.Parse("""[[1], { "a": 1 }]""") });
        result.ShouldFaultWith("lists[1] is object, not a list");
    }

    [Fact]
    public async Task Unique_keeps_the_first_of_repeated_values()
    {
        var result = await ActivityRunner.RunAsync<UniqueItems>(new JsonObject { ["items"] = JsonNode.Parse("""[1, "1", 1.0, {"a":1}, {"a":1}, "x", "X"]""") });
        result.ShouldBeDone().Json().ShouldBe("""[1,"1",{"a":1},"x","X"]""");
    }

    [Fact]
    public async Task Unique_by_path_keeps_the_first_item_per_key()
    {
        var result = await ActivityRunner.RunAsync<UniqueItems>(new JsonObject { ["items"] = People(), ["path"] = "team" });
        result.Output("result")!.AsArray().Count.ShouldBe(4);
        var byAge = await ActivityRunner.RunAsync<UniqueItems>(new JsonObject { ["items"] = JsonNode.Parse("""[{"k":1,"n":"a"},{"k":2,"n":"b"},{"k":1,"n":"c"}]"""), ["path"] = "k" });
        byAge.Json().ShouldBe("""[{"k":1,"n":"a"},{"k":2,"n":"b"}]""");
    }

    [Theory]
    [InlineData(1, 2, "[2,3]")]
    [InlineData(3, null, "[4,5]")]
    [InlineData(-2, null, "[4,5]")]
    [InlineData(4, 10, "[5]")]
    [InlineData(9, 1, "[]")]
    public async Task Slice_takes_count_items_from_start(int start, int? count, string expected)
    {
        var inputs = new JsonObject { ["items"] = new JsonArray(1, 2, 3, 4, 5), ["start"] = start };
        if (count is not null) inputs["count"] = count;
        (await ActivityRunner.RunAsync<SliceList>(inputs)).Json().ShouldBe(expected);
    }

    [Fact]
    public async Task Slice_faults_on_a_negative_count()
    {
        var result = await ActivityRunner.RunAsync<SliceList>(new JsonObject { ["items"] = new JsonArray(1), ["count"] = -1 });
        result.ShouldFaultWith("count must not be negative, got -1");
    }

    [Fact]
    public async Task List_nodes_filter_sort_and_map_inside_a_flow_without_changing_the_input()
    {
        var result = await Flow.RunAsync("""
        {
          "format": 1, "id": "list-chain",
          "inputs": [ { "name": "orders", "type": "array", "required": true } ],
          "outputs": [ { "name": "ids", "type": "array<string>" }, { "name": "first", "type": "string" }, { "name": "input", "type": "array" } ],
          "nodes": [
            { "id": "paid", "type": "List.Filter", "inputs": { "items": { "js": "input.orders" }, "path": "status", "value": "paid" } },
            { "id": "sorted", "type": "List.Sort", "inputs": { "items": { "js": "nodes.paid.result" }, "path": "total", "descending": true } },
            { "id": "ids", "type": "List.Map", "inputs": { "items": { "js": "nodes.sorted.result" }, "expression": "item.id + '@' + item.total" } },
            { "id": "big", "type": "List.Find", "inputs": { "items": { "js": "nodes.sorted.result" }, "path": "total", "operator": "lessThan", "value": 50 } },
            { "id": "out", "type": "SetOutput", "inputs": { "name": "ids", "value": { "js": "nodes.ids.result" } } },
            { "id": "first", "type": "SetOutput", "inputs": { "name": "first", "value": { "js": "nodes.big.item.id" } } },
            { "id": "same", "type": "SetOutput", "inputs": { "name": "input", "value": { "js": "input.orders" } } }
          ],
          "connections": [
            { "from": "paid:done", "to": "sorted" }, { "from": "sorted:done", "to": "ids" }, { "from": "ids:done", "to": "big" },
            { "from": "big:found", "to": "out" }, { "from": "out:done", "to": "first" }, { "from": "first:done", "to": "same" }
          ]
        }
        """, Flow.Input("""
        { "orders": [ { "id": "a", "status": "paid", "total": 20 }, { "id": "b", "status": "open", "total": 99 },
                      { "id": "c", "status": "PAID", "total": 120 }, { "id": "d", "status": "paid", "total": 45 } ] }
        """));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["ids"]!.ToJsonString().ShouldBe("""["c@120","d@45","a@20"]""");
        result.Outputs["first"]!.GetValue<string>().ShouldBe("d");
        result.Outputs["input"]!.AsArray().Select(o => o!["id"]!.GetValue<string>()).ShouldBe(["a", "b", "c", "d"]);
    }
}
