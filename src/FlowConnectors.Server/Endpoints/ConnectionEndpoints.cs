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

/// <summary>Connections under /api/connections (sharing: ConnectionSharingEndpoints).</summary>
internal static class ConnectionEndpoints
{
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
                return Problems.Validation("a connection needs 'connector', 'name' and 'values'", [new { path = "$.connector", message = "required" }]);
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
                return Problems.Validation(e.Message, [new { path = "$.values", message = e.Message }]);
            }
        }).WithName("CreateConnection").ProducesBodyProblems();
        group.MapPut("/{id}", async Task<Results<Ok<ConnectionResponse>, ProblemHttpResult>> (string id, ConnectionUpdateRequest body, ConnectorRuntime runtime, CancellationToken ct) =>
        {
            if (body.Name is not (JsonValue or null))
                return Problems.Validation("send { \"name\"?, \"values\": { … } }", [new { path = "$.name", message = "must be a text value" }]);
            var values = (body.Values ?? []).ToDictionary(p => p.Key, p => Engine.Values.JsonValues.ToText(p.Value), StringComparer.Ordinal);
            if (!await ConnectionExistsAsync(runtime, id, ct)) return Problems.Result(404, "Not found", $"connection '{id}' does not exist");
            try
            {
                var connection = await runtime.Connections.UpdateConnectionAsync(id, body.Name is JsonValue name ? Engine.Values.JsonValues.ToText(name) : null, values, ct);
                return TypedResults.Ok(ConnectionResponse.Of(connection, runtime.Options.Clock.GetUtcNow()));
            }
            catch (ConnectorException e)
            {
                return Problems.Validation(e.Message, [new { path = "$.values", message = e.Message }]);
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

    /// <summary>Whether the connection exists; an id the store cannot hold (other characters) does not.</summary>
    private static async Task<bool> ConnectionExistsAsync(ConnectorRuntime runtime, string id, CancellationToken ct)
    {
        try { return await runtime.Options.Connections.GetAsync(id, ct) is not null; }
        catch (ArgumentException) { return false; }
    }
}
