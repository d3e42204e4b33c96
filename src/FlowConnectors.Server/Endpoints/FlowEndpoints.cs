using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using FlowConnectors.Server.Hosting.Access;
using FlowConnectors.Server.Runtime;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Server.Endpoints;

/// <summary>Flows under /api/flows: save (a new version each time), validate, format, read, versions, publish and run.</summary>
internal static class FlowEndpoints
{
    /// <summary>Flows: save (a new version each time), validate, format, read, versions, publish and run.</summary>
    public static RouteGroupBuilder MapFlows(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/flows").WithTags("Flows");
        group.MapGet("", async (IFlowStore flows, CancellationToken ct) => TypedResults.Ok(await flows.ListAsync(ct))).WithName("ListFlows");
        // The body is a flow document (schemas/flow.schema.json), read as text by the flow reader, which names each problem's JSON path.
        // ?publish=true (or 1) publishes the saved version at once.
        group.MapPost("", (string? publish, HttpRequest request, WorkflowHost host, IFlowStore flows, TriggerRegistry triggers, ServerOptions options, CancellationToken ct) =>
            SaveFlowAsync(request, null, publish, host, flows, triggers, options, ct))
            .AcceptsFlow().WithName("CreateFlow").ProducesBodyProblems();
        group.MapPut("/{id}", (string id, string? publish, HttpRequest request, WorkflowHost host, IFlowStore flows, TriggerRegistry triggers, ServerOptions options, CancellationToken ct) =>
            SaveFlowAsync(request, id, publish, host, flows, triggers, options, ct))
            .AcceptsFlow().WithName("SaveFlow").ProducesBodyProblems();
        group.MapPost("/validate", async Task<Results<Ok<FlowValidation>, ProblemHttpResult>> (HttpRequest request, WorkflowHost host, ServerOptions options) =>
        {
            var (text, problem) = await ReadTextAsync(request, options);
            if (problem is not null) return problem;
            var (_, problems) = LoadAndValidate(text!, host);
            return TypedResults.Ok(new FlowValidation(!problems.Any(p => p.IsError), [.. problems.Select(ProblemJson)]));
        }).AcceptsFlow().WithName("ValidateFlow").ProducesBodyProblems();
        // The canonical text of a flow (what FlowJson.Save, and so the CLI, writes): the designer's Export.
        group.MapPost("/format", async Task<Results<ContentHttpResult, ProblemHttpResult>> (HttpRequest request, ServerOptions options) =>
        {
            var (text, problem) = await ReadTextAsync(request, options);
            if (problem is not null) return problem;
            var load = FlowJson.Load(text!);
            return load.Flow is { } flow && !load.Problems.Any(p => p.IsError)
                ? TypedResults.Text(FlowJson.Save(flow), "application/json")
                : Problems.Validation("the flow cannot be read", load.Problems.Where(p => p.IsError).Select(ProblemJson));
        }).AcceptsFlow().ProducesFormat(FormatMetadata.Flow).WithName("FormatFlow").ProducesBodyProblems();
        group.MapGet("/{id}", async Task<Results<ContentHttpResult, ProblemHttpResult>> (string id, int? version, IFlowStore flows, CancellationToken ct) =>
            await flows.GetAsync(id, version, ct) is { } stored
                ? TypedResults.Text(stored.Json, "application/json")
                : Problems.Result(404, "Not found", version is null ? $"flow '{id}' does not exist" : $"flow '{id}' has no version {version}"))
            .ProducesFormat(FormatMetadata.Flow).WithName("GetFlow").ProducesProblem(404);
        group.MapGet("/{id}/versions", async Task<Results<Ok<FlowVersionResponse[]>, ProblemHttpResult>> (string id, IFlowStore flows, CancellationToken ct) =>
        {
            var versions = await flows.ListVersionsAsync(id, ct);
            return versions.Count == 0
                ? Problems.Result(404, "Not found", $"flow '{id}' does not exist")
                : TypedResults.Ok(versions.Select(v => new FlowVersionResponse(v.FlowId, v.Version, v.Published, v.CreatedAt)).ToArray());
        }).WithName("ListFlowVersions").ProducesProblem(404);
        group.MapPost("/{id}/versions/{version:int}/publish", async Task<Results<Ok<FlowPublished>, ProblemHttpResult>> (string id, int version, HttpContext context, IFlowStore flows, TriggerRegistry triggers, WorkflowHost host,
            ConnectionRights rights, Connectors.Connections.IConnectionStore connections, CancellationToken ct) =>
        {
            // Publishing puts the connections the flow names to work: the publisher must be allowed to use each.
            if (await flows.GetAsync(id, version, ct) is { } candidate
                && await rights.FlowRefusalAsync(context.User, FlowJson.Parse(candidate.Json), connections, ct) is { } refused) return refused;
            if (!await flows.PublishAsync(id, version, ct)) return Problems.Result(404, "Not found", $"flow '{id}' has no version {version}");
            await rights.RecordPublisherAsync(context.User, id, ct);
            host.FlowPublished(id);
            var stored = await flows.GetAsync(id, version, ct);
            await triggers.RegisterAsync(FlowJson.Parse(stored!.Json), ct);
            return TypedResults.Ok(new FlowPublished(id, version, true));
        }).WithName("PublishFlowVersion").ProducesProblem(404);
        group.MapPost("/{id}/run", RunFlowAsync).WithName("RunFlow").ProducesBodyProblems().ProducesProblems(404, 503);
        return api;
    }

    /// <summary>A body that is a flow document (schemas/flow.schema.json).</summary>
    private static RouteHandlerBuilder AcceptsFlow(this RouteHandlerBuilder builder) => builder.DocumentsFormatBody(FormatMetadata.Flow);

    private static async Task<Results<Created<FlowSaved>, ProblemHttpResult>> SaveFlowAsync(HttpRequest request, string? id, string? publishText, WorkflowHost host, IFlowStore flows, TriggerRegistry triggers, ServerOptions options, CancellationToken ct)
    {
        var (text, problem) = await ReadTextAsync(request, options);
        if (problem is not null) return problem;
        var (loaded, problems) = LoadAndValidate(text!, host);
        if (problems.Any(p => p.IsError) || loaded is null)
            return Problems.Validation("the flow is invalid", problems.Where(p => p.IsError).Select(ProblemJson));
        if (id is not null && loaded.Id != id)
            return Problems.Validation($"the body's id '{loaded.Id}' does not match the URL's '{id}'", [new { path = "$.id", message = "must match the URL" }]);
        var publish = publishText is "true" or "1";
        var services = request.HttpContext.RequestServices;
        if (publish && await services.GetRequiredService<ConnectionRights>().FlowRefusalAsync(request.HttpContext.User, loaded,
                services.GetRequiredService<Connectors.Connections.IConnectionStore>(), ct) is { } refused) return refused;
        var stored = await flows.SaveVersionAsync(loaded.Id, loaded.Name, FlowJson.Save(loaded), null, ct);
        if (publish)
        {
            await flows.PublishAsync(stored.FlowId, stored.Version, ct);
            await services.GetRequiredService<ConnectionRights>().RecordPublisherAsync(request.HttpContext.User, stored.FlowId, ct);
            host.FlowPublished(stored.FlowId);
            await triggers.RegisterAsync(loaded, ct);
        }
        return TypedResults.Created($"/api/flows/{stored.FlowId}", new FlowSaved(stored.FlowId, stored.Version, publish, [.. problems.Select(ProblemJson)]));
    }

    private static async Task<Results<Ok<RunFinished>, Accepted<RunAccepted>, ProblemHttpResult>> RunFlowAsync(string id, FlowRunRequest body, HttpContext context, WorkflowHost host, ServerOptions options, CancellationToken ct)
    {
        var mode = body.Mode ?? "sync";
        if (mode is not ("sync" or "async")) return Problems.Validation($"mode '{mode}' must be sync or async", [new { path = "$.mode", message = "sync or async" }]);
        var timeout = body.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : options.SyncTimeout;
        try
        {
            // A synchronous run has a caller waiting: its connector calls go first in a connection's budget.
            var lane = Connectors.Budgets.BudgetLanes.Name(mode == "async" ? Connectors.Budgets.BudgetLane.Events : Connectors.Budgets.BudgetLane.Interactive);
            var started = await host.StartAsync(id, null, body.Inputs, new RunOptions
                {
                    CorrelationId = body.CorrelationId,
                    Properties = new Dictionary<string, string> { [Connectors.Budgets.BudgetLanes.Property] = lane },
                },
                mode == "async" ? TimeSpan.Zero : timeout, ct);
            return RunAnswer(started);
        }
        catch (NotFoundException e) { return Problems.Result(404, "Not found", e.Message); }
        catch (FlowInputException e) { return Problems.FlowInputs(e); }
        catch (RunQueueFullException e) { return Busy(e, context); }
    }

    /// <summary>503 with Retry-After: too many runs wait for a slot.</summary>
    internal static ProblemHttpResult Busy(RunQueueFullException e, HttpContext context)
    {
        context.Response.Headers.RetryAfter = "5";
        return Problems.Result(503, "Busy", e.Message);
    }

    /// <summary>Structural problems, then the engine's, for flow JSON text; the flow when it could be read.</summary>
    private static (FlowDefinition? Flow, List<FormatProblem> Problems) LoadAndValidate(string text, WorkflowHost host)
    {
        var load = FlowJson.Load(text);
        var problems = load.Problems.ToList();
        if (load.Flow is { } flow) problems.AddRange(host.Engine.Validate(flow));
        return (load.Flow, problems);
    }

    private static async Task<(string? Text, ProblemHttpResult? Problem)> ReadTextAsync(HttpRequest request, ServerOptions options)
    {
        if (request.ContentType is not { } type || !type.Contains("json", StringComparison.OrdinalIgnoreCase))
            return (null, Problems.Result(415, "Unsupported media type", $"send the flow as application/json, not {request.ContentType ?? "no content type"}"));
        var (bytes, tooLarge) = await Problems.ReadBodyAsync(request, options.MaxBodyBytes);
        if (tooLarge) return (null, Problems.TooLarge(options.MaxBodyBytes));
        // Malformed text is the flow reader's to report, with its own problems; text it could not keep is refused here.
        if (JsonInput.Check(bytes, options.MaxBodyDepth) is { IsSyntax: false } unusable) return (null, Problems.Invalid(unusable));
        return (System.Text.Encoding.UTF8.GetString(bytes), null);
    }

    /// <summary>A run's answer: 202 with where to follow it while it runs or waits, else its status, outputs and fault.</summary>
    internal static Results<Ok<RunFinished>, Accepted<RunAccepted>, ProblemHttpResult> RunAnswer(StartResult started)
    {
        if (started.Result is not { } result)
            return TypedResults.Accepted((string?)null, new RunAccepted(started.InstanceId, "running", $"/api/instances/{started.InstanceId}"));
        return TypedResults.Ok(new RunFinished(started.InstanceId, result.Status.ToString().ToLowerInvariant(), result.OutputsAsJson(),
            result.Fault is null ? null : new NodeFault(result.Fault.NodeId, result.Fault.Message)));
    }

    internal static FlowProblemResponse ProblemJson(FormatProblem p) => FlowProblemResponse.Of(p);
}
