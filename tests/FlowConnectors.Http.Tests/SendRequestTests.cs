using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using FlowConnectors.Engine;
using static FlowConnectors.Http.Tests.TestHttp;

namespace FlowConnectors.Http.Tests;

public sealed class SendRequestTests
{
    [Fact]
    public async Task Json_body_arrives_as_json_with_the_json_content_type()
    {
        await using var stub = await StubServer.JsonAsync(200, "{}");
        var result = await SendAsync(Json($$"""
            { "method": "POST", "url": "{{stub.Url("items")}}", "body": { "name": "Ada", "tags": ["a", "b"], "n": 3 } }
            """));
        result.Outcome.ShouldBe("2xx");
        var request = stub.Requests.Single();
        request.Method.ShouldBe("POST");
        request.Path.ShouldBe("/items");
        request.ContentType.ShouldBe("application/json; charset=utf-8");
        request.BodyText.ShouldBe("""{"name":"Ada","tags":["a","b"],"n":3}""");
    }

    [Theory]
    [InlineData("-00:00:05")]
    [InlineData("00:00:00")]
    [InlineData("60.00:00:00")]
    public async Task A_timeout_that_is_not_positive_or_over_a_day_faults_naming_it_and_sends_nothing(string timeout)
    {
        await using var stub = await StubServer.JsonAsync(200, "{}");
        var result = await SendAsync(Json($$"""{ "url": "{{stub.Url()}}", "timeout": "{{timeout}}" }"""));
        result.Run.Status.ShouldBe(FlowStatus.Faulted);
        result.Run.Fault.ShouldNotBeNull().Message.ShouldBe($"timeout must be more than 0 and at most 24 hours, got {TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture)}");
        stub.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Json_text_rendered_by_a_template_is_sent_as_it_is_not_quoted()
    {
        await using var stub = await StubServer.JsonAsync(200, "{}");
        await SendAsync(Json($$"""{ "method": "PUT", "url": "{{stub.Url()}}", "body": "{ \"a\": 1 }" }"""));
        stub.Requests.Single().BodyText.ShouldBe("""{ "a": 1 }""");
    }

    [Fact]
    public async Task Text_body_arrives_as_plain_text()
    {
        await using var stub = await StubServer.JsonAsync(200, "{}");
        await SendAsync(Json($$"""{ "method": "POST", "url": "{{stub.Url()}}", "bodyFormat": "text", "body": "hello, wörld" }"""));
        var request = stub.Requests.Single();
        request.ContentType.ShouldBe("text/plain; charset=utf-8");
        request.BodyText.ShouldBe("hello, wörld");
    }

    [Fact]
    public async Task Form_body_is_url_encoded_with_lists_repeating_the_key_and_nulls_left_out()
    {
        await using var stub = await StubServer.JsonAsync(200, "{}");
        await SendAsync(Json($$"""
            { "method": "POST", "url": "{{stub.Url()}}", "bodyFormat": "form",
              "body": { "grant_type": "client_credentials", "scope": ["read", "write"], "skip": null, "n": 2, "q": "a&b c" } }
            """));
        var request = stub.Requests.Single();
        request.ContentType.ShouldBe("application/x-www-form-urlencoded");
        request.BodyText.ShouldBe("grant_type=client_credentials&scope=read&scope=write&n=2&q=a%26b+c");
    }

    [Fact]
    public async Task Multipart_body_sends_text_fields_and_file_parts_from_text_and_base64()
    {
        var received = new List<string>();
        await using var stub = await StubServer.StartAsync(async (context, _) =>
        {
            var form = await context.Request.ReadFormAsync();
            foreach (var (name, value) in form) received.Add($"{name}={value}");
            foreach (var file in form.Files)
            {
                using var reader = new StreamReader(file.OpenReadStream());
                received.Add($"{file.Name}:{file.FileName}:{file.ContentType}:{await reader.ReadToEndAsync()}");
            }
            await Respond.Json(context, 200, "{}");
        });
        var result = await SendAsync(Json($$"""
            { "method": "POST", "url": "{{stub.Url("upload")}}", "bodyFormat": "multipart",
              "body": { "title": "Report", "count": 2,
                        "notes": { "fileName": "notes.txt", "contentType": "text/plain", "content": "line 1" },
                        "data": { "fileName": "data.bin", "base64": "aGVsbG8=" } } }
            """));
        result.Outcome.ShouldBe("2xx", result.Run.Fault?.ToString());
        stub.Requests.Single().ContentType!.ShouldStartWith("multipart/form-data; boundary=");
        received.ShouldBe(["title=Report", "count=2", "notes:notes.txt:text/plain:line 1", "data:data.bin:application/octet-stream:hello"]);
    }

    [Fact]
    public async Task Query_lists_repeat_the_key_nulls_are_dropped_and_the_url_query_is_kept()
    {
        await using var stub = await StubServer.JsonAsync(200, "{}");
        await SendAsync(Json($$"""
            { "url": "{{stub.Url("search?fixed=1")}}", "query": { "tag": ["a b", "c"], "missing": null, "limit": 10, "on": true } }
            """));
        var request = stub.Requests.Single();
        request.Method.ShouldBe("GET");
        request.QueryString.ShouldBe("?fixed=1&tag=a%20b&tag=c&limit=10&on=true");
        request.Query("tag").ShouldBe(["a b", "c"]);
    }

    [Fact]
    public async Task Headers_are_sent_and_a_content_type_header_replaces_the_encoders()
    {
        await using var stub = await StubServer.JsonAsync(200, "{}");
        await SendAsync(Json($$"""
            { "method": "POST", "url": "{{stub.Url()}}", "idempotencyKey": "order-42",
              "headers": { "X-Trace": "t1", "Accept": ["application/json", "text/plain"], "Content-Type": "application/vnd.api+json" },
              "body": { "a": 1 } }
            """));
        var request = stub.Requests.Single();
        request.Header("X-Trace").ShouldBe("t1");
        request.Header("Accept").ShouldBe("application/json, text/plain");
        request.Header("Idempotency-Key").ShouldBe("order-42");
        request.ContentType.ShouldBe("application/vnd.api+json");
    }

    [Theory]
    [InlineData(200, "2xx")]
    [InlineData(201, "2xx")]
    [InlineData(404, "4xx")]
    [InlineData(503, "5xx")]
    [InlineData(304, "unmatched")]
    public async Task Default_outcomes_are_the_status_classes_and_anything_else_is_unmatched(int status, string outcome)
    {
        await using var stub = await StubServer.StartAsync((context, _) => status == 304 ? Respond.Status(context, status) : Respond.Json(context, status, "{}"));
        var result = await SendAsync(Json($$"""{ "url": "{{stub.Url()}}" }"""), Services(TestHttp.Fast with { MaxRetries = 0 }));
        result.Outcome.ShouldBe(outcome, result.Run.Fault?.ToString());
        result.Output("statusCode")!.GetValue<int>().ShouldBe(status);
    }

    [Fact]
    public async Task An_exact_code_beats_a_class_wherever_it_is_listed()
    {
        await using var stub = await StubServer.JsonAsync(404, """{ "error": "not found" }""");
        var result = await SendAsync(Json($$"""{ "url": "{{stub.Url()}}", "outcomes": ["2xx", "4xx", "404"] }"""));
        result.Outcome.ShouldBe("404");
        var other = await SendAsync(Json($$"""{ "url": "{{stub.Url()}}", "outcomes": ["2xx", "4xx", "409"] }"""));
        other.Outcome.ShouldBe("4xx");
        var none = await SendAsync(Json($$"""{ "url": "{{stub.Url()}}", "outcomes": ["2xx"] }"""));
        none.Outcome.ShouldBe("unmatched");
        none.Output("statusCode")!.GetValue<int>().ShouldBe(404);
    }

    [Fact]
    public async Task Json_response_is_parsed_and_headers_come_lower_cased_with_repeats_joined()
    {
        await using var stub = await StubServer.StartAsync((context, _) =>
        {
            context.Response.Headers.Append("X-Rate-Remaining", "41");
            context.Response.Headers.Append("X-Multi", new Microsoft.Extensions.Primitives.StringValues(["a", "b"]));
            return Respond.Json(context, 200, """{ "user": { "id": 7, "name": "Ada" }, "tags": ["x"] }""", "application/vnd.api+json; charset=utf-8");
        });
        var result = await SendAsync(Json($$"""{ "url": "{{stub.Url("me")}}" }"""));
        result.Output("body")!["user"]!["name"]!.GetValue<string>().ShouldBe("Ada");
        result.Output("body")!["tags"]!.AsArray().Count.ShouldBe(1);
        result.Output("contentType")!.GetValue<string>().ShouldBe("application/vnd.api+json");
        var headers = result.Output("headers")!.AsObject();
        headers["x-rate-remaining"]!.GetValue<string>().ShouldBe("41");
        headers["x-multi"]!.GetValue<string>().ShouldBe("a, b");
        headers["content-type"]!.GetValue<string>().ShouldBe("application/vnd.api+json; charset=utf-8");
    }

    [Fact]
    public async Task Text_response_is_kept_as_text_and_an_empty_body_is_null()
    {
        await using var stub = await StubServer.StartAsync((context, request) =>
            request.Path == "/empty" ? Respond.Status(context, 204) : Respond.Text(context, 200, "plain <b>text</b>", "text/html; charset=utf-8"));
        var text = await SendAsync(Json($$"""{ "url": "{{stub.Url("page")}}" }"""));
        text.Output("body")!.GetValue<string>().ShouldBe("plain <b>text</b>");
        text.Output("contentType")!.GetValue<string>().ShouldBe("text/html");
        var empty = await SendAsync(Json($$"""{ "method": "DELETE", "url": "{{stub.Url("empty")}}" }"""));
        empty.Outcome.ShouldBe("2xx");
        empty.Output("body").ShouldBeNull();
    }

    [Fact]
    public async Task A_body_declared_json_that_is_not_faults_with_the_content_type_and_first_bytes()
    {
        await using var stub = await StubServer.JsonAsync(200, "<html><body>Service Unavailable, try again later</body></html>");
        var result = await SendAsync(Json($$"""{ "url": "{{stub.Url()}}" }"""));
        result.Outcome.ShouldBe("fault");
        result.FaultMessage().ShouldBe($"response from {stub.BaseUrl.Authority} says application/json but is not JSON (first bytes: '<html><body>Service Unavailable, try aga…')");
    }

    [Fact]
    public async Task Json_bodies_read_from_bytes_keep_a_bom_optional_replace_invalid_utf8_and_reject_trailing_text()
    {
        byte[] Bytes(string path) => path switch
        {
            "/bom" => [0xEF, 0xBB, 0xBF, .. "{\"name\":\"Zoë 😀\"}"u8],
            "/invalid" => [.. "{\"name\":\"a"u8, 0xFF, .. "b\"}"u8],
            _ => [.. "{\"a\":1} trailing"u8],
        };
        await using var stub = await StubServer.StartAsync(async (context, request) =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.Body.WriteAsync(Bytes(request.Path));
        });
        (await SendAsync(Json($$"""{ "url": "{{stub.Url("bom")}}" }"""))).Output("body")!["name"]!.GetValue<string>().ShouldBe("Zoë 😀");
        (await SendAsync(Json($$"""{ "url": "{{stub.Url("invalid")}}" }"""))).Output("body")!["name"]!.GetValue<string>().ShouldBe("a\uFFFDb");
        var trailing = await SendAsync(Json($$"""{ "url": "{{stub.Url("trailing")}}" }"""));
        trailing.FaultMessage().ShouldBe($"response from {stub.BaseUrl.Authority} says application/json but is not JSON (first bytes: '{{\"a\":1}} trailing')");
    }

    [Fact]
    public async Task A_response_larger_than_the_limit_faults_while_streaming()
    {
        await using var stub = await StubServer.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "text/plain";
            // No Content-Length: the limit has to be enforced while reading.
            for (var i = 0; i < 10; i++) await context.Response.WriteAsync(new string('x', 1000));
        });
        var result = await SendAsync(Json($$"""{ "url": "{{stub.Url()}}", "maxResponseBytes": 4096 }"""));
        result.FaultMessage().ShouldBe($"response from {stub.BaseUrl.Authority} is larger than 4 KB (maxResponseBytes)");
    }

    [Fact]
    public async Task A_refused_connection_faults_naming_the_host()
    {
        var port = ClosedPort();
        var result = await SendAsync(Json($$"""{ "url": "http://127.0.0.1:{{port}}/x" }"""), Services(TestHttp.Fast with { MaxRetries = 1 }));
        result.FaultMessage().ShouldStartWith($"could not connect to 127.0.0.1:{port}: ");
        result.FaultMessage().ShouldContain("refused");
    }

    [Fact]
    public async Task No_response_within_the_timeout_faults()
    {
        await using var stub = await StubServer.StartAsync(async (context, _) =>
        {
            try { await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted); }
            catch (OperationCanceledException) { }
        });
        var result = await SendAsync(Json($$"""{ "url": "{{stub.Url()}}", "timeout": "00:00:00.300" }"""));
        result.FaultMessage().ShouldBe($"no response from {stub.BaseUrl.Authority} within 0.3 s");
    }

    [Fact]
    public async Task Invalid_or_relative_urls_fault_without_a_request()
    {
        (await SendAsync(Json("""{ "url": { "js": "'not a url'" } }"""))).FaultMessage()
            .ShouldBe("url 'not a url' is relative; a relative URL needs useConnection: true");
        (await SendAsync(Json("""{ "url": { "js": "'ftp://127.0.0.1/file'" } }"""))).FaultMessage()
            .ShouldBe("url 'ftp://127.0.0.1/file' is not an absolute http or https URL");
        (await SendAsync(Json("""{ "url": { "js": "'/v1/users'" } }"""))).FaultMessage()
            .ShouldBe("url '/v1/users' is relative; a relative URL needs useConnection: true");
    }

    [Fact]
    public async Task Request_headers_never_appear_in_outputs_and_sensitive_values_are_scrubbed_from_later_messages()
    {
        await using var stub = await StubServer.StartAsync((context, request) =>
            // A careless API echoes the credential back in an error message.
            Respond.Json(context, 200, $$"""{ "echo": "{{request.Header("Authorization")}}" }""", "application/json"));
        var result = await RunFlowAsync($$"""
            { "format": 1, "id": "leak", "outputs": [ { "name": "status", "type": "integer" } ],
              "nodes": [ { "id": "call", "type": "Http.SendRequest", "inputs": { "url": "{{stub.Url()}}", "headers": { "Authorization": "Bearer s3cr3t-value" } } },
                         { "id": "log", "type": "Log", "inputs": { "message": { "js": "'echo: ' + nodes.call.body.echo" } } },
                         { "id": "out", "type": "SetOutput", "inputs": { "name": "status", "value": { "js": "nodes.call.statusCode" } } } ],
              "connections": [ { "from": "call:2xx", "to": "log" }, { "from": "log:done", "to": "out" } ] }
            """);
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        stub.Requests.Single().Header("Authorization").ShouldBe("Bearer s3cr3t-value");
        var outputs = result.State.NodeOutputs["call"];
        outputs.Keys.ShouldBe(["statusCode", "headers", "body", "contentType"], ignoreOrder: true);
        outputs["headers"]!.ToJsonString().ShouldNotContain("s3cr3t");
        result.Logs.ShouldAllBe(l => !l.Message.Contains("s3cr3t"));
        result.Journal.Where(j => j.NodeId != "call").ShouldAllBe(j => j.Outputs == null || !JsonSerializerHelpers.Contains(j.Outputs, "s3cr3t"));
    }
}

internal static class JsonSerializerHelpers
{
    public static bool Contains(IReadOnlyDictionary<string, JsonNode?> values, string text) =>
        values.Values.Any(v => v is not null && v.ToJsonString().Contains(text, StringComparison.Ordinal));
}
