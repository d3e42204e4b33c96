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

/// <summary>The management REST API under /api (API key required).</summary>
internal static class ManagementEndpoints
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api").ProducesAccessProblems();

        api.MapGet("/activities", (ActivityRegistry registry) => TypedResults.Ok(registry.Descriptors.Select(ActivityResponse.Of).ToArray()))
            .WithTags("Flows").WithName("ListActivities");

        api.MapFlows();
        DraftEndpoints.Map(api);

        api.MapInstances();

        api.MapConnectors();
        api.MapConnections();

        // --- events: resume every Wait for Event bookmark with this name and correlation id ------
        // (every instance waiting when the event is processed; kept for EventRetention when none waits)
        api.MapPost("/events", async Task<Results<Accepted<EventAccepted>, ProblemHttpResult>> (EventRequest request, IInboxStore inbox, BackgroundWorkers workers,
            ServerOptions options, TimeProvider clock, CancellationToken ct) =>
        {
            if (StimulusCheck.Problem(request.Payload, options.MaxPayloadDepth, options.MaxBodyBytes) is { } invalid)
                return Problems.Validation(invalid.Message, [new { path = invalid.Path, message = invalid.Message }]);
            var stimulus = new EventStimulus(request.Event!, request.CorrelationId);
            var id = await inbox.AddAsync(new InboxMessage
            {
                Kind = stimulus.Name,
                Hash = stimulus.Hash,
                Payload = request.Payload?.DeepClone(),
                ReceivedAt = clock.GetUtcNow(),
            }, ct);
            workers.Wake();
            return TypedResults.Accepted((string?)null, new EventAccepted(true, id));
        }).WithTags("Events").WithName("SendEvent").ProducesBodyProblems();

        // --- app approvals (the Workspace ONE Intelligence workflow): AppApprovalEndpoints -------
        AppApprovalEndpoints.Map(api);
    }

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
        }).AcceptsFlow().Produces<JsonObject>(StatusCodes.Status200OK, "application/json").WithName("FormatFlow").ProducesBodyProblems();
        group.MapGet("/{id}", async Task<Results<ContentHttpResult, ProblemHttpResult>> (string id, int? version, IFlowStore flows, CancellationToken ct) =>
            await flows.GetAsync(id, version, ct) is { } stored
                ? TypedResults.Text(stored.Json, "application/json")
                : Problems.Result(404, "Not found", version is null ? $"flow '{id}' does not exist" : $"flow '{id}' has no version {version}"))
            .Produces<JsonObject>(StatusCodes.Status200OK, "application/json").WithName("GetFlow").ProducesProblem(404);
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

    /// <summary>Installed connectors.</summary>
    public static RouteGroupBuilder MapConnectors(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/connectors").WithTags("Connectors");
        group.MapGet("", (ConnectorRuntime runtime) => TypedResults.Ok(runtime.Installed.Connectors.Select(c => ConnectorJson(c, withFlows: false)).ToArray()))
            .WithName("ListConnectors");
        group.MapGet("/{key}", Results<Ok<ConnectorResponse>, ProblemHttpResult> (string key, ConnectorRuntime runtime) =>
            runtime.Installed.Connectors.FirstOrDefault(c => c.Manifest.Key == key) is { } package
                ? TypedResults.Ok(ConnectorJson(package, withFlows: true))
                : Problems.Result(404, "Not found", $"connector '{key}' is not installed"))
            .WithName("GetConnector").ProducesProblem(404);
        return api;
    }

    /// <summary>Connections: create, read, update, authorize checks, deauthorize, delete (sharing: ConnectionSharingEndpoints).</summary>
    public static RouteGroupBuilder MapConnections(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/connections").WithTags("Connections");
        // Only the connections the caller may use or manage; with use only, not their values (ConnectionSharingEndpoints).
        group.MapGet("", ConnectionSharingEndpoints.ListAsync).WithName("ListConnections");
        group.MapGet("/{id}", async Task<Results<Ok<ConnectionResponse>, ProblemHttpResult>> (string id, HttpContext context, Connectors.Connections.IConnectionStore store, ConnectionRights rights, TimeProvider clock, CancellationToken ct) =>
            await store.GetAsync(id, ct) is { } c
                ? TypedResults.Ok(ConnectionSharingEndpoints.Visible(c, await rights.RightOfAsync(context.User, id, ct), clock.GetUtcNow()))
                : Problems.Result(404, "Not found", $"connection '{id}' does not exist")).RequireConnectionId()
            .WithName("GetConnection").ProducesProblem(404);
        // What uses a connection: automations (by their connection or a node of their flow) and flows.
        group.MapGet("/{id}/usage", async Task<Results<Ok<ConnectionUsage>, ProblemHttpResult>> (string id, ConnectorRuntime runtime, Connections.ConnectionLifecycle lifecycle, CancellationToken ct) =>
        {
            if (!await ConnectionExistsAsync(runtime, id, ct)) return Problems.Result(404, "Not found", $"connection '{id}' does not exist");
            var usage = await lifecycle.UsageOfConnectionAsync(id, ct);
            return TypedResults.Ok(new ConnectionUsage(id,
                [.. usage.Automations.Select(a => new ConnectionUsageAutomation(a.Id, a.FlowId, a.Enabled, a.DisabledReason))],
                [.. usage.FlowIds]));
        }).RequireConnectionId().WithName("GetConnectionUsage").ProducesProblem(404);
        group.MapPost("", async Task<Results<Created<ConnectionResponse>, ProblemHttpResult>> (ConnectionCreateRequest body, HttpContext context, ConnectorRuntime runtime, ConnectionRights rights, CancellationToken ct) =>
        {
            if (body.Connector is not { } connector)
                return Problems.Validation("a connection needs 'connector', 'name' and 'values'", [new { field = "connector", message = "required" }]);
            if (body.Id is { } requestedId && !Connectors.Connections.Connection.IsValidId(requestedId))
                return Problems.Validation($"connection id '{requestedId}' {Connectors.Connections.Connection.IdRule}", [new { path = "$.id", message = Connectors.Connections.Connection.IdRule }]);
            var values = (body.Values ?? []).ToDictionary(p => p.Key, p => Engine.Values.JsonValues.ToText(p.Value), StringComparer.Ordinal);
            try
            {
                var connection = await runtime.Connections.CreateConnectionAsync(connector, body.Name ?? connector, values, body.Id, ct);
                // Its creator owns it; no one else sees or uses it until they share it.
                await rights.ClaimAsync(connection.Id, context.User, ct);
                return TypedResults.Created($"/api/connections/{connection.Id}", ConnectionSharingEndpoints.Visible(connection, ConnectionRight.Manage, runtime.Options.Clock.GetUtcNow()));
            }
            catch (ConnectorException e)
            {
                return Problems.Validation(e.Message, [new { field = "values", message = e.Message }]);
            }
        }).WithName("CreateConnection").ProducesBodyProblems();
        group.MapPut("/{id}", async Task<Results<Ok<ConnectionResponse>, ProblemHttpResult>> (string id, ConnectionUpdateRequest body, ConnectorRuntime runtime, CancellationToken ct) =>
        {
            if (body.Name is not (JsonValue or null))
                return Problems.Validation("send { \"name\"?, \"values\": { … } }", [new { field = "values", message = "must be an object of parameter values" }]);
            var values = (body.Values ?? []).ToDictionary(p => p.Key, p => Engine.Values.JsonValues.ToText(p.Value), StringComparer.Ordinal);
            if (!await ConnectionExistsAsync(runtime, id, ct)) return Problems.Result(404, "Not found", $"connection '{id}' does not exist");
            try
            {
                var connection = await runtime.Connections.UpdateConnectionAsync(id, body.Name is JsonValue name ? Engine.Values.JsonValues.ToText(name) : null, values, ct);
                return TypedResults.Ok(ConnectionResponse.Of(connection, runtime.Options.Clock.GetUtcNow()));
            }
            catch (ConnectorException e)
            {
                return Problems.Validation(e.Message, [new { field = "values", message = e.Message }]);
            }
        }).WithName("UpdateConnection").ProducesBodyProblems().ProducesProblem(404);
        group.MapPost("/{id}/confirm-origin", async Task<Results<Ok<ConnectionResponse>, ProblemHttpResult>> (string id, ConnectorRuntime runtime, CancellationToken ct) =>
        {
            if (!await ConnectionExistsAsync(runtime, id, ct)) return Problems.Result(404, "Not found", $"connection '{id}' does not exist");
            try
            {
                return TypedResults.Ok(ConnectionResponse.Of(await runtime.Connections.ConfirmOriginAsync(id, ct), null));
            }
            catch (ConnectorException e) { return Problems.Result(409, "Conflict", e.Message); }
        }).WithName("ConfirmConnectionOrigin").ProducesProblems(404, 409);
        group.MapPost("/{id}/test", async Task<Results<Ok<ConnectionTestResult>, ProblemHttpResult>> (string id, ConnectorRuntime runtime, CancellationToken ct) =>
        {
            try
            {
                var result = await runtime.Connections.TestConnectionAsync(id, ct);
                return TypedResults.Ok(new ConnectionTestResult(result.Ok, result.Reason));
            }
            catch (ConnectorException e) { return Problems.Result(404, "Not found", e.Message); }
        }).RequireConnectionId().WithName("TestConnection").ProducesProblem(404);
        group.MapPost("/{id}/deauthorize", async Task<Results<Ok<ConnectionDeauthorized>, ProblemHttpResult>> (string id, ConnectorRuntime runtime, Connections.ConnectionLifecycle lifecycle, CancellationToken ct) =>
        {
            try
            {
                if (!await ConnectionExistsAsync(runtime, id, ct)) return Problems.Result(404, "Not found", $"connection '{id}' does not exist");
                // Webhooks are deregistered first: that needs the connection still authorized. Every automation that uses
                // the connection, also only inside a node of its flow (Connector.Action), is disabled with the reason.
                var (disabled, flowsOff) = await lifecycle.DisableUsersOfConnectionAsync(id, $"connection '{id}' was deauthorized", detach: false, ct);
                var revoke = await runtime.Connections.DeauthorizeAsync(id, "deauthorized through the API", ct);
                return TypedResults.Ok(new ConnectionDeauthorized(id, "deauthorized", revoke.Ok, revoke.Reason, [.. disabled], [.. flowsOff]));
            }
            catch (ConnectorException e) { return Problems.Result(404, "Not found", e.Message); }
        }).RequireConnectionId().WithName("DeauthorizeConnection").ProducesProblem(404);
        group.MapDelete("/{id}", async Task<Results<NoContent, ProblemHttpResult>> (string id, ConnectorRuntime runtime, Connections.ConnectionLifecycle lifecycle, ConnectionRights rights, CancellationToken ct) =>
        {
            try
            {
                await runtime.Connections.DeleteConnectionAsync(id, ct);
                await rights.ForgetAsync(id, ct);
                // Nothing may run against a connection that is gone: its automations are detached and stay disabled until edited.
                await lifecycle.DisableUsersOfConnectionAsync(id, $"connection '{id}' was deleted; choose another connection and activate the automation again", detach: true, ct);
                return TypedResults.NoContent();
            }
            catch (ConnectorException e) when (e.Message.Contains("deauthorized", StringComparison.Ordinal))
            {
                return Problems.Result(409, "Conflict", e.Message);
            }
            catch (ConnectorException e) { return Problems.Result(404, "Not found", e.Message); }
        }).RequireConnectionId().WithName("DeleteConnection").ProducesProblems(404, 409);
        return api;
    }

    /// <summary>A body that is a flow document (schemas/flow.schema.json).</summary>
    private static RouteHandlerBuilder AcceptsFlow(this RouteHandlerBuilder builder) => builder.DocumentsBody<JsonObject>();

    /// <summary>Instances: list, read, journal, cancel; and the inbox's dead letters.</summary>
    public static RouteGroupBuilder MapInstances(this RouteGroupBuilder api)
    {
        api.MapGet("/instances", async Task<Results<Ok<InstanceSummaryResponse[]>, ProblemHttpResult>> (string? status, string? flowId, string? correlationId, int? skip, int? take,
            IInstanceStore instances, CancellationToken ct) =>
        {
            FlowStatus? filter = null;
            if (status is not null)
            {
                if (!Enum.TryParse<FlowStatus>(status, ignoreCase: true, out var parsed))
                    return Problems.Validation($"status '{status}' is not one of running, suspended, finished, faulted, cancelled",
                        [new { field = "status", message = "unknown status" }]);
                filter = parsed;
            }
            var list = await instances.ListAsync(new InstanceQuery(filter, flowId, correlationId, Math.Max(0, skip ?? 0), Math.Clamp(take ?? 100, 1, 1000)), ct);
            return TypedResults.Ok(list.Select(InstanceSummaryResponse.Of).ToArray());
        }).WithTags("Instances").WithName("ListInstances").ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/instances/{id}", async Task<Results<Ok<InstanceDetails>, ProblemHttpResult>> (string id, IInstanceStore instances, IFlowStore flows, ActivityRegistry registry, CancellationToken ct) =>
        {
            if (await instances.GetAsync(id, ct) is not { } stored) return Problems.NotFound($"instance '{id}' does not exist");
            if (WorkflowHost.DraftOf(stored.State, stored.FlowVersion) is { } draft) return TypedResults.Ok(InstanceDetails.Of(stored, draft, registry));
            var flow = await flows.GetAsync(stored.State.FlowId, stored.FlowVersion, ct);
            return TypedResults.Ok(InstanceDetails.Of(stored, flow is null ? null : FlowJson.Load(flow.Json).Flow, registry));
        }).WithTags("Instances").WithName("GetInstance").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/instances/{id}/journal", async Task<Results<Ok<IReadOnlyList<JournalEntry>>, ProblemHttpResult>> (string id, IInstanceStore instances, CancellationToken ct) =>
            await instances.GetAsync(id, ct) is null
                ? Problems.NotFound($"instance '{id}' does not exist")
                : TypedResults.Ok(await instances.GetJournalAsync(id, ct)))
            .WithTags("Instances").WithName("GetInstanceJournal").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/instances/{id}/cancel", async Task<Results<Ok<InstanceCancelled>, ProblemHttpResult>> (string id, HttpContext context, WorkflowHost host, CancellationToken ct) =>
            await host.CancelAsync(id, ct, InstanceRepairEndpoints.Who(context.User)) switch
        {
            CancelOutcome.Cancelled => TypedResults.Ok(new InstanceCancelled(id, "cancelled")),
            CancelOutcome.NotFound => Problems.NotFound($"instance '{id}' does not exist"),
            _ => Problems.Conflict($"instance '{id}' has already ended"),
        }).WithTags("Instances").WithName("CancelInstance").ProducesProblems(404, 409);
        // Stored stimuli given up on: too many failed attempts, or refused as undeliverable. Newest first.
        api.MapGet("/inbox/dead-letters", async Task<Ok<DeadLetter[]>> (int? skip, int? take, IInboxStore inbox, CancellationToken ct) =>
            TypedResults.Ok((await inbox.ListDeadLettersAsync(Math.Max(0, skip ?? 0), Math.Clamp(take ?? 100, 1, 1000), ct)).Select(DeadLetter.Of).ToArray()))
            .WithTags("Instances").WithName("ListDeadLetters");
        return api;
    }

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
        var timeout = body.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(Math.Clamp(seconds, 0.1, 300)) : options.SyncTimeout;
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
        catch (FlowInputException e) { return Problems.Validation("the inputs do not match the flow", e.Problems.Select(p => new { path = "$.inputs", message = p })); }
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

    private static ConnectorResponse ConnectorJson(Connectors.Manifest.ConnectorPackage package, bool withFlows)
    {
        var m = package.Manifest;
        return new ConnectorResponse(m.Key, m.Name, m.Version, m.Description, m.AccentColor, m.DocumentationUrl, Connectors.Manifest.AuthSettings.WireName(m.Auth.Kind),
            [.. m.ConnectionParameters.Select(p => new ConnectorParameterResponse(p.Name, p.Label, p.Type.ToString().ToLowerInvariant(), p.Required, p.Description, p.Default,
                [.. p.Options.Select(o => new ConnectorParameterOption(o.Label, o.Value))]))],
            withFlows
                ? [.. package.Flows.Values.OrderBy(f => f.Definition.Id, StringComparer.Ordinal)
                    .Select(f => new ConnectorFlowResponse(f.Definition.Id, f.Definition.Name, f.Definition.Extensions.GetValueOrDefault("card")?.DeepClone()))]
                : null);
    }

    /// <summary>Whether the connection exists; an id the store cannot hold (other characters) does not.</summary>
    private static async Task<bool> ConnectionExistsAsync(ConnectorRuntime runtime, string id, CancellationToken ct)
    {
        try { return await runtime.Options.Connections.GetAsync(id, ct) is not null; }
        catch (ArgumentException) { return false; }
    }
}
