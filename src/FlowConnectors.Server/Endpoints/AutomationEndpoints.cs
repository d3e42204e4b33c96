using System.Security.Cryptography;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using FlowConnectors.Server.Runtime;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Automations: a flow plus the connection its cards use, optionally started by a connector's webhook
/// event card. Activating registers the webhook (the card's registration flow, with an unguessable
/// event URL); deactivating deregisters it.
/// </summary>
internal static class AutomationEndpoints
{
    public static IEndpointRouteBuilder MapAutomations(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/automations").WithTags("Automations").ProducesAccessProblems();
        api.MapGet("", async Task<Ok<AutomationResponse[]>> (IAutomationStore automations, CancellationToken ct) =>
            TypedResults.Ok((await automations.ListAsync(null, ct)).Select(AutomationResponse.Of).ToArray()))
            .WithName("ListAutomations");
        api.MapGet("/{id}", async Task<Results<Ok<AutomationResponse>, ProblemHttpResult>> (string id, IAutomationStore automations, CancellationToken ct) =>
            await automations.GetAsync(id, ct) is { } a ? TypedResults.Ok(AutomationResponse.Of(a)) : Problems.NotFound($"automation '{id}' does not exist"))
            .WithName("GetAutomation").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("", async Task<Results<Created<AutomationResponse>, ProblemHttpResult>> (AutomationCreateRequest request, IAutomationStore automations, IFlowStore flows,
            ConnectorRuntime runtime, TimeProvider clock, HttpContext context, Hosting.Access.ConnectionRights rights, CancellationToken ct) =>
        {
            var flowId = request.FlowId!;
            if (await flows.GetAsync(flowId, null, ct) is null) return Problems.Validation($"flow '{flowId}' does not exist", [new { path = "$.flowId", message = "unknown flow" }]);
            if (request.ConnectionId is { } connectionId && !Connectors.Connections.Connection.IsValidId(connectionId))
                return Problems.Validation($"connection '{connectionId}' does not exist", [new { path = "$.connectionId", message = Connectors.Connections.Connection.IdRule }]);
            if (await rights.UseRefusalAsync(context.User, request.ConnectionId, runtime.Options.Connections, ct) is { } refusedUse)
                return Problems.Result(StatusCodes.Status403Forbidden, "Forbidden", refusedUse, [new { path = "$.connectionId", message = refusedUse }]);
            var settings = new JsonObject();
            if (request.Event is { } trigger)
            {
                var package = runtime.Installed.Connectors.FirstOrDefault(c => c.Manifest.Key == trigger.Connector);
                if (package?.FindFlow(trigger.Card ?? "")?.Card is not { Kind: Connectors.Cards.CardKind.Event })
                    return Problems.Validation($"'{trigger.Connector}/{trigger.Card}' is not a webhook event card", [new { path = "$.event", message = "unknown event card" }]);
                settings["event"] = trigger.ToJson();
            }
            var automation = new AutomationRecord(request.Id ?? Guid.NewGuid().ToString("N"), flowId, request.ConnectionId, false, null, settings, clock.GetUtcNow());
            await automations.SaveAsync(automation, ct);
            return TypedResults.Created($"/api/automations/{automation.Id}", AutomationResponse.Of(automation));
        }).WithName("CreateAutomation").ProducesBodyProblems();
        api.MapPost("/{id}/activate", async Task<Results<Ok<AutomationActivation>, ProblemHttpResult>> (string id, IAutomationStore automations, ITriggerStore triggers,
            ConnectorRuntime runtime, ICallbackBase baseUrl, Connections.ConnectionLifecycle lifecycle, TimeProvider clock, HttpContext context,
            Hosting.Access.ConnectionRights rights, IFlowStore flows, CancellationToken ct) =>
        {
            if (await automations.GetAsync(id, ct) is not { } automation) return Problems.NotFound($"automation '{id}' does not exist");
            if (automation.Enabled) return Problems.Conflict($"automation '{id}' is already active");
            // Activating puts its connection, and those its flow names, to work: the one who activates must be allowed to use them.
            if (await rights.UseRefusalAsync(context.User, automation.ConnectionId, runtime.Options.Connections, ct) is { } refusedUse)
                return Problems.Result(StatusCodes.Status403Forbidden, "Forbidden", refusedUse, [new { path = "$.connectionId", message = refusedUse }]);
            if (await flows.GetAsync(automation.FlowId, null, ct) is { } automationFlow
                && await rights.FlowRefusalAsync(context.User, Engine.Flows.FlowJson.Parse(automationFlow.Json), runtime.Options.Connections, ct) is { } refusedFlow)
                return refusedFlow;
            // Every connection and card it uses must exist (and be usable) before it runs, not fault run by run.
            if (await lifecycle.ActivationProblemsAsync(automation, ct) is { Count: > 0 } missing)
                return Problems.Validation($"automation '{id}' cannot be activated: {string.Join("; ", missing.Select(m => m.Message))}",
                    missing.Select(m => new { path = m.Path, message = m.Message }));
            if (automation.Settings["event"] is JsonObject trigger)
            {
                if (automation.ConnectionId is null) return Problems.Validation("an event-triggered automation needs 'connectionId'", [new { path = "$.connectionId", message = "required" }]);
                var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                var eventUrl = $"{baseUrl.Get()}/webhooks/{token}";
                JsonNode? registration;
                try
                {
                    registration = await runtime.Webhooks.RegisterWebhookAsync((string)trigger["connector"]!, (string)trigger["card"]!, automation.ConnectionId, eventUrl, trigger["options"] as JsonObject, ct);
                }
                catch (ConnectorException e) { return Problems.Result(502, "Registration failed", e.Message); }
                await triggers.SaveAsync(new TriggerRecord($"automation:{id}", automation.FlowId, "webhook", WebhookHash(token), new JsonObject
                {
                    ["automation"] = id,
                    ["connector"] = trigger["connector"]?.DeepClone(),
                    ["card"] = trigger["card"]?.DeepClone(),
                    ["options"] = trigger["options"]?.DeepClone(),
                    ["connectionId"] = automation.ConnectionId,
                    ["registration"] = registration?.DeepClone(),
                }, true), ct);
            }
            await automations.SaveAsync(automation with { Enabled = true, DisabledReason = null, UpdatedAt = clock.GetUtcNow() }, ct);
            return TypedResults.Ok(new AutomationActivation(id, true, null));
        }).WithName("ActivateAutomation").ProducesProblems(404, 409, 422, 502);
        api.MapPost("/{id}/deactivate", async Task<Results<Ok<AutomationActivation>, ProblemHttpResult>> (string id, IAutomationStore automations, ITriggerStore triggers,
            ConnectorRuntime runtime, TimeProvider clock, CancellationToken ct) =>
        {
            if (await automations.GetAsync(id, ct) is not { } automation) return Problems.NotFound($"automation '{id}' does not exist");
            var error = await DeactivateAsync(automation, triggers, runtime, ct);
            await automations.SaveAsync(automation with { Enabled = false, DisabledReason = "deactivated", UpdatedAt = clock.GetUtcNow() }, ct);
            return TypedResults.Ok(new AutomationActivation(id, false, error));
        }).WithName("DeactivateAutomation").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>Deregisters the automation's webhook (when it has one) and removes its trigger; returns a deregistration error, if any.</summary>
    public static async Task<string?> DeactivateAsync(AutomationRecord automation, ITriggerStore triggers, ConnectorRuntime runtime, CancellationToken ct)
    {
        var trigger = (await triggers.ListAsync(automation.FlowId, ct)).FirstOrDefault(t => t.Id == $"automation:{automation.Id}");
        if (trigger is null) return null;
        string? error = null;
        try
        {
            await runtime.Webhooks.DeregisterWebhookAsync((string)trigger.Config["connector"]!, (string)trigger.Config["card"]!, (string)trigger.Config["connectionId"]!,
                trigger.Config["registration"], ct);
        }
        catch (ConnectorException e) { error = e.Message; }
        await triggers.DeleteAsync(trigger.Id, ct);
        return error;
    }

    public static string WebhookHash(string token) => Bookmark.ComputeHash("webhook", new JsonObject { ["token"] = token });
}

/// <summary>The server's public base URL (configured, or the address Kestrel bound).</summary>
internal interface ICallbackBase
{
    string Get();
}
