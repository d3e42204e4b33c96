using System.Security.Cryptography;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Runtime;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Automations: a flow plus the connection its cards use, optionally started by a connector's webhook
/// event card. Activating registers the webhook (the card's registration flow, with an unguessable
/// event URL); deactivating deregisters it.
/// </summary>
internal static class AutomationEndpoints
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api/automations");
        api.MapGet("", async (IAutomationStore automations, CancellationToken ct) => Results.Json((await automations.ListAsync(null, ct)).Select(Json)));
        api.MapGet("/{id}", async (string id, IAutomationStore automations, CancellationToken ct) =>
            await automations.GetAsync(id, ct) is { } a ? Results.Json(Json(a)) : Problems.Result(404, "Not found", $"automation '{id}' does not exist"));
        api.MapPost("", async (HttpRequest request, IAutomationStore automations, IFlowStore flows, ConnectorRuntime runtime, ServerOptions options, TimeProvider clock,
            Hosting.Access.ConnectionRights rights, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            if (body is not JsonObject o || JsonFields.Text(o, "flowId") is not { Length: > 0 } flowId)
                return Problems.Validation("an automation needs 'flowId'", [new { path = "$.flowId", message = "required" }]);
            if (await flows.GetAsync(flowId, null, ct) is null) return Problems.Validation($"flow '{flowId}' does not exist", [new { path = "$.flowId", message = "unknown flow" }]);
            if (JsonFields.Text(o, "connectionId") is { } connectionId && !Connectors.Connections.Connection.IsValidId(connectionId))
                return Problems.Validation($"connection '{connectionId}' does not exist", [new { path = "$.connectionId", message = Connectors.Connections.Connection.IdRule }]);
            if (await rights.UseRefusalAsync(request.HttpContext.User, JsonFields.Text(o, "connectionId"), runtime.Options.Connections, ct) is { } refusedUse)
                return Problems.Result(StatusCodes.Status403Forbidden, "Forbidden", refusedUse, [new { path = "$.connectionId", message = refusedUse }]);
            var settings = new JsonObject();
            if (JsonFields.Object(o, "event") is { } trigger)
            {
                var connector = JsonFields.Text(trigger, "connector", "$.event");
                var card = JsonFields.Text(trigger, "card", "$.event");
                var package = runtime.Connectors.FirstOrDefault(c => c.Manifest.Key == connector);
                if (package?.FindFlow(card ?? "")?.Card is not { Kind: Connectors.Cards.CardKind.Event })
                    return Problems.Validation($"'{connector}/{card}' is not a webhook event card", [new { path = "$.event", message = "unknown event card" }]);
                settings["event"] = trigger.DeepClone();
            }
            var automation = new AutomationRecord(JsonFields.Text(o, "id") ?? Guid.NewGuid().ToString("N"), flowId, JsonFields.Text(o, "connectionId"), false, null, settings, clock.GetUtcNow());
            await automations.SaveAsync(automation, ct);
            return Results.Json(Json(automation), statusCode: 201);
        });
        api.MapPost("/{id}/activate", async (string id, HttpContext context, IAutomationStore automations, ITriggerStore triggers, ConnectorRuntime runtime, ICallbackBase baseUrl,
            Connections.ConnectionLifecycle lifecycle, TimeProvider clock, Hosting.Access.ConnectionRights rights, IFlowStore flows, CancellationToken ct) =>
        {
            if (await automations.GetAsync(id, ct) is not { } automation) return Problems.Result(404, "Not found", $"automation '{id}' does not exist");
            if (automation.Enabled) return Problems.Result(409, "Conflict", $"automation '{id}' is already active");
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
                    registration = await runtime.RegisterWebhookAsync((string)trigger["connector"]!, (string)trigger["card"]!, automation.ConnectionId, eventUrl, trigger["options"] as JsonObject, ct);
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
            return Results.Json(new { automationId = id, active = true });
        });
        api.MapPost("/{id}/deactivate", async (string id, IAutomationStore automations, ITriggerStore triggers, ConnectorRuntime runtime, TimeProvider clock, CancellationToken ct) =>
        {
            if (await automations.GetAsync(id, ct) is not { } automation) return Problems.Result(404, "Not found", $"automation '{id}' does not exist");
            var error = await DeactivateAsync(automation, triggers, runtime, ct);
            await automations.SaveAsync(automation with { Enabled = false, DisabledReason = "deactivated", UpdatedAt = clock.GetUtcNow() }, ct);
            return Results.Json(new { automationId = id, active = false, deregistrationError = error });
        });
    }

    /// <summary>Deregisters the automation's webhook (when it has one) and removes its trigger; returns a deregistration error, if any.</summary>
    public static async Task<string?> DeactivateAsync(AutomationRecord automation, ITriggerStore triggers, ConnectorRuntime runtime, CancellationToken ct)
    {
        var trigger = (await triggers.ListAsync(automation.FlowId, ct)).FirstOrDefault(t => t.Id == $"automation:{automation.Id}");
        if (trigger is null) return null;
        string? error = null;
        try
        {
            await runtime.DeregisterWebhookAsync((string)trigger.Config["connector"]!, (string)trigger.Config["card"]!, (string)trigger.Config["connectionId"]!,
                trigger.Config["registration"], ct);
        }
        catch (ConnectorException e) { error = e.Message; }
        await triggers.DeleteAsync(trigger.Id, ct);
        return error;
    }

    public static string WebhookHash(string token) => Bookmark.ComputeHash("webhook", new JsonObject { ["token"] = token });

    private static object Json(AutomationRecord a) => new
    {
        id = a.Id, flowId = a.FlowId, connectionId = a.ConnectionId, active = a.Enabled, disabledReason = a.DisabledReason, settings = a.Settings, updatedAt = a.UpdatedAt,
    };
}

/// <summary>The server's public base URL (configured, or the address Kestrel bound).</summary>
internal interface ICallbackBase
{
    string Get();
}
