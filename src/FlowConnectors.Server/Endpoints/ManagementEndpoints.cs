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

        api.MapGet("/activities", (ActivityRegistry registry) =>
            Results.Json(new JsonArray(registry.Descriptors.Select(d => (JsonNode)d.ToJson()).ToArray())));

        // --- flows ---------------------------------------------------------------------------
        api.MapGet("/flows", async (IFlowStore flows, CancellationToken ct) => Results.Json(await flows.ListAsync(ct)));
        api.MapPost("/flows", (HttpRequest request, WorkflowHost host, IFlowStore flows, TriggerRegistry triggers, ServerOptions options, CancellationToken ct) =>
            SaveFlowAsync(request, null, host, flows, triggers, options, ct));
        api.MapPut("/flows/{id}", (string id, HttpRequest request, WorkflowHost host, IFlowStore flows, TriggerRegistry triggers, ServerOptions options, CancellationToken ct) =>
            SaveFlowAsync(request, id, host, flows, triggers, options, ct));
        api.MapPost("/flows/validate", async (HttpRequest request, WorkflowHost host, ServerOptions options) =>
        {
            var (text, problem) = await ReadTextAsync(request, options);
            if (problem is not null) return problem;
            var (_, problems) = LoadAndValidate(text!, host);
            return Results.Json(new { valid = !problems.Any(p => p.IsError), problems = problems.Select(ProblemJson) });
        });
        // The canonical text of a flow (what FlowJson.Save, and so the CLI, writes): the designer's Export.
        api.MapPost("/flows/format", async (HttpRequest request, ServerOptions options) =>
        {
            var (text, problem) = await ReadTextAsync(request, options);
            if (problem is not null) return problem;
            var load = FlowJson.Load(text!);
            return load.Flow is { } flow && !load.Problems.Any(p => p.IsError)
                ? Results.Text(FlowJson.Save(flow), "application/json")
                : Problems.Validation("the flow cannot be read", load.Problems.Where(p => p.IsError).Select(ProblemJson));
        });
        api.MapGet("/flows/{id}", async (string id, int? version, IFlowStore flows, CancellationToken ct) =>
            await flows.GetAsync(id, version, ct) is { } stored
                ? Results.Text(stored.Json, "application/json")
                : Problems.Result(404, "Not found", version is null ? $"flow '{id}' does not exist" : $"flow '{id}' has no version {version}"));
        api.MapGet("/flows/{id}/versions", async (string id, IFlowStore flows, CancellationToken ct) =>
        {
            var versions = await flows.ListVersionsAsync(id, ct);
            return versions.Count == 0
                ? Problems.Result(404, "Not found", $"flow '{id}' does not exist")
                : Results.Json(versions.Select(v => new { v.FlowId, v.Version, v.Published, v.CreatedAt }));
        });
        api.MapPost("/flows/{id}/versions/{version:int}/publish", async (string id, int version, HttpContext context, IFlowStore flows, TriggerRegistry triggers, WorkflowHost host,
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
            return Results.Json(new { flowId = id, version, published = true });
        });
        api.MapPost("/flows/{id}/run", RunFlowAsync);
        DraftEndpoints.Map(api);

        api.MapInstances();

        // --- connectors and connections -------------------------------------------------------
        api.MapGet("/connectors", (ConnectorRuntime runtime) => Results.Json(runtime.Connectors.Select(c => ConnectorJson(c, withFlows: false))));
        api.MapGet("/connectors/{key}", (string key, ConnectorRuntime runtime) =>
            runtime.Connectors.FirstOrDefault(c => c.Manifest.Key == key) is { } package
                ? Results.Json(ConnectorJson(package, withFlows: true))
                : Problems.Result(404, "Not found", $"connector '{key}' is not installed"));
        // Only the connections the caller may use or manage; with use only, not their values (ConnectionSharingEndpoints).
        api.MapGet("/connections", ConnectionSharingEndpoints.ListAsync);
        api.MapGet("/connections/{id}", async (string id, HttpContext context, Connectors.Connections.IConnectionStore store, ConnectionRights rights, TimeProvider clock, CancellationToken ct) =>
            await store.GetAsync(id, ct) is { } c
                ? Results.Json(ConnectionSharingEndpoints.Visible(c, await rights.RightOfAsync(context.User, id, ct), clock.GetUtcNow()))
                : Problems.Result(404, "Not found", $"connection '{id}' does not exist")).RequireConnectionId();
        // What uses a connection: automations (by their connection or a node of their flow) and flows.
        api.MapGet("/connections/{id}/usage", async (string id, ConnectorRuntime runtime, Connections.ConnectionLifecycle lifecycle, CancellationToken ct) =>
        {
            if (!await ConnectionExistsAsync(runtime, id, ct)) return Problems.Result(404, "Not found", $"connection '{id}' does not exist");
            var usage = await lifecycle.UsageOfConnectionAsync(id, ct);
            return Results.Json(new
            {
                connectionId = id,
                automations = usage.Automations.Select(a => new { id = a.Id, flowId = a.FlowId, active = a.Enabled, disabledReason = a.DisabledReason }),
                flows = usage.FlowIds,
            });
        }).RequireConnectionId();
        api.MapPost("/connections", async (HttpRequest request, ConnectorRuntime runtime, ConnectionRights rights, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            if (body is not JsonObject o || JsonFields.Text(o, "connector") is not { } connector)
                return Problems.Validation("a connection needs 'connector', 'name' and 'values'", [new { field = "connector", message = "required" }]);
            if (JsonFields.Text(o, "id") is { } requestedId && !Connectors.Connections.Connection.IsValidId(requestedId))
                return Problems.Validation($"connection id '{requestedId}' {Connectors.Connections.Connection.IdRule}", [new { path = "$.id", message = Connectors.Connections.Connection.IdRule }]);
            if (o["values"] is not (JsonObject or null))
                return Problems.Validation("'values' must be an object of parameter values", [new { field = "values", message = "must be an object" }]);
            var values = (o["values"] as JsonObject ?? []).ToDictionary(p => p.Key, p => Engine.Values.JsonValues.ToText(p.Value), StringComparer.Ordinal);
            try
            {
                var connection = await runtime.CreateConnectionAsync(connector, JsonFields.Text(o, "name") ?? connector, values, JsonFields.Text(o, "id"), ct);
                // Its creator owns it; no one else sees or uses it until they share it.
                await rights.ClaimAsync(connection.Id, request.HttpContext.User, ct);
                return Results.Json(ConnectionSharingEndpoints.Visible(connection, ConnectionRight.Manage, runtime.Options.Clock.GetUtcNow()), statusCode: 201);
            }
            catch (ConnectorException e)
            {
                return Problems.Validation(e.Message, [new { field = "values", message = e.Message }]);
            }
        });
        api.MapPut("/connections/{id}", async (string id, HttpRequest request, ConnectorRuntime runtime, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            if (body is not JsonObject o || o["values"] is not (JsonObject or null) || o["name"] is not (JsonValue or null))
                return Problems.Validation("send { \"name\"?, \"values\": { … } }", [new { field = "values", message = "must be an object of parameter values" }]);
            var values = (o["values"] as JsonObject ?? []).ToDictionary(p => p.Key, p => Engine.Values.JsonValues.ToText(p.Value), StringComparer.Ordinal);
            if (!await ConnectionExistsAsync(runtime, id, ct)) return Problems.Result(404, "Not found", $"connection '{id}' does not exist");
            try
            {
                var connection = await runtime.UpdateConnectionAsync(id, o["name"] is JsonValue name ? Engine.Values.JsonValues.ToText(name) : null, values, ct);
                return Results.Json(connection.ToPublicJson(runtime.Options.Clock.GetUtcNow()));
            }
            catch (ConnectorException e)
            {
                return Problems.Validation(e.Message, [new { field = "values", message = e.Message }]);
            }
        });
        api.MapPost("/connections/{id}/confirm-origin", async (string id, ConnectorRuntime runtime, CancellationToken ct) =>
        {
            if (!await ConnectionExistsAsync(runtime, id, ct)) return Problems.Result(404, "Not found", $"connection '{id}' does not exist");
            try
            {
                return Results.Json((await runtime.ConfirmOriginAsync(id, ct)).ToPublicJson());
            }
            catch (ConnectorException e) { return Problems.Result(409, "Conflict", e.Message); }
        });
        api.MapPost("/connections/{id}/test", async (string id, ConnectorRuntime runtime, CancellationToken ct) =>
        {
            try
            {
                var result = await runtime.TestConnectionAsync(id, ct);
                return Results.Json(new { ok = result.Ok, reason = result.Reason });
            }
            catch (ConnectorException e) { return Problems.Result(404, "Not found", e.Message); }
        }).RequireConnectionId();
        api.MapPost("/connections/{id}/deauthorize", async (string id, ConnectorRuntime runtime, Connections.ConnectionLifecycle lifecycle, CancellationToken ct) =>
        {
            try
            {
                if (!await ConnectionExistsAsync(runtime, id, ct)) return Problems.Result(404, "Not found", $"connection '{id}' does not exist");
                // Webhooks are deregistered first: that needs the connection still authorized. Every automation that uses
                // the connection, also only inside a node of its flow (Connector.Action), is disabled with the reason.
                var (disabled, flowsOff) = await lifecycle.DisableUsersOfConnectionAsync(id, $"connection '{id}' was deauthorized", detach: false, ct);
                var revoke = await runtime.DeauthorizeAsync(id, "deauthorized through the API", ct);
                return Results.Json(new { connectionId = id, status = "deauthorized", revoked = revoke.Ok, revokeError = revoke.Reason, disabledAutomations = disabled, disabledFlows = flowsOff });
            }
            catch (ConnectorException e) { return Problems.Result(404, "Not found", e.Message); }
        }).RequireConnectionId();
        api.MapDelete("/connections/{id}", async (string id, ConnectorRuntime runtime, Connections.ConnectionLifecycle lifecycle, ConnectionRights rights, CancellationToken ct) =>
        {
            try
            {
                await runtime.DeleteConnectionAsync(id, ct);
                await rights.ForgetAsync(id, ct);
                // Nothing may run against a connection that is gone: its automations are detached and stay disabled until edited.
                await lifecycle.DisableUsersOfConnectionAsync(id, $"connection '{id}' was deleted; choose another connection and activate the automation again", detach: true, ct);
                return Results.NoContent();
            }
            catch (ConnectorException e) when (e.Message.Contains("deauthorized", StringComparison.Ordinal))
            {
                return Problems.Result(409, "Conflict", e.Message);
            }
            catch (ConnectorException e) { return Problems.Result(404, "Not found", e.Message); }
        }).RequireConnectionId();

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

    private static async Task<IResult> SaveFlowAsync(HttpRequest request, string? id, WorkflowHost host, IFlowStore flows, TriggerRegistry triggers, ServerOptions options, CancellationToken ct)
    {
        var (text, problem) = await ReadTextAsync(request, options);
        if (problem is not null) return problem;
        var (loaded, problems) = LoadAndValidate(text!, host);
        if (problems.Any(p => p.IsError) || loaded is null)
            return Problems.Validation("the flow is invalid", problems.Where(p => p.IsError).Select(ProblemJson));
        if (id is not null && loaded.Id != id)
            return Problems.Validation($"the body's id '{loaded.Id}' does not match the URL's '{id}'", [new { path = "$.id", message = "must match the URL" }]);
        var publish = request.Query["publish"].ToString() is "true" or "1";
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
        return Results.Json(new { flowId = stored.FlowId, version = stored.Version, published = publish, warnings = problems.Select(ProblemJson) }, statusCode: 201);
    }

    private static async Task<IResult> RunFlowAsync(string id, HttpRequest request, WorkflowHost host, ServerOptions options, CancellationToken ct)
    {
        var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes, required: false, options.MaxInputDepth);
        if (problem is not null) return problem;
        if (body is not (JsonObject or null)) return Problems.Validation("the body must be an object", [new { path = "$", message = "expected an object" }]);
        var o = body as JsonObject ?? [];
        if (o["inputs"] is not (JsonObject or null)) return Problems.Validation("'inputs' must be an object", [new { path = "$.inputs", message = "expected an object" }]);
        var mode = JsonFields.Text(o, "mode") ?? "sync";
        if (mode is not ("sync" or "async")) return Problems.Validation($"mode '{mode}' must be sync or async", [new { path = "$.mode", message = "sync or async" }]);
        var timeout = o["timeoutSeconds"] is JsonValue t && t.TryGetValue(out double seconds) ? TimeSpan.FromSeconds(Math.Clamp(seconds, 0.1, 300)) : options.SyncTimeout;
        try
        {
            // A synchronous run has a caller waiting: its connector calls go first in a connection's budget.
            var lane = Connectors.Budgets.BudgetLanes.Name(mode == "async" ? Connectors.Budgets.BudgetLane.Events : Connectors.Budgets.BudgetLane.Interactive);
            var started = await host.StartAsync(id, null, o["inputs"] as JsonObject, new RunOptions
                {
                    CorrelationId = JsonFields.Text(o, "correlationId"),
                    Properties = new Dictionary<string, string> { [Connectors.Budgets.BudgetLanes.Property] = lane },
                },
                mode == "async" ? TimeSpan.Zero : timeout, ct);
            return RunAnswer(started);
        }
        catch (NotFoundException e) { return Problems.Result(404, "Not found", e.Message); }
        catch (FlowInputException e) { return Problems.Validation("the inputs do not match the flow", e.Problems.Select(p => new { path = "$.inputs", message = p })); }
        catch (RunQueueFullException e) { return Busy(e); }
    }

    /// <summary>503 with Retry-After: too many runs wait for a slot.</summary>
    internal static IResult Busy(RunQueueFullException e) => new RetryAfter(Problems.Result(503, "Busy", e.Message), 5);

    private sealed class RetryAfter(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(context);
        }
    }

    /// <summary>Structural problems, then the engine's, for flow JSON text; the flow when it could be read.</summary>
    private static (FlowDefinition? Flow, List<FormatProblem> Problems) LoadAndValidate(string text, WorkflowHost host)
    {
        var load = FlowJson.Load(text);
        var problems = load.Problems.ToList();
        if (load.Flow is { } flow) problems.AddRange(host.Engine.Validate(flow));
        return (load.Flow, problems);
    }

    private static async Task<(string? Text, IResult? Problem)> ReadTextAsync(HttpRequest request, ServerOptions options)
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
    internal static IResult RunAnswer(StartResult started)
    {
        if (started.Result is not { } result)
            return Results.Json(new { instanceId = started.InstanceId, status = "running", location = $"/api/instances/{started.InstanceId}" }, statusCode: 202);
        return Results.Json(new
        {
            instanceId = started.InstanceId,
            status = result.Status.ToString().ToLowerInvariant(),
            outputs = result.OutputsAsJson(),
            fault = result.Fault is null ? null : new { nodeId = result.Fault.NodeId, message = result.Fault.Message },
        });
    }

    internal static object ProblemJson(FormatProblem p) => new { path = p.Path, code = p.Code, message = p.Message, nodeId = p.NodeId, severity = p.IsError ? "error" : "warning" };

    private static JsonObject ConnectorJson(Connectors.Manifest.ConnectorPackage package, bool withFlows)
    {
        var m = package.Manifest;
        var json = new JsonObject
        {
            ["key"] = m.Key, ["name"] = m.Name, ["version"] = m.Version, ["description"] = m.Description,
            ["accentColor"] = m.AccentColor, ["documentationUrl"] = m.DocumentationUrl,
            ["auth"] = Connectors.Manifest.AuthSettings.WireName(m.Auth.Kind),
            ["connectionParameters"] = JsonSerializer.SerializeToNode(m.ConnectionParameters.Select(p => new
            {
                name = p.Name, label = p.Label, type = p.Type.ToString().ToLowerInvariant(), required = p.Required, description = p.Description,
                @default = p.Default, options = p.Options.Select(o => new { label = o.Label, value = o.Value }),
            })),
        };
        if (withFlows)
            json["flows"] = new JsonArray(package.Flows.Values.OrderBy(f => f.Definition.Id, StringComparer.Ordinal).Select(f => (JsonNode)new JsonObject
            {
                ["id"] = f.Definition.Id,
                ["name"] = f.Definition.Name,
                ["card"] = f.Definition.Extensions.GetValueOrDefault("card")?.DeepClone(),
            }).ToArray());
        return json;
    }

    /// <summary>Whether the connection exists; an id the store cannot hold (other characters) does not.</summary>
    private static async Task<bool> ConnectionExistsAsync(ConnectorRuntime runtime, string id, CancellationToken ct)
    {
        try { return await runtime.Options.Connections.GetAsync(id, ct) is not null; }
        catch (ArgumentException) { return false; }
    }
}
