using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Activities.Functions.Encodings;

namespace FlowConnectors.Engine.Tests.Functions;

public sealed class EncodingTests
{
    [Fact]
    public async Task Base64_encode_writes_utf8_bytes()
    {
        var result = await ActivityRunner.RunAsync<Base64Encode>(new JsonObject { ["text"] = "héllo?>" });
        result.ShouldBeDone().Text().ShouldBe("aMOpbGxvPz4=");
    }

    [Fact]
    public async Task Base64_url_safe_encoding_swaps_characters_and_drops_padding()
    {
        var result = await ActivityRunner.RunAsync<Base64Encode>(new JsonObject { ["text"] = "héllo?>", ["urlSafe"] = true });
        result.Text().ShouldBe("aMOpbGxvPz4");
    }

    [Theory]
    [InlineData("aMOpbGxvPz4=", false)]
    [InlineData("aMOpbGxvPz4", true)]
    public async Task Base64_decode_reverses_the_encoding(string text, bool urlSafe)
    {
        var result = await ActivityRunner.RunAsync<Base64Decode>(new JsonObject { ["text"] = text, ["urlSafe"] = urlSafe });
        result.ShouldBeDone().Text().ShouldBe("héllo?>");
    }

    [Fact]
    public async Task Base64_decode_faults_on_invalid_text()
    {
        var result = await ActivityRunner.RunAsync<Base64Decode>(new JsonObject { ["text"] = "not base64!" });
        result.ShouldFaultWith("text is not valid Base64");
    }

    [Fact]
    public async Task Base64_decode_faults_when_the_bytes_are_not_text()
    {
        var result = await ActivityRunner.RunAsync<Base64Decode>(new JsonObject { ["text"] = "//79" });
        result.ShouldFaultWith("the decoded bytes are not UTF-8 text");
    }

    [Fact]
    public async Task Url_encode_escapes_reserved_characters()
    {
        var result = await ActivityRunner.RunAsync<UrlEncode>(new JsonObject { ["text"] = "a b&c=d/é" });
        result.ShouldBeDone().Text().ShouldBe("a%20b%26c%3Dd%2F%C3%A9");
    }

    [Fact]
    public async Task Url_decode_reads_escapes_and_optionally_plus_as_space()
    {
        (await ActivityRunner.RunAsync<UrlDecode>(new JsonObject { ["text"] = "a%20b+c%C3%A9" })).Text().ShouldBe("a b+cé");
        (await ActivityRunner.RunAsync<UrlDecode>(new JsonObject { ["text"] = "a%20b+c", ["plusAsSpace"] = true })).Text().ShouldBe("a b c");
    }

    [Fact]
    public async Task Build_query_encodes_values_repeats_list_keys_and_skips_nulls()
    {
        var result = await ActivityRunner.RunAsync<BuildQuery>(new JsonObject
        {
            ["parameters"] = JsonNode.Parse("""{ "a": 1, "b": "x y", "tag": ["p", "q&r"], "skip": null, "ok": true }"""),
        });
        result.ShouldBeDone().Text().ShouldBe("a=1&b=x%20y&tag=p&tag=q%26r&ok=true");
    }

    [Fact]
    public async Task Build_query_faults_on_a_nested_object()
    {
        var result = await ActivityRunner.RunAsync<BuildQuery>(new JsonObject { ["parameters"] = JsonNode.Parse("""{ "filter": { "a": 1 } }""") });
        result.ShouldFaultWith("parameter 'filter' is object; use text, numbers, booleans or lists of them");
    }

    [Fact]
    public async Task Encoding_nodes_build_a_url_inside_a_flow()
    {
        var result = await Flow.RunAsync("""
        {
          "format": 1, "id": "encoding-chain",
          "inputs": [ { "name": "search", "type": "string" } ],
          "outputs": [ { "name": "url", "type": "string" }, { "name": "token", "type": "string" } ],
          "nodes": [
            { "id": "query", "type": "Url.BuildQuery", "inputs": { "parameters": { "q": { "js": "input.search" }, "page": 2 } } },
            { "id": "token", "type": "Base64.Encode", "inputs": { "text": { "template": "user:{{ input.search }}" }, "urlSafe": true } },
            { "id": "url", "type": "SetOutput", "inputs": { "name": "url", "value": { "template": "https://example.com/find?{{ nodes.query.result }}" } } },
            { "id": "out", "type": "SetOutput", "inputs": { "name": "token", "value": { "js": "nodes.token.result" } } }
          ],
          "connections": [ { "from": "query:done", "to": "token" }, { "from": "token:done", "to": "url" }, { "from": "url:done", "to": "out" } ]
        }
        """, Flow.Input("""{ "search": "fish & chips" }"""));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["url"]!.GetValue<string>().ShouldBe("https://example.com/find?q=fish%20%26%20chips&page=2");
        result.Outputs["token"]!.GetValue<string>().ShouldBe("dXNlcjpmaXNoICYgY2hpcHM");
    }
}
