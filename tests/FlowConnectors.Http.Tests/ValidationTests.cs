using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using static FlowConnectors.Http.Tests.TestHttp;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Http.Tests;

public sealed class ValidationTests
{
    private static IReadOnlyList<FormatProblem> Validate(string nodes, string connections = "")
    {
        var load = FlowJson.Load($$"""{ "format": 1, "id": "v", "nodes": [ {{nodes}}, { "id": "next", "type": "NoOp" } ], "connections": [ {{connections}} ] }""");
        load.HasErrors.ShouldBeFalse(string.Join("; ", load.Problems));
        return new FlowEngine(Options()).Validate(load.Flow!);
    }

    private static IEnumerable<string> Errors(IReadOnlyList<FormatProblem> problems) => problems.Where(p => p.IsError).Select(p => p.Code);

    [Fact]
    public void Default_outcomes_are_the_three_classes_and_unmatched()
    {
        const string node = """{ "id": "call", "type": "Http.SendRequest", "inputs": { "url": "https://api.example.test/x" } }""";
        Errors(Validate(node, """{ "from": "call:unmatched", "to": "next" }""")).ShouldBeEmpty();
        Errors(Validate(node, """{ "from": "call:404", "to": "next" }""")).ShouldNotBeEmpty();
    }

    [Fact]
    public void Literal_outcomes_are_declared_to_the_validator()
    {
        const string node = """{ "id": "call", "type": "Http.SendRequest", "inputs": { "url": "https://api.example.test/x", "outcomes": ["200", "404", "4xx"] } }""";
        Errors(Validate(node, """{ "from": "call:404", "to": "next" }""")).ShouldBeEmpty();
        Errors(Validate(node, """{ "from": "call:5xx", "to": "next" }""")).ShouldNotBeEmpty();
    }

    [Fact]
    public void Outcomes_that_are_neither_codes_nor_classes_are_errors()
    {
        var problems = Validate("""{ "id": "call", "type": "Http.SendRequest", "inputs": { "url": "https://api.example.test/x", "outcomes": ["2xx", "ok", "2xx"] } }""");
        problems.Where(p => p.Code == "INVALID_OUTCOMES").Select(p => p.Message)
            .ShouldBe(["outcome \"ok\" is neither a status code nor a class like '2xx'", "outcome '2xx' is listed twice"]);
    }

    [Fact]
    public void A_relative_literal_url_needs_use_connection()
    {
        Errors(Validate("""{ "id": "call", "type": "Http.SendRequest", "inputs": { "url": "users" } }""")).ShouldContain("INVALID_URL");
        Errors(Validate("""{ "id": "call", "type": "Http.SendRequest", "inputs": { "url": "users", "useConnection": true } }""")).ShouldBeEmpty();
        Errors(Validate("""{ "id": "call", "type": "Http.SendRequest", "inputs": { "url": "http://127.0.0.1/x", "method": "FETCH" } }""")).ShouldBe(["INPUT_TYPE"]);
    }

    [Fact]
    public void The_cursor_strategy_requires_a_cursor_path()
    {
        Errors(Validate("""{ "id": "pg", "type": "Http.Paginate", "inputs": { "url": "https://api.example.test/x", "strategy": "cursor" } }"""))
            .ShouldBe(["MISSING_CURSOR_PATH"]);
        Errors(Validate("""{ "id": "pg", "type": "Http.Paginate", "inputs": { "url": "https://api.example.test/x", "strategy": "cursor", "cursorPath": "meta.next" } }"""))
            .ShouldBeEmpty();
    }

    [Fact]
    public void Descriptors_put_both_activities_in_the_http_category_with_their_inputs()
    {
        var registry = Options().Registry;
        var send = registry.Find("Http.SendRequest")!;
        send.Category.ShouldBe("HTTP");
        send.Inputs.Select(i => i.Name).ShouldBe(["method", "url", "query", "headers", "body", "bodyFormat", "timeout", "outcomes", "useConnection", "auth", "idempotencyKey", "autoIdempotencyKey", "maxResponseBytes", "followRedirects"]);
        // Declared unsafe (a POST may do its work twice); a node narrows it by its method and idempotency key.
        send.SideEffects.ShouldBe(FlowConnectors.Engine.Activities.SideEffects.Unsafe);
        send.FindInput("method")!.Options.ShouldBe(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);
        send.FindInput("bodyFormat")!.Options.ShouldBe(["json", "text", "form", "multipart"]);
        send.FindInput("timeout")!.Default!.GetValue<string>().ShouldBe("00:00:30");
        send.FindInput("outcomes")!.Default!.ToJsonString().ShouldBe("""["2xx","4xx","5xx"]""");
        send.Outputs.Select(o => o.Name).ShouldBe(["statusCode", "headers", "body", "contentType"]);
        var paginate = registry.Find("Http.Paginate")!;
        paginate.Category.ShouldBe("HTTP");
        paginate.LoopBodyOutcome.ShouldBe("page");
        paginate.Outcomes.ShouldBe(["page", "done", "fault"]);
        paginate.FindInput("strategy")!.Options.ShouldBe(["none", "offsetLimit", "pageNumber", "cursor", "linkHeader", "lastItemId"]);
        paginate.FindInput("mode")!.Options.ShouldBe(["pages", "items", "collect"]);
    }
}
