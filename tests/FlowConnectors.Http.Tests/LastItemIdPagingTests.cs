using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using Microsoft.AspNetCore.Http;
using static FlowConnectors.Http.Tests.TestHttp;

namespace FlowConnectors.Http.Tests;

/// <summary>
/// Paginate's lastItemId strategy against a stub that pages as Stripe documents (docs.stripe.com/api/pagination):
/// <c>limit</c> 1–100 (default 10), <c>starting_after</c> = an object id, newest first, answer
/// <c>{ "object": "list", "url": …, "has_more": …, "data": [...] }</c>; an unknown id or a limit out of range is a 400/404
/// <c>invalid_request_error</c>, and <c>starting_after</c> with <c>ending_before</c> is refused.
/// </summary>
public sealed class LastItemIdPagingTests
{
    private static readonly HttpResilienceSettings NoClientRetries = new() { MaxRetries = 0, CircuitBreakerEnabled = false };

    /// <summary>Customers cus_{total-1} … cus_0, newest first, as Stripe lists them.</summary>
    private static List<string> Ids(int total) => Enumerable.Range(0, total).Reverse().Select(i => $"cus_{i:D4}").ToList();

    private static Task<StubServer> StripeAsync(int total, Func<StubRequest, JsonObject, JsonObject>? tamper = null)
    {
        var ids = Ids(total);
        return StubServer.StartAsync((context, request) =>
        {
            static Task Error(HttpContext context, int status, string code, string message, string param) =>
                Respond.Json(context, status, new JsonObject
                {
                    ["error"] = new JsonObject { ["code"] = code, ["message"] = message, ["param"] = param, ["type"] = "invalid_request_error" },
                }.ToJsonString());

            var limit = 10;
            if (request.Query("limit") is [var given] && (!int.TryParse(given, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
                return Error(context, 400, "parameter_invalid_integer", "Invalid integer: limit must be between 1 and 100", "limit");
            if (request.Query("starting_after").Length > 0 && request.Query("ending_before").Length > 0)
                return Error(context, 400, "parameter_invalid", "You may only specify one of these parameters: ending_before, starting_after.", "starting_after");
            var start = 0;
            if (request.Query("starting_after") is [var after])
            {
                var at = ids.IndexOf(after);
                if (at < 0) return Error(context, 404, "resource_missing", $"No such customer: '{after}'", "starting_after");
                start = at + 1;
            }
            var data = new JsonArray(ids.Skip(start).Take(limit).Select(id => (JsonNode)new JsonObject { ["id"] = id, ["object"] = "customer" }).ToArray());
            var body = new JsonObject { ["object"] = "list", ["url"] = "/v1/customers", ["has_more"] = start + limit < ids.Count, ["data"] = data };
            return Respond.Json(context, 200, (tamper?.Invoke(request, body) ?? body).ToJsonString());
        });
    }

    private static JsonObject Stripe(StubServer api, string extra = "") => Json($$"""
        { "url": "{{api.Url("v1/customers")}}", "strategy": "lastItemId", "itemsPath": "data", "cursorParameter": "starting_after",
          "hasMorePath": "has_more", "limit": 3, "mode": "collect"{{extra}} }
        """);

    private static IEnumerable<string> IdsOf(JsonNode? items) => items!.AsArray().Select(i => i!["id"]!.GetValue<string>());

    [Fact]
    public async Task Last_item_id_sends_the_last_records_id_as_starting_after_until_has_more_is_false()
    {
        await using var api = await StripeAsync(7);

        var result = await PaginateAsync(Stripe(api));

        result.Run.Status.ShouldBe(FlowStatus.Finished, result.Run.Fault?.ToString());
        IdsOf(result.Output("items")).ShouldBe(Ids(7));
        result.Output("pages")!.GetValue<int>().ShouldBe(3);
        api.Requests.Select(r => r.QueryString).ShouldBe(["?limit=3", "?limit=3&starting_after=cus_0004", "?limit=3&starting_after=cus_0001"]);
    }

    [Fact]
    public async Task Has_more_false_on_a_full_page_ends_the_paging_without_asking_for_an_empty_page()
    {
        await using var api = await StripeAsync(6);

        var result = await PaginateAsync(Stripe(api));

        IdsOf(result.Output("items")).ShouldBe(Ids(6));
        api.Hits.ShouldBe(2);
    }

    [Fact]
    public async Task Pages_mode_runs_the_branch_per_page_and_the_item_id_path_defaults_to_id()
    {
        await using var api = await StripeAsync(5);
        var flow = $$"""
            { "format": 1, "id": "stripe", "outputs": [ { "name": "trace", "type": "string" } ],
              "variables": [ { "name": "trace", "type": "string", "default": "" } ],
              "nodes": [ { "id": "pg", "type": "Http.Paginate", "inputs": { "url": "{{api.Url("v1/customers")}}", "strategy": "lastItemId", "itemsPath": "data",
                           "cursorParameter": "starting_after", "hasMorePath": "has_more", "limit": 2 } },
                         { "id": "body", "type": "SetVariable", "inputs": { "name": "trace", "value": { "js": "vars.trace + nodes.pg.pageNumber + ':' + nodes.pg.items.map(function (i) { return i.id; }).join(',') + ' '" } } },
                         { "id": "t", "type": "SetOutput", "inputs": { "name": "trace", "value": { "js": "vars.trace.trim()" } } } ],
              "connections": [ { "from": "pg:page", "to": "body" }, { "from": "pg:done", "to": "t" } ] }
            """;

        var result = await RunFlowAsync(flow);

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["trace"]!.GetValue<string>().ShouldBe("1:cus_0004,cus_0003 2:cus_0002,cus_0001 3:cus_0000");
    }

    [Fact]
    public async Task Without_a_has_more_path_paging_stops_at_an_empty_page()
    {
        await using var api = await StripeAsync(6);

        var result = await PaginateAsync(Json($$"""
            { "url": "{{api.Url("v1/customers")}}", "strategy": "lastItemId", "itemsPath": "data", "cursorParameter": "starting_after", "limit": 3, "mode": "collect" }
            """));

        IdsOf(result.Output("items")).ShouldBe(Ids(6));
        api.Requests.Select(r => r.QueryString).ShouldBe(["?limit=3", "?limit=3&starting_after=cus_0003", "?limit=3&starting_after=cus_0000"]);
    }

    [Fact]
    public async Task Max_items_cuts_the_records_short_and_says_so()
    {
        await using var api = await StripeAsync(20);

        var result = await PaginateAsync(Stripe(api, """, "maxItems": 5"""));

        IdsOf(result.Output("items")).ShouldBe(Ids(20).Take(5));
        result.Output("truncated")!.GetValue<bool>().ShouldBeTrue();
        api.Hits.ShouldBe(2);
    }

    [Fact]
    public async Task Max_pages_guards_against_a_vendor_that_always_says_has_more()
    {
        await using var api = await StripeAsync(100, (_, body) => { body["has_more"] = true; return body; });

        var result = await PaginateAsync(Stripe(api, """, "maxPages": 2"""));

        result.FaultMessage().ShouldBe("stopped after 2 pages (maxPages); the API kept returning data");
    }

    [Fact]
    public async Task A_has_more_path_missing_from_a_full_page_is_an_error_naming_the_path_and_the_keys_that_were_there()
    {
        await using var api = await StripeAsync(10);

        var result = await PaginateAsync(Stripe(api).Also(i => i["hasMorePath"] = "hasMore"));

        result.FaultMessage().ShouldBe("page 1: the has-more path 'hasMore' is not in the response, and the page is full (3 records): more pages are likely. " +
                                       "the response has: object, url, has_more, data");
    }

    [Fact]
    public async Task A_has_more_that_is_not_a_boolean_is_an_error()
    {
        await using var api = await StripeAsync(10, (_, body) => { body["has_more"] = "yes"; return body; });

        var result = await PaginateAsync(Stripe(api));

        result.FaultMessage().ShouldBe("page 1: 'has_more' in the response is string, not true or false");
    }

    [Fact]
    public async Task A_last_record_without_an_id_is_an_error_showing_the_record()
    {
        await using var api = await StripeAsync(10, (_, body) =>
        {
            foreach (var record in body["data"]!.AsArray()) record!.AsObject().Remove("id");
            return body;
        });

        var result = await PaginateAsync(Stripe(api));

        result.FaultMessage().ShouldBe("page 1: the last record has no id at 'id' (itemIdPath), so the page after it cannot be asked for: '{\"object\":\"customer\"}'");
        api.Hits.ShouldBe(1);
    }

    [Fact]
    public async Task A_vendor_that_ignores_starting_after_stops_the_paging_with_an_error()
    {
        var ids = Ids(6);
        await using var api = await StubServer.StartAsync((context, _) => Respond.Json(context, 200, new JsonObject
        {
            ["object"] = "list", ["has_more"] = true,
            ["data"] = new JsonArray(ids.Take(3).Select(id => (JsonNode)new JsonObject { ["id"] = id }).ToArray()),
        }.ToJsonString()));

        var result = await PaginateAsync(Stripe(api));

        result.FaultMessage().ShouldBe("page 2 starts with the same record as page 1 (id 'cus_0005'): the API ignores 'starting_after' and would send the same page forever");
    }

    [Fact]
    public async Task A_vendor_error_on_a_later_page_faults_naming_the_page_and_Stripes_error()
    {
        await using var api = await StripeAsync(10, (request, body) =>
        {
            // The second page's last record names an id the vendor then does not know.
            if (request.Query("starting_after").Length == 0) body["data"]![2]!["id"] = "cus_gone";
            return body;
        });

        var result = await PaginateAsync(Stripe(api));

        result.FaultMessage().ShouldStartWith($"page 2: HTTP 404 from {api.BaseUrl.Authority}: ");
        result.FaultMessage().ShouldContain("\"code\":\"resource_missing\"");
    }

    [Fact]
    public async Task The_node_error_policy_retries_a_throttled_page_as_the_Retry_After_asks()
    {
        var throttled = 0;
        var ids = Ids(5);
        await using var api = await StubServer.StartAsync((context, request) =>
        {
            if (request.Query("starting_after") is [_] && Interlocked.Increment(ref throttled) == 1)
            {
                context.Response.Headers["Retry-After"] = "0";
                return Respond.Json(context, 429, """{ "error": { "type": "rate_limit_error", "message": "Too many requests" } }""");
            }
            var start = request.Query("starting_after") is [var after] ? ids.IndexOf(after) + 1 : 0;
            var data = new JsonArray(ids.Skip(start).Take(3).Select(id => (JsonNode)new JsonObject { ["id"] = id }).ToArray());
            return Respond.Json(context, 200, new JsonObject { ["object"] = "list", ["has_more"] = start + 3 < ids.Count, ["data"] = data }.ToJsonString());
        });
        var flow = $$"""
            { "format": 1, "id": "stripe-policy", "start": "pages", "outputs": [ { "name": "items", "type": "any" } ],
              "nodes": [
                { "id": "pages", "type": "Http.Paginate", "onError": { "retries": 2, "delayMs": 60000 }, "inputs": { "url": "{{api.Url("v1/customers")}}",
                  "strategy": "lastItemId", "mode": "collect", "itemsPath": "data", "cursorParameter": "starting_after", "hasMorePath": "has_more", "limit": 3 } },
                { "id": "ok", "type": "SetOutput", "inputs": { "name": "items", "value": { "js": "nodes.pages.items" } } }
              ],
              "connections": [ { "from": "pages:done", "to": "ok" } ] }
            """;

        var result = await RunFlowAsync(flow, Services(NoClientRetries));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.Message);
        IdsOf(result.Outputs["items"]).ShouldBe(ids);
        var first = result.Journal.First(e => e.NodeId == "pages");
        first.Outcome.ShouldBe("retry");
        first.Error!.ShouldContain("page 2: HTTP 429");
        first.Error!.ShouldContain("(as the response's Retry-After asked)");
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject node, Action<JsonObject> change)
    {
        change(node);
        return node;
    }
}
