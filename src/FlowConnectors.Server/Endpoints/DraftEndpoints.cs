using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Runtime;
using FlowConnectors.Engine.Formats;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// The designer's working copy of a flow: saved as often as the designer likes, test-run without becoming a version,
/// published into a version on request. The Active switch turns a flow's triggers on and off.
/// </summary>
internal static class DraftEndpoints
{
    public static void MapDrafts(this RouteGroupBuilder api)
    {
        var flowsApi = api.MapGroup("/flows/{id}").WithTags("Flows");
        flowsApi.MapGet("/draft", async Task<Results<Ok<DraftResponse>, ProblemHttpResult>> (string id, IFlowStore flows, CancellationToken ct) =>
            await flows.GetDraftAsync(id, ct) is { } draft
                ? TypedResults.Ok(new DraftResponse(JsonNode.Parse(draft.Json)!.AsObject(), draft.Pins is null ? [] : JsonNode.Parse(draft.Pins)!.AsObject(), draft.UpdatedAt,
                    draft.LatestVersion))
                : Problems.Result(404, "Not found", $"flow '{id}' has no draft"))
            .WithName("GetDraft").ProducesProblem(404);

        flowsApi.MapPut("/draft", async Task<Results<Ok<DraftSaved>, ProblemHttpResult>> (string id, DraftSaveRequest body, WorkflowHost host, IFlowStore flows, CancellationToken ct) =>
        {
            if (body.Flow is not { } flowJson)
                return Problems.Validation("the body must be { \"flow\": …, \"pins\": … }", [new { path = "$.flow", message = "expected the flow JSON object" }]);
            // A draft may be unfinished (engine errors are reported, not refused), but it must be flow JSON.
            var load = FlowJson.Load(flowJson.ToJsonString());
            if (load.Flow is not { } flow || load.Problems.Any(p => p.IsError))
                return Problems.Validation("the draft is not valid flow JSON", load.Problems.Where(p => p.IsError).Select(p => Prefixed(p, "$.flow")));
            if (flow.Id != id)
                return Problems.Validation($"the draft's id '{flow.Id}' does not match the URL's '{id}'", [new { path = "$.flow.id", message = "must match the URL" }]);
            // Unfinished is fine, but the id keys the stored draft.
            if (id.Length > FlowDefinition.MaxIdLength)
                return Problems.Validation($"the flow id is {id.Length:N0} characters long; an id may be at most {FlowDefinition.MaxIdLength}",
                    [new { path = "$.flow.id", message = $"at most {FlowDefinition.MaxIdLength} characters" }]);
            string? pins = null;
            if (body.Pins is { Count: > 0 } given)
            {
                var (json, pinError) = PinsOf(given, flow);
                if (pinError is not null) return Problems.Validation(pinError, [new { path = "$.pins", message = pinError }]);
                pins = json;
            }
            StoredDraft saved;
            try
            {
                saved = await flows.SaveDraftAsync(id, FlowJson.Save(flow), pins,
                    body.Base is { } started ? new DraftBaseline(started.LatestVersion, started.DraftUpdatedAt) : null, ct);
            }
            catch (DraftChangedException changed)
            {
                return Problems.Conflict(ChangedSince(id, body.Base!, changed.LatestVersion, changed.Current));
            }
            var problems = host.Engine.Validate(flow);
            return TypedResults.Ok(new DraftSaved(id, saved.UpdatedAt, [.. problems.Select(FlowEndpoints.ProblemJson)], saved.LatestVersion));
        }).WithName("SaveDraft").ProducesBodyProblems().ProducesProblem(409);

        flowsApi.MapDelete("/draft", async (string id, IFlowStore flows, CancellationToken ct) =>
        {
            await flows.DeleteDraftAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteDraft");

        flowsApi.MapPost("/draft/publish", async Task<Results<Ok<DraftPublished>, ProblemHttpResult>> (string id, HttpContext context, WorkflowHost host, IFlowStore flows, TriggerRegistry triggers,
            Hosting.Access.ConnectionRights rights, Connectors.Connections.IConnectionStore connections, CancellationToken ct) =>
        {
            if (await flows.GetDraftAsync(id, ct) is not { } draft) return Problems.Result(404, "Not found", $"flow '{id}' has no draft to publish");
            var flow = FlowJson.Parse(draft.Json);
            if (await rights.FlowRefusalAsync(context.User, flow, connections, ct) is { } refused) return refused;
            var problems = host.Engine.Validate(flow);
            if (problems.Any(p => p.IsError))
                return Problems.Validation("the draft has errors; fix them before publishing", problems.Where(p => p.IsError).Select(FlowEndpoints.ProblemJson));
            var stored = await flows.SaveVersionAsync(flow.Id, flow.Name, draft.Json, null, ct);
            await flows.PublishAsync(stored.FlowId, stored.Version, ct);
            await rights.RecordPublisherAsync(context.User, stored.FlowId, ct);
            host.FlowPublished(stored.FlowId);
            await triggers.RegisterAsync(flow, ct);
            // The draft became the published version; pins stay with the designer's next draft only if it saves them again.
            await flows.DeleteDraftAsync(id, ct);
            return TypedResults.Ok(new DraftPublished(stored.FlowId, stored.Version, true, await flows.GetActiveAsync(id, ct) ?? true));
        }).WithName("PublishDraft").ProducesProblems(404, 422);

        // Run data: as deep as any run input may be (MaxInputDepth), so a run never starts on input it cannot save.
        flowsApi.MapPost("/draft/run", async Task<Results<Ok<RunFinished>, Accepted<RunAccepted>, ProblemHttpResult>> (string id, DraftRunRequest body, WorkflowHost host, IFlowStore flows, ServerOptions options, CancellationToken ct) =>
        {
            var stored = await flows.GetDraftAsync(id, ct);
            var json = stored?.Json ?? (await flows.GetAsync(id, null, ct))?.Json;
            if (json is null) return Problems.Result(404, "Not found", $"flow '{id}' has no draft and no version");
            try
            {
                // Pinned nodes do not run: their pinned outputs stand in for them (the vendor is not called).
                var (flow, prepare) = DraftRuns.WithPins(FlowJson.Parse(json), DraftRuns.PinsOf(stored?.Pins));
                var started = await host.StartDraftAsync(flow, body.Inputs, options.SyncTimeout, ct, prepare);
                return FlowEndpoints.RunAnswer(started);
            }
            catch (FlowValidationException e)
            {
                return Problems.Validation("the draft has errors; fix them before a test run", e.Problems.Where(p => p.IsError).Select(FlowEndpoints.ProblemJson));
            }
            catch (FlowInputException e) { return Problems.FlowInputs(e); }
        }).WithName("RunDraft").ProducesBodyProblems().ProducesProblem(404);

        flowsApi.MapPost("/draft/test-step", async Task<Results<Ok<StepResult>, ProblemHttpResult>> (string id, TestStepRequest body, WorkflowHost host, IFlowStore flows, ServerOptions options, CancellationToken ct) =>
        {
            if (body.NodeId is not { } nodeId)
                return Problems.Validation("the body must name the node to test: { \"nodeId\": …, \"upstream\": { … } }", [new { path = "$.nodeId", message = "expected a node id" }]);
            if (await flows.GetDraftAsync(id, ct) is not { } stored) return Problems.Result(404, "Not found", $"flow '{id}' has no draft; save it first");
            var draft = FlowJson.Parse(stored.Json);
            if (draft.FindNode(nodeId!) is null) return Problems.Validation($"node '{nodeId}' is not in the draft", [new { path = "$.nodeId", message = "no such node" }]);
            var (flow, prepare) = DraftRuns.Step(draft, nodeId!, body.Upstream ?? []);
            return await RunProbeAsync(host, flow, body.Inputs, prepare, options.SyncTimeout, result =>
            {
                var entry = result.Journal.LastOrDefault(e => e.NodeId == nodeId);
                return new StepResult(nodeId, result.Status.ToString().ToLowerInvariant(), entry?.Outcome, entry?.Error ?? result.Fault?.Message,
                    entry?.Inputs is null ? null : new JsonObject(entry.Inputs.Select(x => KeyValuePair.Create(x.Key, x.Value?.DeepClone()))),
                    entry?.Outputs is null ? null : new JsonObject(entry.Outputs.Select(x => KeyValuePair.Create(x.Key, x.Value?.DeepClone()))),
                    entry?.Duration.ToString("c"), entry?.StartedAt);
            }, ct);
        }).WithName("TestDraftStep").ProducesBodyProblems().ProducesProblem(404);

        // Expression preview: a JavaScript or template input evaluated against a model (the last run's data).
        api.MapPost("/expressions/evaluate", async Task<Results<Ok<ExpressionResult>, ProblemHttpResult>> (ExpressionRequest body, WorkflowHost host, CancellationToken ct) =>
        {
            if (body.Expression is not { Count: 1 } expression ||
                expression.First().Key is not ("js" or "template") || expression.First().Value is not JsonValue)
                return Problems.Validation("'expression' must be { \"js\": \"…\" } or { \"template\": \"…\" }", [new { path = "$.expression", message = "expected js or template" }]);
            var (flow, prepare) = DraftRuns.Preview(expression, body.Model ?? []);
            var problems = host.Engine.Validate(flow).Where(p => p.IsError && p.NodeId == "__preview").ToList();
            if (problems.Count > 0) return TypedResults.Ok(new ExpressionResult(null, problems[0].Message));
            return await RunProbeAsync(host, flow, body.Model?["input"] as JsonObject, prepare, TimeSpan.FromSeconds(5), result =>
                result.Fault is { } fault ? new ExpressionResult(null, fault.Message) : new ExpressionResult(result.OutputsAsJson()["value"]?.DeepClone(), null), ct);
        }).WithTags("Flows").WithName("EvaluateExpression").ProducesBodyProblems();

        flowsApi.MapPut("/active", async Task<Results<Ok<FlowActiveResponse>, ProblemHttpResult>> (string id, FlowActiveRequest body, HttpContext context, IFlowStore flows, TriggerRegistry triggers,
            Hosting.Access.ConnectionRights rights, Connectors.Connections.IConnectionStore connections, CancellationToken ct) =>
        {
            if (body.Active is not { } active)
                return Problems.Validation("the body must be { \"active\": true | false }", [new { path = "$.active", message = "expected a boolean" }]);
            // Switching on puts the flow's connections to work again: the one who does it must be allowed to use them.
            if (active && await flows.GetPublishedAsync(id, ct) is { } current
                && await rights.FlowRefusalAsync(context.User, FlowJson.Parse(current.Json), connections, ct) is { } refused) return refused;
            if (!await flows.SetActiveAsync(id, active, ct)) return Problems.Result(404, "Not found", $"flow '{id}' has no published version to switch on or off");
            // Whoever switches it on puts its connections to work, also those its expressions choose at run time.
            if (active) await rights.RecordPublisherAsync(context.User, id, ct);
            // Registering the published version again adds its triggers (on) or removes them all (off).
            if (await flows.GetPublishedAsync(id, ct) is { } published) await triggers.RegisterAsync(FlowJson.Parse(published.Json), ct);
            return TypedResults.Ok(new FlowActiveResponse(id, active));
        }).WithName("SetFlowActive").ProducesBodyProblems().ProducesProblem(404);
    }

    /// <summary>Runs a derived flow in memory (never stored: a probe, not an instance) within <paramref name="limit"/>.</summary>
    private static async Task<Results<Ok<T>, ProblemHttpResult>> RunProbeAsync<T>(WorkflowHost host, FlowDefinition flow, JsonObject? input, Action<FlowConnectors.Engine.FlowInstanceState> prepare,
        TimeSpan limit, Func<FlowRunResult, T> answer, CancellationToken ct)
    {
        try
        {
            var compiled = host.Engine.Compile(flow);
            var state = host.Engine.CreateInstance(compiled, input);
            prepare(state);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(limit);
            return TypedResults.Ok(answer(await host.Engine.ContinueAsync(compiled, state, timeout.Token)));
        }
        catch (FlowValidationException e)
        {
            return Problems.Validation("the draft has errors; fix them first", e.Problems.Where(p => p.IsError).Select(FlowEndpoints.ProblemJson));
        }
        catch (FlowInputException e) { return Problems.FlowInputs(e); }
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

    /// <summary>
    /// What a draft based on <paramref name="started"/> would replace, which the store found changed since (a version saved or
    /// published, the draft saved or discarded by another tab or person).
    /// </summary>
    private static string ChangedSince(string id, DraftBase started, int? latest, StoredDraft? draft)
    {
        const string Choice = "reload the flow to see them, or save without a base to replace them";
        if (latest != started.LatestVersion)
            return $"flow '{id}' was changed meanwhile: it is at version {latest?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}, this edit started from "
                + $"{(started.LatestVersion is { } v ? $"version {v.ToString(CultureInfo.InvariantCulture)}" : "no version")}; {Choice}";
        return draft is null
            ? $"flow '{id}' was changed meanwhile: its draft was discarded after this edit started; {Choice}"
            : $"flow '{id}' was changed meanwhile: its draft was saved at {draft.UpdatedAt.ToString("u", CultureInfo.InvariantCulture)} after this edit started; {Choice}";
    }
}
