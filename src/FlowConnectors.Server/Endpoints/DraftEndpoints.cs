using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Runtime;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// The designer's working copy of a flow: saved as often as the designer likes, test-run without becoming a version,
/// published into a version on request. The Active switch turns a flow's triggers on and off.
/// </summary>
internal static class DraftEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/flows/{id}/draft", async (string id, IFlowStore flows, CancellationToken ct) =>
            await flows.GetDraftAsync(id, ct) is { } draft
                ? Results.Json(new JsonObject
                {
                    ["flow"] = JsonNode.Parse(draft.Json),
                    ["pins"] = draft.Pins is null ? new JsonObject() : JsonNode.Parse(draft.Pins),
                    ["updatedAt"] = draft.UpdatedAt,
                })
                : Problems.Result(404, "Not found", $"flow '{id}' has no draft"));

        api.MapPut("/flows/{id}/draft", async (string id, HttpRequest request, WorkflowHost host, IFlowStore flows, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            if (body is not JsonObject o || o["flow"] is not JsonObject flowJson)
                return Problems.Validation("the body must be { \"flow\": …, \"pins\": … }", [new { path = "$.flow", message = "expected the flow JSON object" }]);
            if (o["pins"] is not (null or JsonObject))
                return Problems.Validation("'pins' must be an object of node id → { outputs, outcome }", [new { path = "$.pins", message = "expected an object" }]);
            // A draft may be unfinished (engine errors are reported, not refused), but it must be flow JSON.
            var load = FlowJson.Load(flowJson.ToJsonString());
            if (load.Flow is not { } flow || load.Problems.Any(p => p.IsError))
                return Problems.Validation("the draft is not valid flow JSON", load.Problems.Where(p => p.IsError).Select(p => Prefixed(p, "$.flow")));
            if (flow.Id != id)
                return Problems.Validation($"the draft's id '{flow.Id}' does not match the URL's '{id}'", [new { path = "$.flow.id", message = "must match the URL" }]);
            string? pins = null;
            if (o["pins"] is JsonObject given && given.Count > 0)
            {
                var (json, pinError) = PinsOf(given, flow);
                if (pinError is not null) return Problems.Validation(pinError, [new { path = "$.pins", message = pinError }]);
                pins = json;
            }
            var saved = await flows.SaveDraftAsync(id, FlowJson.Save(flow), pins, ct);
            var problems = host.Engine.Validate(flow);
            return Results.Json(new { flowId = id, updatedAt = saved.UpdatedAt, problems = problems.Select(ManagementEndpoints.ProblemJson) });
        });

        api.MapDelete("/flows/{id}/draft", async (string id, IFlowStore flows, CancellationToken ct) =>
        {
            await flows.DeleteDraftAsync(id, ct);
            return Results.NoContent();
        });

        api.MapPost("/flows/{id}/draft/publish", async (string id, HttpContext context, WorkflowHost host, IFlowStore flows, TriggerRegistry triggers,
            Hosting.Access.ConnectionRights rights, Connectors.Connections.IConnectionStore connections, CancellationToken ct) =>
        {
            if (await flows.GetDraftAsync(id, ct) is not { } draft) return Problems.Result(404, "Not found", $"flow '{id}' has no draft to publish");
            var flow = FlowJson.Parse(draft.Json);
            if (await rights.FlowRefusalAsync(context.User, flow, connections, ct) is { } refused) return refused;
            var problems = host.Engine.Validate(flow);
            if (problems.Any(p => p.IsError))
                return Problems.Validation("the draft has errors; fix them before publishing", problems.Where(p => p.IsError).Select(ManagementEndpoints.ProblemJson));
            var stored = await flows.SaveVersionAsync(flow.Id, flow.Name, draft.Json, null, ct);
            await flows.PublishAsync(stored.FlowId, stored.Version, ct);
            await rights.RecordPublisherAsync(context.User, stored.FlowId, ct);
            host.FlowPublished(stored.FlowId);
            await triggers.RegisterAsync(flow, ct);
            // The draft became the published version; pins stay with the designer's next draft only if it saves them again.
            await flows.DeleteDraftAsync(id, ct);
            return Results.Json(new { flowId = stored.FlowId, version = stored.Version, published = true, active = await flows.GetActiveAsync(id, ct) ?? true });
        });

        api.MapPost("/flows/{id}/draft/run", async (string id, HttpRequest request, WorkflowHost host, IFlowStore flows, ServerOptions options, CancellationToken ct) =>
        {
            // Run data: as deep as any run input may be (MaxInputDepth), so a run never starts on input it cannot save.
            var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes, required: false, options.MaxInputDepth);
            if (problem is not null) return problem;
            if (body is not (JsonObject or null)) return Problems.Validation("the body must be an object", [new { path = "$", message = "expected an object" }]);
            var o = body as JsonObject ?? [];
            if (o["inputs"] is not (JsonObject or null)) return Problems.Validation("'inputs' must be an object", [new { path = "$.inputs", message = "expected an object" }]);
            var stored = await flows.GetDraftAsync(id, ct);
            var json = stored?.Json ?? (await flows.GetAsync(id, null, ct))?.Json;
            if (json is null) return Problems.Result(404, "Not found", $"flow '{id}' has no draft and no version");
            try
            {
                // Pinned nodes do not run: their pinned outputs stand in for them (the vendor is not called).
                var (flow, prepare) = DraftRuns.WithPins(FlowJson.Parse(json), DraftRuns.PinsOf(stored?.Pins));
                var started = await host.StartDraftAsync(flow, o["inputs"] as JsonObject, options.SyncTimeout, ct, prepare);
                return ManagementEndpoints.RunAnswer(started);
            }
            catch (FlowValidationException e)
            {
                return Problems.Validation("the draft has errors; fix them before a test run", e.Problems.Where(p => p.IsError).Select(ManagementEndpoints.ProblemJson));
            }
            catch (FlowInputException e) { return Problems.Validation("the inputs do not match the flow", e.Problems.Select(p => new { path = "$.inputs", message = p })); }
        });

        api.MapPost("/flows/{id}/draft/test-step", async (string id, HttpRequest request, WorkflowHost host, IFlowStore flows, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            if (body is not JsonObject o || o["nodeId"] is not JsonValue nodeValue || !nodeValue.TryGetValue(out string? nodeId))
                return Problems.Validation("the body must name the node to test: { \"nodeId\": …, \"upstream\": { … } }", [new { path = "$.nodeId", message = "expected a node id" }]);
            if (o["upstream"] is not (null or JsonObject) || o["inputs"] is not (null or JsonObject))
                return Problems.Validation("'upstream' and 'inputs' must be objects", [new { path = "$.upstream", message = "expected node id → outputs" }]);
            if (await flows.GetDraftAsync(id, ct) is not { } stored) return Problems.Result(404, "Not found", $"flow '{id}' has no draft; save it first");
            var draft = FlowJson.Parse(stored.Json);
            if (draft.FindNode(nodeId!) is null) return Problems.Validation($"node '{nodeId}' is not in the draft", [new { path = "$.nodeId", message = "no such node" }]);
            var (flow, prepare) = DraftRuns.Step(draft, nodeId!, o["upstream"] as JsonObject ?? []);
            return await RunProbeAsync(host, flow, o["inputs"] as JsonObject, prepare, options.SyncTimeout, result =>
            {
                var entry = result.Journal.LastOrDefault(e => e.NodeId == nodeId);
                return new JsonObject
                {
                    ["nodeId"] = nodeId,
                    ["status"] = result.Status.ToString().ToLowerInvariant(),
                    ["outcome"] = entry?.Outcome,
                    ["error"] = entry?.Error ?? result.Fault?.Message,
                    ["inputs"] = entry?.Inputs is null ? null : new JsonObject(entry.Inputs.Select(x => KeyValuePair.Create(x.Key, x.Value?.DeepClone()))),
                    ["outputs"] = entry?.Outputs is null ? null : new JsonObject(entry.Outputs.Select(x => KeyValuePair.Create(x.Key, x.Value?.DeepClone()))),
                    ["duration"] = entry?.Duration.ToString("c"),
                    ["startedAt"] = entry?.StartedAt,
                };
            }, ct);
        });

        // Expression preview: a JavaScript or template input evaluated against a model (the last run's data).
        api.MapPost("/expressions/evaluate", async (HttpRequest request, WorkflowHost host, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            if (body is not JsonObject o || o["expression"] is not JsonObject expression || expression.Count != 1 ||
                expression.First().Key is not ("js" or "template") || expression.First().Value is not JsonValue)
                return Problems.Validation("'expression' must be { \"js\": \"…\" } or { \"template\": \"…\" }", [new { path = "$.expression", message = "expected js or template" }]);
            if (o["model"] is not (null or JsonObject))
                return Problems.Validation("'model' must be { input, vars, nodes }", [new { path = "$.model", message = "expected an object" }]);
            var (flow, prepare) = DraftRuns.Preview(expression, o["model"] as JsonObject ?? []);
            var problems = host.Engine.Validate(flow).Where(p => p.IsError && p.NodeId == "__preview").ToList();
            if (problems.Count > 0) return Results.Json(new { error = problems[0].Message });
            return await RunProbeAsync(host, flow, (o["model"] as JsonObject)?["input"] as JsonObject, prepare, TimeSpan.FromSeconds(5), result =>
                result.Fault is { } fault ? new JsonObject { ["error"] = fault.Message } : new JsonObject { ["value"] = result.OutputsAsJson()["value"]?.DeepClone() }, ct);
        });

        api.MapPut("/flows/{id}/active", async (string id, HttpRequest request, IFlowStore flows, TriggerRegistry triggers, ServerOptions options,
            Hosting.Access.ConnectionRights rights, Connectors.Connections.IConnectionStore connections, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            if (body is not JsonObject o || o["active"] is not JsonValue value || !value.TryGetValue(out bool active))
                return Problems.Validation("the body must be { \"active\": true | false }", [new { path = "$.active", message = "expected a boolean" }]);
            // Switching on puts the flow's connections to work again: the one who does it must be allowed to use them.
            if (active && await flows.GetPublishedAsync(id, ct) is { } current
                && await rights.FlowRefusalAsync(request.HttpContext.User, FlowJson.Parse(current.Json), connections, ct) is { } refused) return refused;
            if (!await flows.SetActiveAsync(id, active, ct)) return Problems.Result(404, "Not found", $"flow '{id}' has no published version to switch on or off");
            // Whoever switches it on puts its connections to work, also those its expressions choose at run time.
            if (active) await rights.RecordPublisherAsync(request.HttpContext.User, id, ct);
            // Registering the published version again adds its triggers (on) or removes them all (off).
            if (await flows.GetPublishedAsync(id, ct) is { } published) await triggers.RegisterAsync(FlowJson.Parse(published.Json), ct);
            return Results.Json(new { flowId = id, active });
        });
    }

    /// <summary>Runs a derived flow in memory (never stored: a probe, not an instance) within <paramref name="limit"/>.</summary>
    private static async Task<IResult> RunProbeAsync(WorkflowHost host, FlowDefinition flow, JsonObject? input, Action<FlowConnectors.Engine.FlowInstanceState> prepare,
        TimeSpan limit, Func<FlowRunResult, JsonObject> answer, CancellationToken ct)
    {
        try
        {
            var compiled = host.Engine.Compile(flow);
            var state = host.Engine.CreateInstance(compiled, input);
            prepare(state);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(limit);
            return Results.Json(answer(await host.Engine.ContinueAsync(compiled, state, timeout.Token)));
        }
        catch (FlowValidationException e)
        {
            return Problems.Validation("the draft has errors; fix them first", e.Problems.Where(p => p.IsError).Select(ManagementEndpoints.ProblemJson));
        }
        catch (FlowInputException e) { return Problems.Validation("the inputs do not match the flow", e.Problems.Select(p => new { path = "$.inputs", message = p })); }
    }

    private static object Prefixed(FormatProblem p, string prefix) =>
        new { path = prefix + p.Path.TrimStart('$'), code = p.Code, message = p.Message, nodeId = p.NodeId, severity = p.IsError ? "error" : "warning" };

    /// <summary>Pins name nodes of the draft, each { outputs: object, outcome?: string }.</summary>
    private static (string? Json, string? Error) PinsOf(JsonObject pins, FlowDefinition flow)
    {
        foreach (var (nodeId, pin) in pins)
        {
            if (flow.FindNode(nodeId) is null) return (null, $"pin '{nodeId}' names no node of the flow");
            if (pin is not JsonObject p || p["outputs"] is not JsonObject || p["outcome"] is not (null or JsonValue))
                return (null, $"pin '{nodeId}' must be {{ \"outputs\": {{ … }}, \"outcome\": \"…\" }}");
        }
        return (pins.ToJsonString(), null);
    }
}
