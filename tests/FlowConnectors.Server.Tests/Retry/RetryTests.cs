using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Server.Tests.Retry;

/// <summary>Retry from the failed node, side-effect-aware retry, cancel and alter — end to end against the real server.</summary>
public sealed class RetryTests(RetryFixture fixture) : IClassFixture<RetryFixture>
{
    private TestServer Server => fixture.Server;
    private RetryVendor Vendor => fixture.Vendor;

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static JsonObject Request(string id, string method, string url, bool autoKey = false)
    {
        var inputs = new JsonObject { ["method"] = method, ["url"] = url };
        if (autoKey) inputs["autoIdempotencyKey"] = true;
        return new JsonObject { ["id"] = id, ["type"] = "Http.SendRequest", ["inputs"] = inputs };
    }

    private static JsonObject Node(string id, string type, JsonObject inputs) => new() { ["id"] = id, ["type"] = type, ["inputs"] = inputs };

    private static string Flow(string id, JsonArray nodes, params (string From, string To)[] connections) => new JsonObject
    {
        ["format"] = 1,
        ["id"] = id,
        ["outputs"] = new JsonArray(new JsonObject { ["name"] = "result", ["type"] = "any" }),
        ["variables"] = new JsonArray(new JsonObject { ["name"] = "note", ["type"] = "string" }),
        ["nodes"] = nodes,
        ["connections"] = new JsonArray(connections.Select(c => (JsonNode)new JsonObject { ["from"] = c.From, ["to"] = c.To }).ToArray()),
    }.ToJsonString();

    private async Task PublishAsync(string flowJson, string id, bool first)
    {
        var response = first
            ? await Server.Client.PostAsync("/api/flows?publish=true", Json(flowJson))
            : await Server.Client.PutAsync($"/api/flows/{id}?publish=true", Json(flowJson));
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> RunFaultedAsync(string flowId, string failedNode)
    {
        var (status, body) = await Server.PostJsonAsync($"/api/flows/{flowId}/run", new { inputs = new { } });
        status.ShouldBe(200, body?.ToJsonString());
        body!["status"]!.GetValue<string>().ShouldBe("faulted", body.ToJsonString());
        body["fault"]!["nodeId"]!.GetValue<string>().ShouldBe(failedNode);
        return body["instanceId"]!.GetValue<string>();
    }

    private Task<JsonNode> EndedAsync(string instanceId) =>
        TestServer.EventuallyAsync(() => Server.GetJsonAsync($"/api/instances/{instanceId}"),
            i => (string?)i["status"] is "finished" or "faulted" or "cancelled", $"instance {instanceId} to end");

    private async Task<(int Status, JsonNode? Body)> PostAsync(string path, string json)
    {
        var response = await Server.Client.PostAsync(path, Json(json));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task Retry_from_the_failed_node_after_fixing_the_vendor_runs_only_the_failed_node_and_what_follows()
    {
        var v = Vendor.Address;
        await PublishAsync(Flow("retry-same", [
            Request("lookup", "GET", $"{v}/same/lookup"),
            Request("charge", "POST", $"{v}/same/charge", autoKey: true),
            Node("done", "SetOutput", new JsonObject { ["name"] = "result", ["value"] = new JsonObject { ["js"] = "nodes.charge.body.path" } }),
        ], ("lookup:2xx", "charge"), ("charge:2xx", "done")), "retry-same", first: true);
        Vendor.Status["/same/charge"] = 409;
        var id = await RunFaultedAsync("retry-same", "charge");
        var faulted = await Server.GetJsonAsync($"/api/instances/{id}");
        faulted["retry"]!["failedNode"]!.GetValue<string>().ShouldBe("charge");

        Vendor.Status["/same/charge"] = 200;
        var (status, plan) = await PostAsync($"/api/instances/{id}/retry", "{}");
        status.ShouldBe(202, plan?.ToJsonString());
        var rerun = plan!["rerun"]!.AsArray();
        rerun.Select(r => (string?)r!["nodeId"]).ShouldBe(["charge"]);
        rerun[0]!["sideEffects"]!.GetValue<string>().ShouldBe("idempotent");
        plan["toVersion"]!.GetValue<int>().ShouldBe(plan["fromVersion"]!.GetValue<int>());

        var ended = await EndedAsync(id);
        ended["status"]!.GetValue<string>().ShouldBe("finished", ended.ToJsonString());
        ended["outputs"]!["result"]!.GetValue<string>().ShouldBe("/same/charge");
        Vendor.CallsTo("/same/lookup").ShouldBe(1);
        var charges = Vendor.Calls.Where(c => c.Path == "/same/charge").ToList();
        charges.Count.ShouldBe(2);
        charges[0].IdempotencyKey.ShouldNotBeNull();
        charges[1].IdempotencyKey.ShouldBe(charges[0].IdempotencyKey);
        rerun[0]!["idempotencyKey"]!.GetValue<string>().ShouldBe(charges[0].IdempotencyKey);

        var journal = (await Server.GetJsonAsync($"/api/instances/{id}/journal")).AsArray();
        var note = journal.Single(j => (string?)j!["nodeId"] == "@retry")!;
        note["outputs"]!["sentAgain"]![0]!["nodeId"]!.GetValue<string>().ShouldBe("charge");
        journal.Count(j => (string?)j!["nodeId"] == "lookup").ShouldBe(1);
        ended["history"]![0]!["action"]!.GetValue<string>().ShouldBe("retry");
        ended["history"]![0]!["by"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();

        // Retried and finished: it cannot be retried again.
        var (again, problem) = await PostAsync($"/api/instances/{id}/retry", "{}");
        again.ShouldBe(409, problem?.ToJsonString());
        problem!["code"]!.GetValue<string>().ShouldBe("NOT_FAULTED");
    }

    [Fact]
    public async Task Retry_on_the_latest_version_keeps_node_ids_and_needs_a_mapping_for_a_renamed_failed_node()
    {
        var v = Vendor.Address;
        string Version(string failing, string url) => Flow("retry-latest", [
            Request("first", "GET", $"{v}/latest/first"),
            Request(failing, "GET", url),
            Node("done", "SetOutput", new JsonObject { ["name"] = "result", ["value"] = new JsonObject { ["js"] = $"nodes.{failing}.body.path" } }),
        ], ("first:2xx", failing), ($"{failing}:2xx", "done"));
        Vendor.Status["/latest/broken"] = 409;
        await PublishAsync(Version("fetch", $"{v}/latest/broken"), "retry-latest", first: true);
        var kept = await RunFaultedAsync("retry-latest", "fetch");
        var renamed = await RunFaultedAsync("retry-latest", "fetch");

        // Version 2 fixes the URL and keeps the node id: no mapping needed.
        await PublishAsync(Version("fetch", $"{v}/latest/fixed"), "retry-latest", first: false);
        var (status, plan) = await PostAsync($"/api/instances/{kept}/retry", """{ "version": "latest" }""");
        status.ShouldBe(202, plan?.ToJsonString());
        plan!["toVersion"]!.GetValue<int>().ShouldBe(2);
        var ended = await EndedAsync(kept);
        ended["status"]!.GetValue<string>().ShouldBe("finished", ended.ToJsonString());
        ended["flowVersion"]!.GetValue<int>().ShouldBe(2);
        ended["outputs"]!["result"]!.GetValue<string>().ShouldBe("/latest/fixed");

        // Version 3 renames the failed node: refused, naming it, until a mapping is given.
        await PublishAsync(Version("fetchFixed", $"{v}/latest/fixed"), "retry-latest", first: false);
        var (refused, problem) = await PostAsync($"/api/instances/{renamed}/retry", """{ "version": "latest" }""");
        refused.ShouldBe(422, problem?.ToJsonString());
        problem!["code"]!.GetValue<string>().ShouldBe("MAPPING_REQUIRED");
        problem["detail"]!.GetValue<string>().ShouldContain("'fetch'");
        problem["errors"]![0]!["path"]!.GetValue<string>().ShouldBe("$.mapping.fetch");
        problem["errors"]![0]!["message"]!.GetValue<string>().ShouldStartWith("version 3 of flow 'retry-latest' has no node 'fetch' (the failed node): map it");
        (await Server.GetJsonAsync($"/api/instances/{renamed}"))["status"]!.GetValue<string>().ShouldBe("faulted");

        // The designer previews the same mapping with repeated `map` query values before it retries.
        var mappedPreview = await Server.GetJsonAsync($"/api/instances/{renamed}/retry-plan?version=latest&map=fetch:fetchFixed");
        mappedPreview["rerun"]![0]!["nodeId"]!.GetValue<string>().ShouldBe("fetchFixed", mappedPreview.ToJsonString());
        foreach (var (query, named) in new[] { ("map=fetch", "map 'fetch' must be oldNodeId:newNodeId"), ("map=fetch:fetchFixed&map=gone:other", "no node 'gone'") })
        {
            using var refusedPreview = await Server.Client.GetAsync($"/api/instances/{renamed}/retry-plan?version=latest&{query}");
            var body = await refusedPreview.Content.ReadAsStringAsync();
            ((int)refusedPreview.StatusCode).ShouldBe(422, body);
            body.ShouldContain(named);
        }
        // A pair wrong on both sides: each side named where it is wrong (the query parameter), the node once.
        using (var bothWrong = await Server.Client.GetAsync($"/api/instances/{renamed}/retry-plan?version=latest&map=fetch:fetchFixed&map=gone:other"))
        {
            var both = JsonNode.Parse(await bothWrong.Content.ReadAsStringAsync())!;
            both["nodes"]!.AsArray().Select(n => (string?)n).ShouldBe(["gone"]);
            both["errors"]!.AsArray().Select(e => ((string?)e!["path"], (string?)e["message"])).ShouldBe([
                ("map", "the instance's version has no node 'gone'"),
                ("map", "version 3 of flow 'retry-latest' has no node 'other'"),
            ]);
        }

        var (badMapping, badProblem) = await PostAsync($"/api/instances/{renamed}/retry", """{ "version": "latest", "mapping": { "fetch": "nope" } }""");
        badMapping.ShouldBe(422, badProblem?.ToJsonString());
        badProblem!["detail"]!.GetValue<string>().ShouldContain("'nope'");

        var (mapped, mappedPlan) = await PostAsync($"/api/instances/{renamed}/retry", """{ "version": "latest", "mapping": { "fetch": "fetchFixed" } }""");
        mapped.ShouldBe(202, mappedPlan?.ToJsonString());
        mappedPlan!["rerun"]![0]!["nodeId"]!.GetValue<string>().ShouldBe("fetchFixed");
        var remapped = await EndedAsync(renamed);
        remapped["status"]!.GetValue<string>().ShouldBe("finished", remapped.ToJsonString());
        remapped["flowVersion"]!.GetValue<int>().ShouldBe(3);
        Vendor.CallsTo("/latest/first").ShouldBe(2);
        Vendor.CallsTo("/latest/fixed").ShouldBe(2);
    }

    [Fact]
    public async Task An_unsafe_node_is_listed_before_its_retry_and_runs_again_only_with_confirmUnsafe()
    {
        var v = Vendor.Address;
        await PublishAsync(Flow("retry-unsafe", [
            Request("create", "POST", $"{v}/unsafe/create"),
            Node("done", "SetOutput", new JsonObject { ["name"] = "result", ["value"] = "created" }),
        ], ("create:2xx", "done")), "retry-unsafe", first: true);
        Vendor.Status["/unsafe/create"] = 409;
        var id = await RunFaultedAsync("retry-unsafe", "create");
        Vendor.Status["/unsafe/create"] = 201;

        var preview = await Server.GetJsonAsync($"/api/instances/{id}/retry-plan");
        preview["unsafeNodes"]!.AsArray().Select(n => (string?)n).ShouldBe(["create"]);

        var (status, problem) = await PostAsync($"/api/instances/{id}/retry", "{}");
        status.ShouldBe(409, problem?.ToJsonString());
        problem!["code"]!.GetValue<string>().ShouldBe("UNSAFE_NOT_CONFIRMED");
        problem["unsafeNodes"]![0]!["nodeId"]!.GetValue<string>().ShouldBe("create");
        problem["unsafeNodes"]![0]!["sideEffects"]!.GetValue<string>().ShouldBe("unsafe");
        (await Server.GetJsonAsync($"/api/instances/{id}"))["status"]!.GetValue<string>().ShouldBe("faulted");
        Vendor.CallsTo("/unsafe/create").ShouldBe(1);

        var (confirmed, plan) = await PostAsync($"/api/instances/{id}/retry?confirmUnsafe=true", "{}");
        confirmed.ShouldBe(202, plan?.ToJsonString());
        var ended = await EndedAsync(id);
        ended["status"]!.GetValue<string>().ShouldBe("finished", ended.ToJsonString());
        Vendor.CallsTo("/unsafe/create").ShouldBe(2);
        ended["history"]![0]!["detail"]!.GetValue<string>().ShouldContain("unsafe nodes confirmed: create");
    }

    [Fact]
    public async Task A_faulted_ForEach_iteration_retries_alone_and_a_faulted_fork_branch_alone()
    {
        var v = Vendor.Address;
        await PublishAsync(Flow("retry-loop", [
            Node("loop", "ForEach", new JsonObject { ["items"] = new JsonArray(1, 2, 3) }),
            Node("get", "Http.SendRequest", new JsonObject { ["url"] = new JsonObject { ["template"] = v + "/loop/item/{{ nodes.loop.currentItem }}" } }),
            Node("done", "SetOutput", new JsonObject { ["name"] = "result", ["value"] = new JsonObject { ["js"] = "nodes.loop.count" } }),
        ], ("loop:iterate", "get"), ("loop:done", "done")), "retry-loop", first: true);
        Vendor.Status["/loop/item/2"] = 409;
        var id = await RunFaultedAsync("retry-loop", "get");
        Vendor.Status["/loop/item/2"] = 200;
        var (status, plan) = await PostAsync($"/api/instances/{id}/retry", "{}");
        status.ShouldBe(202, plan?.ToJsonString());
        plan!["rerun"]!.AsArray().Select(r => (string?)r!["nodeId"]).ShouldBe(["get"]);
        plan["rerun"]![0]!["iteration"]!.GetValue<string>().ShouldBe("loop#1");
        var ended = await EndedAsync(id);
        ended["status"]!.GetValue<string>().ShouldBe("finished", ended.ToJsonString());
        Vendor.CallsTo("/loop/item/1").ShouldBe(1);
        Vendor.CallsTo("/loop/item/2").ShouldBe(2);
        Vendor.CallsTo("/loop/item/3").ShouldBe(1);

        // A fork: the branch that finished is not run again, the one that faulted is.
        await PublishAsync(Flow("retry-fork", [
            Node("fork", "Fork", []),
            Node("left", "SetVariable", new JsonObject { ["name"] = "note", ["value"] = "left done" }),
            Request("right", "GET", $"{v}/fork/right"),
            Node("join", "Join", []),
            Node("done", "SetOutput", new JsonObject { ["name"] = "result", ["value"] = new JsonObject { ["js"] = "vars.note + ' / ' + nodes.right.body.path" } }),
        ], ("fork:done", "left"), ("fork:done", "right"), ("left:done", "join"), ("right:2xx", "join"), ("join:done", "done")), "retry-fork", first: true);
        Vendor.Status["/fork/right"] = 409;
        var forked = await RunFaultedAsync("retry-fork", "right");
        Vendor.Status["/fork/right"] = 200;
        var (forkStatus, forkPlan) = await PostAsync($"/api/instances/{forked}/retry", "{}");
        forkStatus.ShouldBe(202, forkPlan?.ToJsonString());
        forkPlan!["rerun"]!.AsArray().Select(r => (string?)r!["nodeId"]).ShouldBe(["right"]);
        var forkEnded = await EndedAsync(forked);
        forkEnded["status"]!.GetValue<string>().ShouldBe("finished", forkEnded.ToJsonString());
        forkEnded["outputs"]!["result"]!.GetValue<string>().ShouldBe("left done / /fork/right");
        var journal = (await Server.GetJsonAsync($"/api/instances/{forked}/journal")).AsArray();
        journal.Count(j => (string?)j!["nodeId"] == "left").ShouldBe(1);
        journal.Count(j => (string?)j!["nodeId"] == "right").ShouldBe(2);
    }

    [Fact]
    public async Task A_second_retry_is_refused_as_busy_while_the_first_one_runs()
    {
        var v = Vendor.Address;
        await PublishAsync(Flow("retry-busy", [
            Request("slow", "GET", $"{v}/busy/slow"),
            Node("done", "SetOutput", new JsonObject { ["name"] = "result", ["value"] = "ok" }),
        ], ("slow:2xx", "done")), "retry-busy", first: true);
        Vendor.Status["/busy/slow"] = 409;
        var id = await RunFaultedAsync("retry-busy", "slow");
        Vendor.Status["/busy/slow"] = 200;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Vendor.Gates["/busy/slow"] = gate;
        try
        {
            (await PostAsync($"/api/instances/{id}/retry", "{}")).Status.ShouldBe(202);
            await TestServer.EventuallyAsync(() => Task.FromResult(Vendor.CallsTo("/busy/slow")), n => n == 2, "the retried call to reach the vendor");
            var (status, problem) = await PostAsync($"/api/instances/{id}/retry", "{}");
            status.ShouldBe(409, problem?.ToJsonString());
            problem!["title"]!.GetValue<string>().ShouldBe("Busy");
            (await PostAsync($"/api/instances/{id}/alter", """{ "variables": { "note": "x" } }""")).Status.ShouldBe(409);
        }
        finally
        {
            gate.TrySetResult();
        }
        (await EndedAsync(id))["status"]!.GetValue<string>().ShouldBe("finished");
        Vendor.CallsTo("/busy/slow").ShouldBe(2);
    }

    [Fact]
    public async Task A_finished_instance_whose_lease_is_still_held_is_refused_for_its_status_not_called_busy()
    {
        await PublishAsync(Flow("retry-ended", [
            Node("done", "SetOutput", new JsonObject { ["name"] = "result", ["value"] = "ok" }),
        ]), "retry-ended", first: true);
        var (status, run) = await Server.PostJsonAsync("/api/flows/retry-ended/run", new { inputs = new { } });
        status.ShouldBe(200, run?.ToJsonString());
        run!["status"]!.GetValue<string>().ShouldBe("finished");
        var id = run["instanceId"]!.GetValue<string>();

        // The moment after a run's final save, its lease is still held (here by another node, for a minute).
        var store = Server.Services.GetRequiredService<IInstanceStore>();
        (await store.TryAcquireLeaseAsync(id, "another-node", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1))).ShouldBeTrue();
        try
        {
            var (retried, problem) = await PostAsync($"/api/instances/{id}/retry", "{}");
            retried.ShouldBe(409, problem?.ToJsonString());
            problem!["code"]!.GetValue<string>().ShouldBe("NOT_FAULTED", problem.ToJsonString());
            problem["detail"]!.GetValue<string>().ShouldContain("is finished");

            var (altered, alterProblem) = await PostAsync($"/api/instances/{id}/alter", """{ "variables": { "note": "x" } }""");
            altered.ShouldBe(409, alterProblem?.ToJsonString());
            alterProblem!["title"]!.GetValue<string>().ShouldBe("Conflict", alterProblem.ToJsonString());
            alterProblem["detail"]!.GetValue<string>().ShouldContain("only a suspended instance can be altered");
        }
        finally
        {
            await store.ReleaseLeaseAsync(id, "another-node", CancellationToken.None);
        }
    }

    [Fact]
    public async Task Retry_all_retries_the_faulted_instances_a_filter_selects()
    {
        var v = Vendor.Address;
        await PublishAsync(Flow("retry-all", [
            Request("call", "GET", $"{v}/all/call"),
            Node("done", "SetOutput", new JsonObject { ["name"] = "result", ["value"] = "ok" }),
        ], ("call:2xx", "done")), "retry-all", first: true);
        Vendor.Status["/all/call"] = 409;
        var first = await RunFaultedAsync("retry-all", "call");
        var second = await RunFaultedAsync("retry-all", "call");
        Vendor.Status["/all/call"] = 200;

        var (invalid, problem) = await PostAsync("/api/instances/retry", """{ "filter": { "flowId": "retry-all", "colour": "red" } }""");
        invalid.ShouldBe(422, problem?.ToJsonString());
        problem!["errors"]![0]!["path"]!.GetValue<string>().ShouldBe("$.filter.colour");

        var (status, body) = await PostAsync("/api/instances/retry", """{ "filter": { "flowId": "retry-all", "nodeId": "call", "message": "HTTP 409" } }""");
        status.ShouldBe(200, body?.ToJsonString());
        body!["retried"]!.GetValue<int>().ShouldBe(2, body.ToJsonString());
        body["items"]!.AsArray().Select(i => (string?)i!["instanceId"]).ShouldBe([first, second], ignoreOrder: true);
        (await EndedAsync(first))["status"]!.GetValue<string>().ShouldBe("finished");
        (await EndedAsync(second))["status"]!.GetValue<string>().ShouldBe("finished");
    }

    [Fact]
    public async Task Retry_all_filters_on_stored_fields_version_node_activity_type_and_message_not_on_the_fault_text()
    {
        var v = Vendor.Address;
        JsonArray Nodes(string result) => [
            Request("call", "GET", $"{v}/filter/call"),
            Node("done", "SetOutput", new JsonObject { ["name"] = "result", ["value"] = result }),
        ];
        await PublishAsync(Flow("retry-filter", Nodes("ok"), ("call:2xx", "done")), "retry-filter", first: true);
        Vendor.Status["/filter/call"] = 409;
        var onFirst = await RunFaultedAsync("retry-filter", "call");
        var firstVersion = (await Server.GetJsonAsync($"/api/instances/{onFirst}"))["flowVersion"]!.GetValue<int>();
        await PublishAsync(Flow("retry-filter", Nodes("ok, version 2"), ("call:2xx", "done")), "retry-filter", first: false);
        var onSecond = await RunFaultedAsync("retry-filter", "call");
        Vendor.Status["/filter/call"] = 200;

        // The fault's display text starts "node 'call' (Http.SendRequest):": a text search for it matches nothing now.
        var (none, noneBody) = await PostAsync("/api/instances/retry", """{ "filter": { "flowId": "retry-filter", "message": "node 'call'" } }""");
        none.ShouldBe(200, noneBody?.ToJsonString());
        noneBody!["retried"]!.GetValue<int>().ShouldBe(0, noneBody.ToJsonString());
        var (wrongType, wrongTypeBody) = await PostAsync("/api/instances/retry", """{ "filter": { "flowId": "retry-filter", "activityType": "RunJavaScript" } }""");
        wrongType.ShouldBe(200);
        wrongTypeBody!["items"]!.AsArray().ShouldBeEmpty();

        var (status, body) = await PostAsync("/api/instances/retry",
            $$"""{ "filter": { "flowId": "retry-filter", "flowVersion": {{firstVersion}}, "nodeId": "call", "activityType": "http.sendrequest", "message": "http 409" } }""");
        status.ShouldBe(200, body?.ToJsonString());
        body!["items"]!.AsArray().Select(i => (string?)i!["instanceId"]).ShouldBe([onFirst]);
        (await EndedAsync(onFirst))["status"]!.GetValue<string>().ShouldBe("finished");
        (await Server.GetJsonAsync($"/api/instances/{onSecond}"))["status"]!.GetValue<string>().ShouldBe("faulted");

        var (invalid, problem) = await PostAsync("/api/instances/retry",
            """{ "filter": { "flowVersion": "two", "from": "2026-12-03T12:00:00Z", "to": "2026-12-03T11:00:00Z" } }""");
        invalid.ShouldBe(422, problem?.ToJsonString());
        problem!["errors"]!.AsArray().Select(e => (string?)e!["path"]).ShouldBe(["$.filter.flowVersion", "$.filter.to"], ignoreOrder: true);
    }

    [Fact]
    public async Task Cancel_and_alter_are_recorded_in_the_history_and_the_audit_log_with_who_made_them()
    {
        await PublishAsync(Flow("retry-alter", [
            Node("wait", "Delay", new JsonObject { ["duration"] = "01:00:00" }),
            Node("done", "SetOutput", new JsonObject { ["name"] = "result", ["value"] = new JsonObject { ["js"] = "vars.note" } }),
        ], ("wait:done", "done")), "retry-alter", first: true);
        async Task<string> StartWaitingAsync()
        {
            var (status, body) = await Server.PostJsonAsync("/api/flows/retry-alter/run", new { inputs = new { }, mode = "async" });
            status.ShouldBe(202, body?.ToJsonString());
            var started = body!["instanceId"]!.GetValue<string>();
            await TestServer.EventuallyAsync(() => Server.GetJsonAsync($"/api/instances/{started}"), i => (string?)i["status"] == "suspended", "suspension");
            return started;
        }

        var altered = await StartWaitingAsync();
        var (unknown, problem) = await PostAsync($"/api/instances/{altered}/alter", """{ "variables": { "nope": 1 } }""");
        unknown.ShouldBe(422, problem?.ToJsonString());
        problem!["errors"]![0]!["path"]!.GetValue<string>().ShouldBe("$.variables.nope");

        var (set, setBody) = await PostAsync($"/api/instances/{altered}/alter", """{ "variables": { "note": "approved by hand" } }""");
        set.ShouldBe(200, setBody?.ToJsonString());
        setBody!["status"]!.GetValue<string>().ShouldBe("suspended");
        var instance = await Server.GetJsonAsync($"/api/instances/{altered}");
        instance["variables"]!["note"]!.GetValue<string>().ShouldBe("approved by hand");

        var (cancelWait, waitBody) = await PostAsync($"/api/instances/{altered}/alter", """{ "cancelWaits": ["wait"] }""");
        cancelWait.ShouldBe(200, waitBody?.ToJsonString());
        var ended = await EndedAsync(altered);
        ended["status"]!.GetValue<string>().ShouldBe("finished", ended.ToJsonString());
        var history = ended["history"]!.AsArray();
        history.Select(h => (string?)h!["action"]).ShouldBe(["alter", "alter"]);
        var who = history[0]!["by"]!.GetValue<string>();
        who.ShouldNotBeNullOrWhiteSpace();
        history[0]!["detail"]!.GetValue<string>().ShouldContain("set variable note");
        history[1]!["detail"]!.GetValue<string>().ShouldContain("cancelled the wait at wait");
        var (late, lateProblem) = await PostAsync($"/api/instances/{altered}/alter", """{ "variables": { "note": "too late" } }""");
        late.ShouldBe(409, lateProblem?.ToJsonString());

        var cancelled = await StartWaitingAsync();
        (await Server.PostJsonAsync($"/api/instances/{cancelled}/cancel", new { })).Status.ShouldBe(200);
        var gone = await Server.GetJsonAsync($"/api/instances/{cancelled}");
        gone["status"]!.GetValue<string>().ShouldBe("cancelled");
        gone["history"]![0]!["action"]!.GetValue<string>().ShouldBe("cancel");
        gone["history"]![0]!["by"]!.GetValue<string>().ShouldBe(who);
        gone["fault"]!["message"]!.GetValue<string>().ShouldContain(who);

        var audit = (await Server.GetJsonAsync("/api/audit?take=1000")).AsArray();
        audit.ShouldContain(a => (string?)a!["action"] == "POST /api/instances/{id}/alter" && ((string?)a["target"] ?? "").Contains(altered) && (string?)a["userName"] != null,
            audit.ToJsonString());
        audit.ShouldContain(a => (string?)a!["action"] == "POST /api/instances/{id}/cancel" && ((string?)a["target"] ?? "").Contains(cancelled));
    }
}
