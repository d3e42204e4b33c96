using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Server.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// Each class of bad input the fuzzer found answered with 500, against the in-process server: a 4xx problem
/// naming the field or JSON path, and nothing run or stored. (The Reliability suite sends every class to every endpoint.)
/// The refusals share one server (each leaves it as it found it: nothing stored); tests that store something start their own.
/// </summary>
public sealed class BadInputTests(BadInputTests.EchoServer shared) : IClassFixture<BadInputTests.EchoServer>
{
    private const string EchoFlow = """
        { "format": 1, "id": "echo", "outputs": [ { "name": "length", "type": "number" } ],
          "nodes": [ { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "in/echo", "methods": ["POST"] } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "length", "value": { "js": "JSON.stringify(nodes.hook.body ?? null).length" } } } ],
          "connections": [ { "from": "hook:done", "to": "out" } ] }
        """;

    [Theory]
    [InlineData("GET", "/api/connections/~root")]
    [InlineData("DELETE", "/api/connections/a.b")]
    [InlineData("POST", "/api/connections/a.b/test")]
    [InlineData("POST", "/api/connections/a%20b/deauthorize")]
    [InlineData("POST", "/api/connections/..~/authorize")]
    public async Task A_connection_id_in_the_url_that_no_connection_can_have_is_refused_naming_the_parameter(string method, string path)
    {
        var server = shared.Server;
        var (status, problem) = await server.SendJsonAsync(method, path, null);
        status.ShouldBe(400, problem?.ToJsonString());
        ((string?)problem!["title"]).ShouldBe("Invalid connection id");
        ((string?)problem["errors"]![0]!["path"]).ShouldBe("id");
    }

    [Theory]
    [InlineData("/api/connections", """{"connector":"github","id":"a.b","values":{}}""", 422, "$.id")]
    [InlineData("/api/automations", """{"flowId":"echo","connectionId":"~root"}""", 422, "$.connectionId")]
    public async Task A_connection_id_in_a_body_that_no_connection_can_have_is_refused_naming_its_path(string path, string body, int expected, string where)
    {
        var server = shared.Server;
        var (status, problem) = await server.SendJsonAsync("POST", path, body);
        status.ShouldBe(expected, problem?.ToJsonString());
        ((string?)problem!["errors"]![0]!["path"]).ShouldBe(where);
    }

    [Theory]
    [InlineData("/api/events", """{"event":"e","payload":{"a":1,"a":2}}""", "$.payload.a")]
    [InlineData("/hooks/in/echo", """{"items":[{"sku":"x","sku":"y"}]}""", "$.items[0].sku")]
    [InlineData("/api/flows/echo/run", """{"mode":"sync","mode":"async"}""", "$.mode")]
    public async Task A_duplicate_key_is_refused_with_its_path(string path, string body, string where)
    {
        var server = shared.Server;
        var (status, problem) = await server.SendJsonAsync("POST", path, body);
        status.ShouldBe(400, problem?.ToJsonString());
        ((string?)problem!["title"]).ShouldBe("Duplicate key");
        ((string?)problem["errors"]![0]!["path"]).ShouldBe(where);
        await NothingRanAsync(server);
    }

    [Theory]
    [InlineData("/api/catalog/github/1.0.0/review", "[]")]
    [InlineData("/api/catalog/github/1.0.0/install", "123")]
    [InlineData("/api/automations/a1/connector-version", "\"text\"")]
    [InlineData("/api/flows/echo/run", "[{}]")]
    [InlineData("/api/events", "null")]
    public async Task A_body_that_is_not_an_object_is_refused(string path, string body)
    {
        var server = shared.Server;
        var (status, problem) = await server.SendJsonAsync("POST", path, body);
        status.ShouldBe(422, problem?.ToJsonString());
        ((string?)problem!["errors"]?[0]?["path"]).ShouldNotBeNull(problem.ToJsonString());
    }

    [Fact]
    public async Task Invalid_utf8_inside_a_string_is_refused_before_the_hook_runs()
    {
        var server = shared.Server;
        byte[] body = [.. "{\"name\":\""u8, 0xFF, 0xFE, .. "\"}"u8];
        using var response = await server.Client.PostAsync("/hooks/in/echo", Json(body));
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        ((int)response.StatusCode).ShouldBe(400, problem.ToJsonString());
        ((string?)problem["errors"]![0]!["path"]).ShouldBe("$.name");
        ((string)problem["detail"]!).ShouldContain("not UTF-8");
        await NothingRanAsync(server);
    }

    [Theory]
    [InlineData(33)]
    [InlineData(61)]
    [InlineData(64)]
    public async Task A_hook_body_nested_too_deep_is_refused_before_the_flow_runs(int depth)
    {
        var server = shared.Server;
        var body = string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
        var (status, problem) = await server.SendJsonAsync("POST", "/hooks/in/echo", body);
        status.ShouldBe(400, problem?.ToJsonString());
        ((string?)problem!["title"]).ShouldBe("Too deeply nested");
        ((string)problem["detail"]!).ShouldContain("32 levels");
        await NothingRanAsync(server);
    }

    [Fact]
    public async Task A_hook_body_nested_within_the_limit_runs_and_is_stored()
    {
        await using var server = await EchoServer.StartAsync();
        var body = string.Concat(Enumerable.Repeat("{\"a\":", 32)) + "1" + new string('}', 32);
        var (status, answer) = await server.SendJsonAsync("POST", "/hooks/in/echo", body);
        status.ShouldBe(200, answer?.ToJsonString());
        ((int)answer!["length"]!).ShouldBe(body.Length);
        (await server.GetJsonAsync("/api/instances?flowId=echo&status=finished")).AsArray().Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("/api/flows/echo/run", """{"mode":5}""", "$.mode")]
    [InlineData("/api/events", """{"event":5}""", "$.event")]
    [InlineData("/api/events", """{"event":"e","correlationId":5}""", "$.correlationId")]
    [InlineData("/api/automations", """{"flowId":"echo","event":{"connector":5}}""", "$.event.connector")]
    [InlineData("/api/catalog/github/1.0.0/review", """{"status":true}""", "$.status")]
    public async Task A_member_of_the_wrong_type_is_refused_with_its_path(string path, string body, string where)
    {
        var server = shared.Server;
        var (status, problem) = await server.SendJsonAsync("POST", path, body);
        status.ShouldBe(422, problem?.ToJsonString());
        ((string?)problem!["errors"]![0]!["path"]).ShouldBe(where);
        ((string)problem["detail"]!).ShouldContain("must be");
    }

    [Theory]
    [InlineData("/api/instances?take=abc", "query parameter 'take' must be a whole number, not 'abc'", "take")]
    [InlineData("/api/instances?status=finished&skip=1.5", "query parameter 'skip' must be a whole number, not '1.5'", "skip")]
    [InlineData("/api/audit?take=many", "query parameter 'take' must be a whole number, not 'many'", "take")]
    public async Task A_query_value_that_does_not_parse_is_refused_naming_the_parameter(string path, string detail, string parameter)
    {
        var (status, problem) = await shared.Server.SendJsonAsync("GET", path, null);
        status.ShouldBe(400, problem?.ToJsonString());
        ((string?)problem!["title"]).ShouldBe("Invalid parameter");
        ((string?)problem["detail"]).ShouldBe(detail);
        ((string?)problem["errors"]![0]!["path"]).ShouldBe(parameter);
        ((string?)problem["type"]).ShouldBe("https://httpstatuses.io/400");
    }

    [Theory]
    [InlineData("/api/instances?take=-5", "take", "must be from 1 to 1000, not -5")]
    [InlineData("/api/instances?take=5000", "take", "must be from 1 to 1000, not 5000")]
    [InlineData("/api/instances?skip=-1", "skip", "must be 0 or more, not -1")]
    [InlineData("/api/inbox/dead-letters?take=0", "take", "must be from 1 to 1000, not 0")]
    [InlineData("/api/incidents?take=1001", "take", "must be from 1 to 1000, not 1001")]
    [InlineData("/api/audit?skip=-3", "skip", "must be 0 or more, not -3")]
    [InlineData("/api/app-approvals?take=501", "take", "must be from 1 to 500, not 501")]
    [InlineData("/api/collection/sources/none/runs?limit=-2", "limit", "must be from 1 to 1000, not -2")]
    public async Task A_page_out_of_range_is_refused_naming_the_parameter_not_clamped(string path, string parameter, string message)
    {
        var (status, problem) = await shared.Server.SendJsonAsync("GET", path, null);
        status.ShouldBe(422, problem?.ToJsonString());
        ((string?)problem!["detail"]).ShouldBe($"query parameter '{parameter}' {message}");
        ((string?)problem["errors"]![0]!["path"]).ShouldBe(parameter);
        ((string?)problem["errors"]![0]!["message"]).ShouldBe(message);
    }

    [Fact]
    public async Task Run_inputs_that_do_not_match_the_flow_are_refused_each_at_its_input()
    {
        var server = shared.Server;
        var (status, problem) = await server.SendJsonAsync("POST", "/api/flows/echo/run", """{"inputs":{"nope":1,"a b":2}}""");
        status.ShouldBe(422, problem?.ToJsonString());
        problem!["errors"]!.AsArray().Select(e => ((string?)e!["path"], (string?)e["message"])).ShouldBe([
            ("$.inputs.nope", "unknown input 'nope'; the flow takes no inputs"),
            ("$.inputs[\"a b\"]", "unknown input 'a b'; the flow takes no inputs"),
        ]);
        await NothingRanAsync(server);
    }

    [Theory]
    [InlineData("""{"timeoutSeconds":0}""")]
    [InlineData("""{"timeoutSeconds":301}""")]
    [InlineData("""{"timeoutSeconds":-1}""")]
    public async Task A_sync_run_timeout_out_of_range_is_refused_before_the_run(string body)
    {
        var server = shared.Server;
        var (status, problem) = await server.SendJsonAsync("POST", "/api/flows/echo/run", body);
        status.ShouldBe(422, problem?.ToJsonString());
        ((string?)problem!["errors"]![0]!["path"]).ShouldBe("$.timeoutSeconds");
        ((string?)problem["errors"]![0]!["message"]).ShouldBe("must be from 0.1 to 300 seconds");
        await NothingRanAsync(server);
    }

    [Theory]
    [InlineData("utf-16", "UTF-16")]
    [InlineData("utf-16BE", "UTF-16")]
    [InlineData("utf-32", "UTF-32")]
    public async Task A_body_in_a_wide_encoding_is_refused_asking_for_UTF8(string encoding, string named)
    {
        var server = shared.Server;
        // With a byte order mark (what .NET's and Windows' encoders write) and, for UTF-16, without one.
        var text = """{"inputs":{"who":"Zoë"}}""";
        var withMark = System.Text.Encoding.GetEncoding(encoding);
        foreach (var bytes in new[] { [.. withMark.GetPreamble(), .. withMark.GetBytes(text)], encoding.StartsWith("utf-16", StringComparison.Ordinal) ? withMark.GetBytes(text) : null })
        {
            if (bytes is null) continue;
            using var response = await server.Client.PostAsync("/api/flows/echo/run", Json(bytes));
            var body = await response.Content.ReadAsStringAsync();
            ((int)response.StatusCode).ShouldBe(415, body);
            ((string?)JsonNode.Parse(body)!["detail"]).ShouldBe($"the body is {named} text: send JSON as UTF-8 (RFC 8259)");
        }
        await NothingRanAsync(server);
    }

    [Fact]
    public async Task The_framework_s_own_refusals_say_why()
    {
        var server = shared.Server;
        var (status, problem) = await server.SendJsonAsync("PATCH", "/api/flows", null);
        status.ShouldBe(405);
        ((string?)problem!["detail"]).ShouldBe("/api/flows does not take PATCH; it takes GET, POST");

        (status, problem) = await server.SendJsonAsync("GET", "/api/no-such-thing", null);
        status.ShouldBe(404);
        ((string?)problem!["detail"]).ShouldBe("nothing is served at GET /api/no-such-thing");
        ((string?)problem["type"]).ShouldBe("https://httpstatuses.io/404");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/flows/echo/run") { Content = new StringContent("{}", Encoding.UTF8, "text/json") };
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(415, text);
        ((string?)JsonNode.Parse(text)!["detail"]).ShouldBe("send application/json, not text/json; charset=utf-8");
        await NothingRanAsync(server);
    }

    [Theory]
    [InlineData("/api/flows/echo/run", """{"inputs":"nope"}""", "$.inputs", "must be an object, not text")]
    [InlineData("/api/flows/echo/run", """{"inputs":[1]}""", "$.inputs", "must be an object, not an array")]
    [InlineData("/api/flows/echo/run", """{"timeoutSeconds":"soon"}""", "$.timeoutSeconds", "must be a number, not text")]
    [InlineData("/api/events", """{"event":["e"]}""", "$.event", "must be text, not an array")]
    public async Task A_member_of_the_wrong_type_is_refused_saying_what_it_must_be(string path, string body, string where, string says)
    {
        var server = shared.Server;
        var (status, problem) = await server.SendJsonAsync("POST", path, body);
        status.ShouldBe(422, problem?.ToJsonString());
        ((string?)problem!["errors"]![0]!["path"]).ShouldBe(where);
        ((string)problem["detail"]!).ShouldContain(says);
        await NothingRanAsync(server);
    }

    [Theory]
    [InlineData("/api/events", """{"event":"e","payload":{"note":"\ud800"}}""", "$.payload.note")]
    [InlineData("/hooks/in/echo", """{"list":["ok","\udc00"]}""", "$.list[1]")]
    public async Task A_lone_surrogate_is_refused_with_its_path(string path, string body, string where)
    {
        var server = shared.Server;
        var (status, problem) = await server.SendJsonAsync("POST", path, body);
        status.ShouldBe(400, problem?.ToJsonString());
        ((string?)problem!["errors"]![0]!["path"]).ShouldBe(where);
        ((string)problem["detail"]!).ShouldContain("unpaired surrogate");
        await NothingRanAsync(server);
    }

    [Theory]
    [InlineData("/hooks/in/echo")]
    [InlineData("/api/events")]
    [InlineData("/api/flows")]
    public async Task A_chunked_body_over_the_limit_gets_a_413_problem(string path)
    {
        var server = shared.Server;
        var content = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes("{\"a\":\"" + new string('x', 200 * 1024) + "\"}")));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await server.Client.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        // The connection is still usable: the rest of the body was drained, not reset.
        (await server.Client.GetAsync("/api/flows")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_large_body_sent_to_an_endpoint_that_reads_none_gets_its_answer()
    {
        var server = shared.Server;
        var content = new StreamContent(new UnknownLengthStream(new byte[200 * 1024]));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/flows") { Content = content };
        using var response = await server.Client.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("""{"ref":"refs/heads/main","ref":"refs/heads/evil"}""", "Duplicate key")]
    [InlineData("""{"ref":"\ud800"}""", "Invalid text")]
    [InlineData("deep", "Too deeply nested")]
    public async Task A_signed_webhook_delivery_that_is_json_a_run_cannot_keep_is_refused_and_not_stored(string body, string title)
    {
        if (body == "deep") body = string.Concat(Enumerable.Repeat("{\"a\":", 40)) + "1" + new string('}', 40);
        await using var vendor = await VendorStub.StartAsync();
        await using var server = await TestServer.StartAsync(vendor.Address);
        const string onPush = """
            { "format": 1, "id": "on-push", "nodes": [ { "id": "push", "type": "Connector.Event", "inputs": { "connector": "github", "card": "push" } } ], "connections": [] }
            """;
        (await server.Client.PostAsync("/api/flows?publish=true", new StringContent(onPush, Encoding.UTF8, "application/json"))).IsSuccessStatusCode.ShouldBeTrue();
        (await server.PostJsonAsync("/api/connections", new { id = "gh", connector = "github", values = new { token = "ghp_test_token", webhookSecret = "whsec-123456" } })).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/automations", new { id = "a1", flowId = "on-push", connectionId = "gh", @event = new { connector = "github", card = "push", options = new { owner = "octo", repo = "hello" } } })).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/automations/a1/activate", new { })).Status.ShouldBe(200);
        var eventUrl = (string)vendor.Received.Single(r => r.Method == "POST" && r.Path == "/repos/octo/hello/hooks").Body!["config"]!["url"]!;

        using var delivery = new HttpRequestMessage(HttpMethod.Post, eventUrl) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        delivery.Headers.Add("X-GitHub-Event", "push");
        delivery.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        delivery.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("whsec-123456"u8.ToArray(), Encoding.UTF8.GetBytes(body))));
        using var github = new HttpClient();
        using var response = await github.SendAsync(delivery);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        ((int)response.StatusCode).ShouldBe(400, problem.ToJsonString());
        ((string?)problem["title"]).ShouldBe(title);
        await NothingRanAsync(server);
    }

    [Fact]
    public async Task The_last_resort_handler_answers_client_errors_and_leaves_server_bugs_a_500()
    {
        var server = shared.Server;
        var handler = ActivatorUtilities.CreateInstance<ClientErrorHandler>(server.Services);
        var tooLarge = new DefaultHttpContext { RequestServices = server.Services };
        tooLarge.Response.Body = new MemoryStream();
        (await handler.TryHandleAsync(tooLarge, new BadHttpRequestException("Request body too large.", 413), default)).ShouldBeTrue();
        tooLarge.Response.StatusCode.ShouldBe(413);
        var wrongType = new DefaultHttpContext { RequestServices = server.Services };
        wrongType.Response.Body = new MemoryStream();
        (await handler.TryHandleAsync(wrongType, new InputException("$.mode", "must be text, not a number"), default)).ShouldBeTrue();
        wrongType.Response.StatusCode.ShouldBe(422);

        // A serialization failure or a failed cast is the server's bug: the default handler logs it and answers 500.
        foreach (var bug in new Exception[] { new System.Text.Json.JsonException("could not be serialized"), new InvalidOperationException("cast"), new ArgumentException("id") })
            (await handler.TryHandleAsync(new DefaultHttpContext { RequestServices = server.Services }, bug, default)).ShouldBeFalse(bug.GetType().Name);
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""", "Duplicate key", "$.a")]
    [InlineData("""{"a":{"b":[1,{"c":1,"\u0063":2}]}}""", "Duplicate key", "$.a.b[1].c")]
    [InlineData("""{"weird key":{"x":"\ud800"}}""", "Invalid text", "$['weird key'].x")]
    [InlineData("""[1,2,{"n":1e999}]""", "Number out of range", "$[2].n")]
    [InlineData("""[[[[1]]]]""", "Too deeply nested", "$[0][0][0]")]
    [InlineData("""{"a":[1,}""", "Malformed JSON", "$.a[0]")]
    public void The_json_check_names_the_problem_and_its_path(string text, string title, string path)
    {
        var error = JsonInput.Check(Encoding.UTF8.GetBytes(text), maxDepth: title == "Too deeply nested" ? 3 : 8);
        error.ShouldNotBeNull();
        error.Title.ShouldBe(title);
        error.Path.ShouldBe(path);
    }

    [Theory]
    [InlineData("""{"a":1,"b":[1,2,{"a":2}],"c":"\ud83d\ude00","d":1e308,"e":null}""")]
    [InlineData("""[[["three levels"]]]""")]
    [InlineData("\"text\"")]
    public void The_json_check_passes_json_a_run_can_keep(string text) => JsonInput.Check(Encoding.UTF8.GetBytes(text), maxDepth: 3).ShouldBeNull();

    /// <summary>A server with the echo hook flow, for the whole class.</summary>
    public sealed class EchoServer : IAsyncLifetime
    {
        internal TestServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await StartAsync();

        public async Task DisposeAsync() => await Server.DisposeAsync();

        internal static async Task<TestServer> StartAsync()
        {
            var flows = TestServer.Temp("flows");
            await File.WriteAllTextAsync(Path.Combine(flows, "echo.flow.json"), EchoFlow);
            return await TestServer.StartAsync(flowsFolder: flows);
        }
    }

    private static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static async Task NothingRanAsync(TestServer server) =>
        (await server.GetJsonAsync("/api/instances")).AsArray().ShouldBeEmpty();

    /// <summary>A stream that cannot tell its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
