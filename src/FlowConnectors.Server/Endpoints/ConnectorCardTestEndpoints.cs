using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Runtime;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// The card canvas's test runs: a connector flow as the designer holds it (unsaved) runs inside its connector with a
/// chosen connection — the whole flow (pinned nodes stand in for themselves), or one node after the outputs its upstream
/// nodes produced last time. Nothing is saved or installed; the answer carries the journal the canvas decorates with.
/// </summary>
internal static class ConnectorCardTestEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/connectors/{key}/flows/{flowId}/test", async Task<Results<Ok<CardTestRun>, ProblemHttpResult>> (string key, string flowId, HttpRequest request, ConnectorRuntime runtime,
            ServerOptions options, CancellationToken ct) =>
        {
            var (body, flow, connectionId, problem) = await ReadAsync(request, runtime, key, flowId, options);
            if (problem is not null) return problem;
            var pins = body!["pins"] is JsonObject given ? DraftRuns.PinsOf(given.ToJsonString()) : [];
            var (derived, prepare) = DraftRuns.WithPins(flow!, pins);
            return await RunAsync<CardTestRun>(runtime, key, derived, connectionId, body["inputs"] as JsonObject, pins.Count > 0 ? prepare : null, options, ct,
                run => new JsonObject
                {
                    ["status"] = run.Status.ToString().ToLowerInvariant(),
                    ["outputs"] = run.OutputsAsJson(),
                    ["fault"] = run.Fault is null ? null : new JsonObject { ["nodeId"] = run.Fault.NodeId, ["message"] = run.Fault.Message },
                    ["journal"] = JsonSerializer.SerializeToNode(run.Journal, JsonSerializerOptions.Web),
                });
        }).DocumentsBody<CardTestRequest>().WithName("TestConnectorFlow").ProducesBodyProblems().ProducesProblems(404, 409, 504);

        api.MapPost("/connectors/{key}/flows/{flowId}/test-step", async Task<Results<Ok<StepResult>, ProblemHttpResult>> (string key, string flowId, HttpRequest request, ConnectorRuntime runtime,
            ServerOptions options, CancellationToken ct) =>
        {
            var (body, flow, connectionId, problem) = await ReadAsync(request, runtime, key, flowId, options);
            if (problem is not null) return problem;
            if (body!["nodeId"] is not JsonValue nodeValue || !nodeValue.TryGetValue(out string? nodeId) || flow!.FindNode(nodeId) is null)
                return Problems.Validation("'nodeId' must name a node of the flow", [new { path = "$.nodeId", message = "no such node" }]);
            if (body["upstream"] is not (null or JsonObject))
                return Problems.Validation("'upstream' must be an object of node id → outputs", [new { path = "$.upstream", message = "expected an object" }]);
            var (step, prepare) = DraftRuns.Step(flow, nodeId, body["upstream"] as JsonObject ?? []);
            return await RunAsync<StepResult>(runtime, key, step, connectionId, body["inputs"] as JsonObject, prepare, options, ct, run =>
            {
                var entry = run.Journal.LastOrDefault(e => e.NodeId == nodeId);
                return new JsonObject
                {
                    ["nodeId"] = nodeId,
                    ["status"] = run.Status.ToString().ToLowerInvariant(),
                    ["outcome"] = entry?.Outcome,
                    ["error"] = entry?.Error ?? run.Fault?.Message,
                    ["inputs"] = entry?.Inputs is null ? null : new JsonObject(entry.Inputs.Select(x => KeyValuePair.Create(x.Key, x.Value?.DeepClone()))),
                    ["outputs"] = entry?.Outputs is null ? null : new JsonObject(entry.Outputs.Select(x => KeyValuePair.Create(x.Key, x.Value?.DeepClone()))),
                    ["duration"] = entry?.Duration.ToString("c"),
                    ["startedAt"] = entry?.StartedAt,
                };
            });
        }).DocumentsBody<CardTestRequest>().WithName("TestConnectorFlowStep").ProducesBodyProblems().ProducesProblems(404, 409, 504);
    }

    /// <summary>The body { flow, connectionId?, inputs?, … }: the flow must be flow JSON with the URL's id, the connector installed.</summary>
    private static async Task<(JsonObject? Body, FlowDefinition? Flow, string? ConnectionId, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request,
        ConnectorRuntime runtime, string key, string flowId, ServerOptions options)
    {
        if (!runtime.Installed.Connectors.Any(c => c.Manifest.Key == key)) return (null, null, null, Problems.Result(404, "Not found", $"connector '{key}' is not installed"));
        var (body, problem) = await Problems.ReadJsonObjectAsync(request, options.MaxBodyBytes, maxDepth: options.MaxInputDepth);
        if (problem is not null) return (null, null, null, problem);
        if (body!["flow"] is not JsonObject flowJson)
            return (null, null, null, Problems.Validation("the body must hold the flow: { \"flow\": …, \"connectionId\": …, \"inputs\": … }", [new { path = "$.flow", message = "expected the flow JSON object" }]));
        flowJson["format"] ??= FlowDefinition.CurrentFormat;
        var load = FlowJson.Load(flowJson.ToJsonString());
        if (load.Flow is not { } flow || load.HasErrors)
            return (null, null, null, Problems.Validation("the flow is not valid flow JSON",
                load.Problems.Where(p => p.IsError).Select(p => new { path = "$.flow" + p.Path.TrimStart('$'), code = p.Code, message = p.Message })));
        if (flow.Id != flowId)
            return (null, null, null, Problems.Validation($"the flow's id '{flow.Id}' does not match the URL's '{flowId}'", [new { path = "$.flow.id", message = "must match the URL" }]));
        if (body["inputs"] is not (null or JsonObject) || body["pins"] is not (null or JsonObject))
            return (null, null, null, Problems.Validation("'inputs' and 'pins' must be objects", [new { path = "$.inputs", message = "expected an object" }]));
        string? connectionId = null;
        if (body["connectionId"] is JsonValue value && value.TryGetValue(out string? id) && id.Length > 0)
        {
            if (!Connection.IsValidId(id))
                return (null, null, null, Problems.Validation($"connection '{id}' does not exist", [new { path = "$.connectionId", message = Connection.IdRule }]));
            connectionId = id;
        }
        else if (body["connectionId"] is not null)
            return (null, null, null, Problems.Validation("'connectionId' must be a connection id", [new { path = "$.connectionId", message = "expected a string" }]));
        return (body, flow, connectionId, null);
    }

    /// <summary>Runs the flow; the answer is built as JSON so that every secret can be masked in it before it is typed.</summary>
    private static async Task<Results<Ok<T>, ProblemHttpResult>> RunAsync<T>(ConnectorRuntime runtime, string key, FlowDefinition flow, string? connectionId, JsonObject? inputs,
        Action<FlowInstanceState>? prepare, ServerOptions options, CancellationToken ct, Func<FlowRunResult, JsonObject> answer)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.SyncTimeout);
            var (run, secrets) = await runtime.Actions.RunDraftAsync(key, flow, connectionId, inputs, prepare, timeout.Token);
            var json = answer(run);
            // The connection's secrets never come back, also from a prepared run that met them before any request applied them.
            Mask(json, [.. run.Secrets, .. secrets]);
            return TypedResults.Ok(json.Deserialize<T>(JsonSerializerOptions.Web)!);
        }
        catch (FlowValidationException e)
        {
            return Problems.Validation("the flow has errors; fix them before a test run", e.Problems.Where(p => p.IsError).Select(FlowEndpoints.ProblemJson));
        }
        catch (FlowInputException e) { return Problems.FlowInputs(e); }
        catch (ConnectorException e) when (e.Message.Contains("does not exist", StringComparison.Ordinal))
        {
            return Problems.Validation(e.Message, [new { path = "$.connectionId", message = e.Message }]);
        }
        catch (ConnectorException e) { return Problems.Result(409, "Conflict", e.Message); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Problems.Result(504, "Test run too long", $"the test run did not end within {options.SyncTimeout.TotalSeconds:0} s");
        }
    }

    private static void Mask(JsonNode? node, IReadOnlyCollection<string> secrets)
    {
        var list = secrets.Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToList();
        if (list.Count > 0) MaskIn(node, list);
    }

    private static void MaskIn(JsonNode? node, List<string> secrets)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, value) in o.ToList())
                    if (value is JsonValue v && v.TryGetValue(out string? text)) o[name] = Masked(text, secrets);
                    else MaskIn(value, secrets);
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    if (a[i] is JsonValue v && v.TryGetValue(out string? text)) a[i] = Masked(text, secrets);
                    else MaskIn(a[i], secrets);
                break;
        }
    }

    private static string Masked(string text, List<string> secrets)
    {
        foreach (var secret in secrets) text = text.Replace(secret, "***", StringComparison.Ordinal);
        return text;
    }
}
