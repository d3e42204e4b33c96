using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;
using Microsoft.AspNetCore.Http;
using static FlowConnectors.Http.Tests.TestHttp;

namespace FlowConnectors.Http.Tests;

public sealed class PaginateTests
{
    /// <summary>Records r0…r(n-1) as JSON objects { "id": "rN" }.</summary>
    private static JsonArray Records(int from, int count) =>
        new(Enumerable.Range(from, Math.Max(0, count)).Select(i => (JsonNode)new JsonObject { ["id"] = $"r{i}" }).ToArray());

    private static int QueryInt(StubRequest request, string name, int fallback) =>
        request.Query(name) is [var value] ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    /// <summary>An offset/limit API over <paramref name="total"/> records: { "data": [...] }.</summary>
    private static Task<StubServer> OffsetApiAsync(int total) => StubServer.StartAsync((context, request) =>
    {
        var offset = QueryInt(request, "offset", 0);
        var limit = QueryInt(request, "limit", 100);
        return Respond.Json(context, 200, new JsonObject { ["data"] = Records(offset, Math.Min(limit, total - offset)) }.ToJsonString());
    });

    /// <summary>A Slack-like API: { ok, members, response_metadata: { next_cursor } }, the last page with an empty cursor.</summary>
    private static Task<StubServer> SlackApiAsync(int total, bool omitCursorAtEnd = false, bool endless = false) => StubServer.StartAsync((context, request) =>
    {
        var start = request.Query("cursor") is [var cursor] ? int.Parse(cursor[2..], CultureInfo.InvariantCulture) : 0;
        var limit = QueryInt(request, "limit", 100);
        var count = endless ? limit : Math.Min(limit, total - start);
        var next = endless || start + count < total ? $"c_{start + count}" : "";
        var body = new JsonObject { ["ok"] = true, ["members"] = Records(start, count) };
        if (!(omitCursorAtEnd && next == "")) body["response_metadata"] = new JsonObject { ["next_cursor"] = next };
        return Respond.Json(context, 200, body.ToJsonString());
    });

    /// <summary>A GitHub-like API: the body is the list, Link: &lt;…&gt;; rel="next" points to the next page.</summary>
    private static Task<StubServer> GitHubApiAsync(int total, Func<StubRequest, string>? nextBase = null) => StubServer.StartAsync((context, request) =>
    {
        var page = QueryInt(request, "page", 1);
        var perPage = QueryInt(request, "per_page", 30);
        var start = (page - 1) * perPage;
        var links = new List<string>();
        if (start + perPage < total)
            links.Add($"<{nextBase?.Invoke(request) ?? ""}/repos?page={page + 1}&per_page={perPage}>; rel=\"next\"");
        links.Add($"</repos?page={Math.Max(1, (total + perPage - 1) / perPage)}&per_page={perPage}>; rel=\"last\"");
        context.Response.Headers.Link = string.Join(", ", links);
        return Respond.Json(context, 200, Records(start, Math.Min(perPage, total - start)).ToJsonString());
    });

    private const string Trace = """
        "outputs": [ { "name": "trace", "type": "string" }, { "name": "pages", "type": "integer" }, { "name": "itemCount", "type": "integer" } ],
        "variables": [ { "name": "trace", "type": "string", "default": "" } ],
        """;

    /// <summary>A flow: Paginate → (page) append to trace; (done) output trace, pages, itemCount.</summary>
    private static string LoopFlow(string inputs, string append) => $$"""
        { "format": 1, "id": "paging", {{Trace}}
          "nodes": [ { "id": "pg", "type": "Http.Paginate", "inputs": {{inputs}} },
                     { "id": "body", "type": "SetVariable", "inputs": { "name": "trace", "value": { "js": "vars.trace + {{append}} + ' '" } } },
                     { "id": "t", "type": "SetOutput", "inputs": { "name": "trace", "value": { "js": "vars.trace.trim()" } } },
                     { "id": "p", "type": "SetOutput", "inputs": { "name": "pages", "value": { "js": "nodes.pg.pages" } } },
                     { "id": "n", "type": "SetOutput", "inputs": { "name": "itemCount", "value": { "js": "nodes.pg.itemCount" } } } ],
          "connections": [ { "from": "pg:page", "to": "body" }, { "from": "pg:done", "to": "t" }, { "from": "t:done", "to": "p" }, { "from": "p:done", "to": "n" } ] }
        """;

    private const string PerPage = "nodes.pg.pageNumber + ':' + nodes.pg.items.map(function (i) { return i.id; }).join(',')";
    private const string PerItem = "nodes.pg.index + '=' + nodes.pg.item.id + '@' + nodes.pg.pageNumber";

    private static void ShouldHave(FlowRunResult result, string trace, int pages, int itemCount)
    {
        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["trace"]!.GetValue<string>().ShouldBe(trace);
        result.Outputs["pages"]!.GetValue<long>().ShouldBe(pages);
        result.Outputs["itemCount"]!.GetValue<long>().ShouldBe(itemCount);
    }

    [Fact]
    public async Task Offset_limit_in_pages_mode_runs_the_branch_per_page_and_stops_at_a_short_page()
    {
        await using var api = await OffsetApiAsync(7);
        var result = await RunFlowAsync(LoopFlow($$"""{ "url": "{{api.Url("items")}}", "strategy": "offsetLimit", "limit": 3, "stopOnShortPage": true, "itemsPath": "data" }""", PerPage));
        ShouldHave(result, "1:r0,r1,r2 2:r3,r4,r5 3:r6", pages: 3, itemCount: 7);
        api.Requests.Select(r => r.QueryString).ShouldBe(["?offset=0&limit=3", "?offset=3&limit=3", "?offset=6&limit=3"]);
    }

    [Fact]
    public async Task Offset_limit_stops_at_an_empty_page_when_the_total_is_a_multiple_of_the_limit()
    {
        await using var api = await OffsetApiAsync(6);
        var result = await RunFlowAsync(LoopFlow($$"""{ "url": "{{api.Url("items")}}", "strategy": "offsetLimit", "limit": 3, "itemsPath": "data" }""", PerPage));
        ShouldHave(result, "1:r0,r1,r2 2:r3,r4,r5", pages: 2, itemCount: 6);
        api.Hits.ShouldBe(3);
    }

    [Fact]
    public async Task Offset_limit_uses_the_named_parameters()
    {
        await using var api = await StubServer.StartAsync((context, request) =>
        {
            var skip = QueryInt(request, "skip", 0);
            return Respond.Json(context, 200, new JsonObject { ["data"] = Records(skip, Math.Min(QueryInt(request, "take", 100), 3 - skip)) }.ToJsonString());
        });
        var result = await PaginateAsync(Json($$"""
            { "url": "{{api.Url()}}", "strategy": "offsetLimit", "limit": 2, "stopOnShortPage": true, "itemsPath": "data", "mode": "collect", "offsetParameter": "skip", "limitParameter": "take" }
            """));
        result.Output("items")!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ShouldBe(["r0", "r1", "r2"]);
        api.Requests.Select(r => r.QueryString).ShouldBe(["?skip=0&take=2", "?skip=2&take=2"]);
    }

    [Fact]
    public async Task Items_mode_hands_out_every_record_once_with_a_running_index()
    {
        await using var api = await OffsetApiAsync(5);
        var result = await RunFlowAsync(LoopFlow($$"""
            { "url": "{{api.Url("items")}}", "strategy": "offsetLimit", "limit": 2, "stopOnShortPage": true, "itemsPath": "data", "mode": "items", "query": { "sort": "id" } }
            """, PerItem));
        ShouldHave(result, "0=r0@1 1=r1@1 2=r2@2 3=r3@2 4=r4@3", pages: 3, itemCount: 5);
        api.Requests.Select(r => r.QueryString).ShouldBe(["?sort=id&offset=0&limit=2", "?sort=id&offset=2&limit=2", "?sort=id&offset=4&limit=2"]);
    }

    [Fact]
    public async Task Page_number_in_collect_mode_gathers_every_record_from_a_list_body()
    {
        await using var api = await GitHubApiAsync(5);
        var result = await PaginateAsync(Json($$"""
            { "url": "{{api.Url("repos")}}", "strategy": "pageNumber", "limit": 2, "stopOnShortPage": true, "mode": "collect" }
            """));
        result.Outcome.ShouldBe("done", result.Run.Fault?.ToString());
        result.Output("items")!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ShouldBe(["r0", "r1", "r2", "r3", "r4"]);
        result.Output("pages")!.GetValue<int>().ShouldBe(3);
        result.Output("itemCount")!.GetValue<int>().ShouldBe(5);
        result.Output("truncated")!.GetValue<bool>().ShouldBeFalse();
        api.Requests.Select(r => r.QueryString).ShouldBe(["?page=1&per_page=2", "?page=2&per_page=2", "?page=3&per_page=2"]);
    }

    [Fact]
    public async Task Page_number_starts_at_first_page_and_uses_the_named_parameters()
    {
        var seen = new List<string>();
        await using var api = await StubServer.StartAsync((context, request) =>
        {
            var page = QueryInt(request, "p", -1);
            return Respond.Json(context, 200, Records(page * 10, page < 2 ? 2 : 1).ToJsonString());
        });
        var result = await PaginateAsync(Json($$"""
            { "url": "{{api.Url("list")}}", "strategy": "pageNumber", "limit": 2, "stopOnShortPage": true, "firstPage": 0, "pageParameter": "p", "pageSizeParameter": "size", "mode": "collect" }
            """));
        result.Output("items")!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ShouldBe(["r0", "r1", "r10", "r11", "r20"]);
        api.Requests.Select(r => r.QueryString).ShouldBe(["?p=0&size=2", "?p=1&size=2", "?p=2&size=2"]);
    }

    [Fact]
    public async Task Collect_mode_stops_at_max_items_and_says_it_was_truncated()
    {
        await using var api = await OffsetApiAsync(50);
        var result = await PaginateAsync(Json($$"""
            { "url": "{{api.Url()}}", "strategy": "offsetLimit", "limit": 4, "itemsPath": "data", "mode": "collect", "maxItems": 6 }
            """));
        result.Output("items")!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ShouldBe(["r0", "r1", "r2", "r3", "r4", "r5"]);
        result.Output("truncated")!.GetValue<bool>().ShouldBeTrue();
        api.Hits.ShouldBe(2);
    }

    [Fact]
    public async Task Cursor_from_response_metadata_like_slack_is_sent_back_until_it_is_empty()
    {
        await using var api = await SlackApiAsync(5);
        var result = await RunFlowAsync(LoopFlow($$"""
            { "url": "{{api.Url("users.list")}}", "strategy": "cursor", "limit": 2, "itemsPath": "members", "cursorPath": "response_metadata.next_cursor" }
            """, PerPage));
        ShouldHave(result, "1:r0,r1 2:r2,r3 3:r4", pages: 3, itemCount: 5);
        api.Requests.Select(r => r.QueryString).ShouldBe(["?limit=2", "?limit=2&cursor=c_2", "?limit=2&cursor=c_4"]);
    }

    [Fact]
    public async Task Prefetch_asks_for_the_next_page_while_the_page_branch_still_works_on_this_one()
    {
        var secondPageAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bodySawSecondPage = new List<bool>();
        await using var api = await StubServer.StartAsync(async (context, request) =>
        {
            if (request.Path == "/body")
            {
                // The branch for page 1 answers only once page 2 has been asked for: without prefetch this waits in vain.
                var page = request.Query("page")[0];
                if (page == "1") await secondPageAsked.Task.WaitAsync(TimeSpan.FromSeconds(20));
                lock (bodySawSecondPage) bodySawSecondPage.Add(secondPageAsked.Task.IsCompleted);
                await Respond.Json(context, 200, "{}");
                return;
            }
            var start = request.Query("cursor") is [var cursor] ? int.Parse(cursor, CultureInfo.InvariantCulture) : 0;
            if (start == 2) secondPageAsked.TrySetResult();
            var next = start + 2 < 5 ? (start + 2).ToString(CultureInfo.InvariantCulture) : "";
            await Respond.Json(context, 200, new JsonObject { ["members"] = Records(start, Math.Min(2, 5 - start)), ["next"] = next }.ToJsonString());
        });
        var result = await RunFlowAsync($$"""
            { "format": 1, "id": "prefetch", {{Trace}}
              "nodes": [ { "id": "pg", "type": "Http.Paginate", "inputs": { "url": "{{api.Url("users")}}", "strategy": "cursor", "limit": 2, "itemsPath": "members", "cursorPath": "next", "prefetch": true } },
                         { "id": "call", "type": "Http.SendRequest", "inputs": { "url": { "js": "'{{api.Url("body")}}?page=' + nodes.pg.pageNumber" } } },
                         { "id": "body", "type": "SetVariable", "inputs": { "name": "trace", "value": { "js": "vars.trace + {{PerPage}} + ' '" } } },
                         { "id": "t", "type": "SetOutput", "inputs": { "name": "trace", "value": { "js": "vars.trace.trim()" } } },
                         { "id": "p", "type": "SetOutput", "inputs": { "name": "pages", "value": { "js": "nodes.pg.pages" } } },
                         { "id": "n", "type": "SetOutput", "inputs": { "name": "itemCount", "value": { "js": "nodes.pg.itemCount" } } } ],
              "connections": [ { "from": "pg:page", "to": "call" }, { "from": "call:2xx", "to": "body" }, { "from": "pg:done", "to": "t" }, { "from": "t:done", "to": "p" }, { "from": "p:done", "to": "n" } ] }
            """);

        ShouldHave(result, "1:r0,r1 2:r2,r3 3:r4", pages: 3, itemCount: 5);
        bodySawSecondPage.ShouldBe([true, true, true]);
        // Each page asked for once, and nothing after the last.
        api.Requests.Where(r => r.Path == "/users").Select(r => r.QueryString).ShouldBe(["?limit=2", "?limit=2&cursor=2", "?limit=2&cursor=4"]);
    }

    [Fact]
    public async Task A_page_sent_ahead_is_sent_again_when_the_branch_changed_what_the_next_request_asks_for()
    {
        await using var api = await StubServer.StartAsync((context, request) =>
        {
            var start = request.Query("cursor") is [var cursor] ? int.Parse(cursor, CultureInfo.InvariantCulture) : 0;
            var tag = request.Query("tag")[0];
            var records = new JsonArray(Enumerable.Range(start, Math.Min(2, 4 - start)).Select(i => (JsonNode)new JsonObject { ["id"] = $"{tag}{i}" }).ToArray());
            return Respond.Json(context, 200, new JsonObject { ["members"] = records, ["next"] = start + 2 < 4 ? (start + 2).ToString(CultureInfo.InvariantCulture) : "" }.ToJsonString());
        });
        var result = await RunFlowAsync($$"""
            { "format": 1, "id": "changed", {{Trace}}
              "nodes": [ { "id": "pg", "type": "Http.Paginate", "inputs": { "url": "{{api.Url("users")}}", "query": { "js": "({ tag: vars.trace.length > 0 ? 'b' : 'a' })" },
                           "strategy": "cursor", "limit": 2, "itemsPath": "members", "cursorPath": "next", "prefetch": true } },
                         { "id": "body", "type": "SetVariable", "inputs": { "name": "trace", "value": { "js": "vars.trace + {{PerPage}} + ' '" } } },
                         { "id": "t", "type": "SetOutput", "inputs": { "name": "trace", "value": { "js": "vars.trace.trim()" } } },
                         { "id": "p", "type": "SetOutput", "inputs": { "name": "pages", "value": { "js": "nodes.pg.pages" } } },
                         { "id": "n", "type": "SetOutput", "inputs": { "name": "itemCount", "value": { "js": "nodes.pg.itemCount" } } } ],
              "connections": [ { "from": "pg:page", "to": "body" }, { "from": "pg:done", "to": "t" }, { "from": "t:done", "to": "p" }, { "from": "p:done", "to": "n" } ] }
            """);

        // Page 2 was sent ahead with tag=a; the branch's change made it tag=b, and that is what the flow got.
        ShouldHave(result, "1:a0,a1 2:b2,b3", pages: 2, itemCount: 4);
        api.Requests.Count(r => r.QueryString == "?tag=b&limit=2&cursor=2").ShouldBe(1);
    }

    [Fact]
    public async Task Cursor_pagination_stops_when_the_cursor_is_missing()
    {
        await using var api = await SlackApiAsync(3, omitCursorAtEnd: true);
        var result = await RunFlowAsync(LoopFlow($$"""
            { "url": "{{api.Url("users.list")}}", "strategy": "cursor", "limit": 2, "itemsPath": "members", "cursorPath": "response_metadata.next_cursor", "mode": "items" }
            """, PerItem));
        ShouldHave(result, "0=r0@1 1=r1@1 2=r2@2", pages: 2, itemCount: 3);
        api.Hits.ShouldBe(2);
    }

    [Fact]
    public async Task Link_header_next_like_github_is_followed_until_there_is_none()
    {
        await using var api = await GitHubApiAsync(5);
        var result = await RunFlowAsync(LoopFlow($$"""
            { "url": "{{api.Url("repos")}}", "strategy": "linkHeader", "query": { "per_page": 2 } }
            """, PerPage));
        ShouldHave(result, "1:r0,r1 2:r2,r3 3:r4", pages: 3, itemCount: 5);
        api.Requests.Select(r => r.Path + r.QueryString).ShouldBe(["/repos?per_page=2", "/repos?page=2&per_page=2", "/repos?page=3&per_page=2"]);
    }

    [Fact]
    public async Task A_next_link_to_another_origin_is_not_followed()
    {
        await using var api = await GitHubApiAsync(5, _ => "http://127.0.0.2:1");
        var result = await PaginateAsync(Json($$"""{ "url": "{{api.Url("repos")}}", "strategy": "linkHeader", "query": { "per_page": 2 }, "mode": "collect" }"""));
        result.FaultMessage().ShouldBe("the API sent a next-page URL on another origin (127.0.0.2:1); the request is not sent there");
        api.Hits.ShouldBe(1);
    }

    [Fact]
    public async Task Link_header_pages_through_a_connection_keep_its_credentials_on_its_origin()
    {
        await using var api = await GitHubApiAsync(3, request => $"http://{request.Header("Host")}");
        var connection = new TestConnection(api.BaseUrl);
        var result = await PaginateAsync(Json("""
            { "url": "repos", "useConnection": true, "strategy": "linkHeader", "query": { "per_page": 2 }, "mode": "collect" }
            """), Services(connection: connection));
        result.Output("items")!.AsArray().Count.ShouldBe(3, result.Run.Fault?.ToString());
        api.Requests.Select(r => r.Header("Authorization")).ShouldBe(["Bearer token-0", "Bearer token-0"]);
    }

    [Fact]
    public async Task Max_pages_guards_against_an_api_that_never_stops()
    {
        await using var api = await SlackApiAsync(0, endless: true);
        var result = await PaginateAsync(Json($$"""
            { "url": "{{api.Url()}}", "strategy": "cursor", "limit": 2, "itemsPath": "members", "cursorPath": "response_metadata.next_cursor", "maxPages": 3, "mode": "collect" }
            """));
        result.FaultMessage().ShouldBe("stopped after 3 pages (maxPages); the API kept returning data");
        api.Hits.ShouldBe(4);
    }

    [Fact]
    public async Task No_strategy_fetches_one_page()
    {
        await using var api = await OffsetApiAsync(3);
        var result = await RunFlowAsync(LoopFlow($$"""{ "url": "{{api.Url()}}", "itemsPath": "data" }""", PerPage));
        ShouldHave(result, "1:r0,r1,r2", pages: 1, itemCount: 3);
        api.Hits.ShouldBe(1);
    }

    [Fact]
    public async Task An_empty_first_page_goes_straight_to_done()
    {
        await using var api = await OffsetApiAsync(0);
        var result = await RunFlowAsync(LoopFlow($$"""{ "url": "{{api.Url()}}", "strategy": "offsetLimit", "itemsPath": "data", "mode": "items" }""", PerItem));
        ShouldHave(result, "", pages: 0, itemCount: 0);
    }

    [Fact]
    public async Task Post_pagination_puts_the_paging_parameters_into_the_json_body()
    {
        await using var api = await StubServer.StartAsync((context, request) =>
        {
            var body = JsonNode.Parse(request.BodyText)!;
            var start = body["start_cursor"] is { } c ? int.Parse(c.GetValue<string>(), CultureInfo.InvariantCulture) : 0;
            var more = start == 0;
            return Respond.Json(context, 200, new JsonObject { ["results"] = Records(start, 2), ["next_cursor"] = more ? "2" : null }.ToJsonString());
        });
        var result = await PaginateAsync(Json($$"""
            { "method": "POST", "url": "{{api.Url("search")}}", "body": { "filter": "x" }, "strategy": "cursor", "itemsPath": "results",
              "cursorPath": "next_cursor", "cursorParameter": "start_cursor", "limitParameter": "page_size", "limit": 2, "mode": "collect" }
            """));
        result.Output("items")!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ShouldBe(["r0", "r1", "r2", "r3"]);
        api.Requests.Select(r => r.BodyText).ShouldBe(["""{"filter":"x","page_size":2}""", """{"filter":"x","page_size":2,"start_cursor":"2"}"""]);
    }

    [Fact]
    public async Task A_failed_page_faults_naming_the_page_and_status()
    {
        await using var api = await StubServer.StartAsync((context, request) =>
            request.Number == 1 ? Respond.Json(context, 200, Records(0, 2).ToJsonString()) : Respond.Json(context, 404, """{ "error": "gone" }"""));
        var result = await PaginateAsync(Json($$"""{ "url": "{{api.Url()}}", "strategy": "pageNumber", "limit": 2, "mode": "collect" }"""));
        result.FaultMessage().ShouldBe($$"""page 2: HTTP 404 from {{api.BaseUrl.Authority}}: {"error":"gone"}""");
    }

    [Fact]
    public async Task Records_that_are_not_a_list_fault_with_a_hint()
    {
        await using var api = await StubServer.JsonAsync(200, """{ "data": { "id": 1 } }""");
        (await PaginateAsync(Json($$"""{ "url": "{{api.Url()}}" }"""))).FaultMessage()
            .ShouldBe("page 1: the response body is object, not a list; set itemsPath to where the records are");
        (await PaginateAsync(Json($$"""{ "url": "{{api.Url()}}", "itemsPath": "data" }"""))).FaultMessage()
            .ShouldBe("page 1: 'data' in the response is object, not a list");
    }

    [Fact]
    public async Task The_loop_state_is_cleared_when_pagination_is_done()
    {
        await using var api = await OffsetApiAsync(3);
        var result = await RunFlowAsync(LoopFlow($$"""{ "url": "{{api.Url()}}", "strategy": "offsetLimit", "limit": 2, "itemsPath": "data", "mode": "items" }""", PerItem));
        ShouldHave(result, "0=r0@1 1=r1@1 2=r2@2", pages: 2, itemCount: 3);
        result.State.NodeStates.ShouldBeEmpty();
    }

    [Fact]
    public async Task Items_mode_survives_suspension_and_keeps_only_the_current_page_in_state()
    {
        await using var api = await OffsetApiAsync(5);
        var engine = new FlowEngine(Options(Services()));
        var flow = engine.Compile(Engine.Flows.FlowJson.Parse($$"""
            { "format": 1, "id": "durable", {{Trace}}
              "nodes": [ { "id": "pg", "type": "Http.Paginate", "inputs": { "url": "{{api.Url()}}", "strategy": "offsetLimit", "limit": 2, "stopOnShortPage": true, "itemsPath": "data", "mode": "items" } },
                         { "id": "wait", "type": "WaitForEvent", "inputs": { "eventName": "next" } },
                         { "id": "body", "type": "SetVariable", "inputs": { "name": "trace", "value": { "js": "vars.trace + nodes.pg.item.id + ' '" } } },
                         { "id": "t", "type": "SetOutput", "inputs": { "name": "trace", "value": { "js": "vars.trace.trim()" } } } ],
              "connections": [ { "from": "pg:page", "to": "wait" }, { "from": "wait:done", "to": "body" }, { "from": "pg:done", "to": "t" } ] }
            """));
        var run = await engine.RunAsync(flow);
        var states = new List<string>();
        while (run.Status == FlowStatus.Suspended)
        {
            states.Add(run.State.NodeStates.Single().Value!.ToJsonString());
            // Every wait is a process boundary: the instance continues from its serialized state alone.
            var state = FlowInstanceState.FromJson(run.State.ToJson());
            run = await engine.ResumeAsync(flow, state, state.Bookmarks.Single().Id, null);
        }
        run.Status.ShouldBe(FlowStatus.Finished, run.Fault?.ToString());
        run.Outputs["trace"]!.GetValue<string>().ShouldBe("r0 r1 r2 r3 r4");
        states.Count.ShouldBe(5);
        // While on page 2 the state holds page 2's records and the next offset, nothing of page 1.
        var onPage2 = JsonNode.Parse(states[2])!.AsObject();
        onPage2["remaining"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ShouldBe(["r2", "r3"]);
        onPage2["offset"]!.GetValue<long>().ShouldBe(4);
        states[2].ShouldNotContain("r1");
        api.Hits.ShouldBe(3);
    }

    // Issue 13: never silently partial.

    [Fact]
    public async Task A_cursor_path_never_found_on_a_full_page_is_an_error_naming_the_path_and_the_keys_that_were_there()
    {
        await using var api = await SlackApiAsync(5);
        var result = await PaginateAsync(Json($$"""
            { "url": "{{api.Url("users.list")}}", "strategy": "cursor", "limit": 2, "itemsPath": "members", "cursorPath": "response_metadata.nextCursor", "mode": "collect" }
            """));
        result.FaultMessage().ShouldBe("page 1: the cursor path 'response_metadata.nextCursor' is not in the response, and the page is full (2 records): " +
                                       "more pages are likely. 'response_metadata' has: next_cursor");
        api.Hits.ShouldBe(1);
    }

    [Fact]
    public async Task A_cursor_missing_from_a_short_first_page_ends_the_paging()
    {
        await using var api = await StubServer.JsonAsync(200, """{ "members": [ { "id": "a" } ] }""");
        var result = await PaginateAsync(Json($$"""
            { "url": "{{api.Url()}}", "strategy": "cursor", "limit": 2, "itemsPath": "members", "cursorPath": "meta.next", "mode": "collect" }
            """));
        result.Output("items")!.AsArray().Count.ShouldBe(1, result.Run.Fault?.ToString());
    }

    [Fact]
    public async Task Offset_limit_keeps_going_past_a_short_page_until_an_empty_one_when_the_vendor_caps_the_page_size()
    {
        // Asked for 3 a page, the vendor gives at most 2: a short page is not the end.
        await using var api = await StubServer.StartAsync((context, request) =>
        {
            var offset = QueryInt(request, "offset", 0);
            return Respond.Json(context, 200, new JsonObject { ["data"] = Records(offset, Math.Min(2, 7 - offset)) }.ToJsonString());
        });
        var result = await RunFlowAsync(LoopFlow($$"""{ "url": "{{api.Url("items")}}", "strategy": "offsetLimit", "limit": 3, "itemsPath": "data" }""", PerPage));
        ShouldHave(result, "1:r0,r1 2:r2,r3 3:r4,r5 4:r6", pages: 4, itemCount: 7);
        api.Requests.Select(r => r.QueryString).ShouldBe(["?offset=0&limit=3", "?offset=2&limit=3", "?offset=4&limit=3", "?offset=6&limit=3", "?offset=7&limit=3"]);
    }

    [Fact]
    public async Task Page_number_keeps_going_past_a_short_page_until_an_empty_one_unless_the_vendor_honours_the_limit_exactly()
    {
        await using var api = await StubServer.StartAsync((context, request) =>
        {
            var page = QueryInt(request, "page", 1);
            return Respond.Json(context, 200, Records((page - 1) * 2, Math.Min(2, 5 - (page - 1) * 2)).ToJsonString());
        });
        var capped = await PaginateAsync(Json($$"""{ "url": "{{api.Url()}}", "strategy": "pageNumber", "limit": 4, "mode": "collect" }"""));
        capped.Output("items")!.AsArray().Count.ShouldBe(5, capped.Run.Fault?.ToString());
        var exact = await PaginateAsync(Json($$"""{ "url": "{{api.Url()}}", "strategy": "pageNumber", "limit": 4, "stopOnShortPage": true, "mode": "collect" }"""));
        exact.Output("items")!.AsArray().Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_an_error_naming_the_content_type_the_records_path_and_an_excerpt()
    {
        await using var api = await StubServer.StartAsync((context, _) =>
            Respond.Text(context, 200, "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in</body></html>", "text/html; charset=utf-8"));
        var result = await PaginateAsync(Json($$"""{ "url": "{{api.Url()}}", "strategy": "offsetLimit", "itemsPath": "members", "mode": "collect" }"""));
        result.FaultMessage().ShouldBe("page 1: the response is text/html, not JSON, so it has no records at 'members': " +
                                       "'<!DOCTYPE html> <html><head><title>Sign in</title></head><body>Please sign in</body></html>'");
    }

    [Fact]
    public async Task A_json_body_without_the_records_path_is_an_error_listing_the_keys_it_has()
    {
        await using var api = await StubServer.JsonAsync(200, """{ "ok": true, "users": [ { "id": 1 } ] }""");
        var result = await PaginateAsync(Json($$"""{ "url": "{{api.Url()}}", "strategy": "offsetLimit", "itemsPath": "members", "mode": "collect" }"""));
        result.FaultMessage().ShouldBe("""page 1: the response (application/json) has no 'members'; it has: ok, users: '{ "ok": true, "users": [ { "id": 1 } ] }'""");
    }

    [Fact]
    public async Task A_cursor_that_comes_back_again_stops_the_paging_with_an_error()
    {
        var hits = 0;
        await using var api = await StubServer.StartAsync((context, _) =>
        {
            var start = Interlocked.Increment(ref hits) * 2;
            return Respond.Json(context, 200, new JsonObject { ["members"] = Records(start, 2), ["next"] = "same" }.ToJsonString());
        });
        var result = await PaginateAsync(Json($$"""
            { "url": "{{api.Url()}}", "strategy": "cursor", "limit": 2, "itemsPath": "members", "cursorPath": "next", "mode": "collect" }
            """));
        result.FaultMessage().ShouldBe("page 2: the API sent the cursor 'same' again (cursorPath 'next'); it would send the same page forever");
        api.Hits.ShouldBe(2);
    }

    [Fact]
    public async Task A_page_that_starts_with_the_same_record_as_the_one_before_stops_the_paging_with_an_error()
    {
        // The vendor ignores the offset parameter: without the guard this never ends on an empty page.
        await using var api = await StubServer.JsonAsync(200, """{ "data": [ { "id": "u1" }, { "id": "u2" } ] }""");
        var result = await PaginateAsync(Json($$"""
            { "url": "{{api.Url()}}", "strategy": "offsetLimit", "limit": 2, "itemsPath": "data", "itemIdPath": "id", "mode": "collect" }
            """));
        result.FaultMessage().ShouldBe("page 2 starts with the same record as page 1 (id 'u1'): the API ignores 'offset' and would send the same page forever");
        api.Hits.ShouldBe(2);
    }
}
