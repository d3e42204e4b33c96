using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Activities.Functions.Text;
using static FlowConnectors.Engine.Tests.Functions.FunctionTestKit;

namespace FlowConnectors.Engine.Tests.Functions;

public sealed class TextTests
{
    [Fact]
    public async Task Concatenate_joins_values_with_the_separator_writing_numbers_and_null_as_text()
    {
        var result = await ActivityRunner.RunAsync<Concatenate>(new JsonObject { ["values"] = new JsonArray("a", 2, true, null, 1.5), ["separator"] = "-" });
        result.ShouldBeDone().Text().ShouldBe("a-2-true--1.5");
    }

    [Fact]
    public async Task Concatenate_without_separator_runs_values_together()
    {
        var result = await ActivityRunner.RunAsync<Concatenate>(new JsonObject { ["values"] = new JsonArray("Ada", " ", "Lovelace") });
        result.Text().ShouldBe("Ada Lovelace");
    }

    [Fact]
    public async Task Concatenate_faults_when_values_is_not_a_list()
    {
        var result = await ActivityRunner.RunAsync<Concatenate>(new JsonObject { ["values"] = Js("({ a: 1 })") });
        result.ShouldFaultWith("input 'values'", "expected array but got object");
    }

    [Fact]
    public async Task Split_breaks_text_at_every_separator()
    {
        var result = await ActivityRunner.RunAsync<Split>(new JsonObject { ["text"] = "a,b,,c", ["separator"] = "," });
        result.ShouldBeDone().Json().ShouldBe("""["a","b","","c"]""");
    }

    [Fact]
    public async Task Split_with_a_limit_keeps_the_rest_in_the_last_part()
    {
        var result = await ActivityRunner.RunAsync<Split>(new JsonObject { ["text"] = "key=value=more", ["separator"] = "=", ["limit"] = 2 });
        result.Json().ShouldBe("""["key","value=more"]""");
    }

    [Fact]
    public async Task Split_with_trim_parts_drops_spaces_and_empty_parts()
    {
        var result = await ActivityRunner.RunAsync<Split>(new JsonObject { ["text"] = " red , green,, blue ", ["trimParts"] = true });
        result.Json().ShouldBe("""["red","green","blue"]""");
    }

    [Fact]
    public async Task Split_with_an_empty_separator_gives_characters_and_empty_text_gives_an_empty_list()
    {
        (await ActivityRunner.RunAsync<Split>(new JsonObject { ["text"] = "abc", ["separator"] = "" })).Json().ShouldBe("""["a","b","c"]""");
        (await ActivityRunner.RunAsync<Split>(new JsonObject { ["text"] = "" })).Json().ShouldBe("[]");
    }

    [Fact]
    public async Task Split_faults_on_a_limit_below_one()
    {
        var result = await ActivityRunner.RunAsync<Split>(new JsonObject { ["text"] = "a,b", ["limit"] = Js("0") });
        result.ShouldFaultWith("limit must be at least 1, got 0");
    }

    [Fact]
    public async Task Replace_replaces_every_occurrence_of_plain_text()
    {
        var result = await ActivityRunner.RunAsync<Replace>(new JsonObject { ["text"] = "a.b.c", ["find"] = ".", ["replacement"] = "/" });
        result.ShouldBeDone().Text().ShouldBe("a/b/c");
    }

    [Fact]
    public async Task Replace_can_ignore_case()
    {
        var result = await ActivityRunner.RunAsync<Replace>(new JsonObject { ["text"] = "Cat cat CAT", ["find"] = "cat", ["replacement"] = "dog", ["ignoreCase"] = true });
        result.Text().ShouldBe("dog dog dog");
    }

    [Fact]
    public async Task Replace_with_regex_uses_groups_in_the_replacement()
    {
        var result = await ActivityRunner.RunAsync<Replace>(new JsonObject
        {
            ["text"] = "2026-03-29", ["find"] = @"(\d+)-(\d+)-(\d+)", ["replacement"] = "$3.$2.$1", ["regex"] = true,
        });
        result.Text().ShouldBe("29.03.2026");
    }

    [Fact]
    public async Task Replace_faults_clearly_on_an_invalid_regex()
    {
        var result = await ActivityRunner.RunAsync<Replace>(new JsonObject { ["text"] = "x", ["find"] = "(unclosed", ["regex"] = true });
        result.ShouldFaultWith("find is not a valid regular expression", "(unclosed");
    }

    [Fact]
    public async Task Replace_stops_a_runaway_regex_with_a_clear_fault()
    {
        var result = await ActivityRunner.RunAsync<Replace>(new JsonObject
        {
            ["text"] = new string('a', 5000) + "!", ["find"] = "^(a|aa)+$", ["regex"] = true,
        });
        result.ShouldFaultWith("the regular expression took longer than 1 second");
    }

    [Fact]
    public async Task Replace_faults_on_empty_find_text()
    {
        var result = await ActivityRunner.RunAsync<Replace>(new JsonObject { ["text"] = "abc", ["find"] = "" });
        result.ShouldFaultWith("find must not be empty");
    }

    [Theory]
    [InlineData("upper", "hello wORLD-wide", "HELLO WORLD-WIDE")]
    [InlineData("lower", "Hello WORLD", "hello world")]
    [InlineData("title", "hello wORLD-wide web", "Hello World-Wide Web")]
    [InlineData("camel", "Hello world_wide web", "helloWorldWideWeb")]
    [InlineData("snake", "parseHTTPResponse code2", "parse_http_response_code2")]
    [InlineData("kebab", "User Account ID", "user-account-id")]
    public async Task Change_case_converts_between_word_styles(string style, string text, string expected)
    {
        var result = await ActivityRunner.RunAsync<ChangeCase>(new JsonObject { ["text"] = text, ["case"] = style });
        result.ShouldBeDone().Text().ShouldBe(expected);
    }

    [Fact]
    public async Task Change_case_faults_on_an_unknown_case_naming_the_choices()
    {
        var result = await ActivityRunner.RunAsync<ChangeCase>(new JsonObject { ["text"] = "x", ["case"] = Js("'shouty'") });
        result.ShouldFaultWith("input 'case'", "expected one of upper, lower, title, camel, snake, kebab");
    }

    [Fact]
    public async Task Trim_removes_white_space_or_the_given_characters_from_both_ends()
    {
        (await ActivityRunner.RunAsync<Trim>(new JsonObject { ["text"] = "  \t padded \n" })).Text().ShouldBe("padded");
        (await ActivityRunner.RunAsync<Trim>(new JsonObject { ["text"] = "//path/to//", ["characters"] = "/" })).Text().ShouldBe("path/to");
    }

    [Fact]
    public async Task Substring_takes_length_characters_from_start_or_the_rest()
    {
        (await ActivityRunner.RunAsync<Substring>(new JsonObject { ["text"] = "FlowConnectors", ["start"] = 4, ["length"] = 9 })).Text().ShouldBe("Connector");
        (await ActivityRunner.RunAsync<Substring>(new JsonObject { ["text"] = "FlowConnectors", ["start"] = 4 })).Text().ShouldBe("Connectors");
    }

    [Fact]
    public async Task Substring_faults_when_start_is_outside_the_text()
    {
        var result = await ActivityRunner.RunAsync<Substring>(new JsonObject { ["text"] = "abc", ["start"] = 5 });
        result.ShouldFaultWith("start 5 is outside the text, which has 3 characters");
    }

    [Fact]
    public async Task Substring_faults_when_length_goes_past_the_end()
    {
        var result = await ActivityRunner.RunAsync<Substring>(new JsonObject { ["text"] = "abc", ["start"] = 1, ["length"] = 5 });
        result.ShouldFaultWith("start 1 plus length 5 goes past the end of the text, which has 3 characters");
    }

    [Fact]
    public async Task Substring_faults_on_a_negative_start()
    {
        var result = await ActivityRunner.RunAsync<Substring>(new JsonObject { ["text"] = "abc", ["start"] = -1 });
        result.ShouldFaultWith("start -1 is outside the text");
    }

    [Fact]
    public async Task Length_counts_characters()
    {
        var result = await ActivityRunner.RunAsync<TextLength>(new JsonObject { ["text"] = "héllo" });
        result.Output("result")!.GetValue<int>().ShouldBe(5);
    }

    [Fact]
    public async Task Length_faults_when_text_is_an_object()
    {
        var result = await ActivityRunner.RunAsync<TextLength>(new JsonObject { ["text"] = Js("({ name: 'x' })") });
        result.ShouldFaultWith("input 'text'", "expected string but got object");
    }

    [Theory]
    [InlineData("Hello World", "world", false, false)]
    [InlineData("Hello World", "world", true, true)]
    [InlineData("Hello World", "lo W", false, true)]
    public async Task Contains_reports_whether_the_search_text_occurs(string text, string search, bool ignoreCase, bool expected)
    {
        var result = await ActivityRunner.RunAsync<Contains>(new JsonObject { ["text"] = text, ["search"] = search, ["ignoreCase"] = ignoreCase });
        result.Output("result")!.GetValue<bool>().ShouldBe(expected);
    }

    [Fact]
    public async Task A_literal_of_the_wrong_type_is_rejected_before_the_flow_runs()
    {
        var error = await Should.ThrowAsync<FlowConnectors.Engine.Flows.FlowValidationException>(
            () => ActivityRunner.RunAsync<Contains>(new JsonObject { ["text"] = new JsonObject(), ["search"] = "x" }));
        error.Message.ShouldContain("input 'text' expected string but got object");
    }

    [Fact]
    public async Task Text_nodes_chain_inside_a_flow()
    {
        var result = await Flow.RunAsync("""
        {
          "format": 1, "id": "text-chain",
          "inputs": [ { "name": "csv", "type": "string", "required": true } ],
          "outputs": [ { "name": "slug", "type": "string" }, { "name": "count", "type": "integer" } ],
          "nodes": [
            { "id": "split", "type": "Text.Split", "inputs": { "text": { "js": "input.csv" }, "separator": ",", "trimParts": true } },
            { "id": "join", "type": "Text.Concatenate", "inputs": { "values": { "js": "nodes.split.result" }, "separator": " " } },
            { "id": "kebab", "type": "Text.ChangeCase", "inputs": { "text": { "js": "nodes.join.result" }, "case": "kebab" } },
            { "id": "out", "type": "SetOutput", "inputs": { "name": "slug", "value": { "js": "nodes.kebab.result" } } },
            { "id": "count", "type": "SetOutput", "inputs": { "name": "count", "value": { "js": "nodes.split.result.length" } } }
          ],
          "connections": [
            { "from": "split:done", "to": "join" }, { "from": "join:done", "to": "kebab" },
            { "from": "kebab:done", "to": "out" }, { "from": "out:done", "to": "count" }
          ]
        }
        """, Flow.Input("""{ "csv": " Quarterly Report , 2026,Final " }"""));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["slug"]!.GetValue<string>().ShouldBe("quarterly-report-2026-final");
        result.Outputs["count"]!.GetValue<long>().ShouldBe(3);
    }
}
