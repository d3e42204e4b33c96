using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Cards;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Endpoints;

namespace FlowConnectors.Server.Connections;

/// <summary>What uses a connection or a card: automations (by their connection or by a node of their flow) and flows.</summary>
internal sealed record ConnectionUsage(IReadOnlyList<AutomationRecord> Automations, IReadOnlyList<string> FlowIds);

/// <summary>
/// Keeps automations honest when what they use changes (Workspace ONE's rules): deauthorizing or deleting a
/// connection, a refresh token refused for good, or a card removed from its connector disables every
/// automation that uses it — by its connection or in any node of its flow (Connector.Action) — with the
/// reason recorded, until someone edits and activates it again; flows that use it stop their triggers.
/// Activation checks that every connection and card an automation uses exists.
/// </summary>
internal sealed class ConnectionLifecycle(IAutomationStore automations, IFlowStore flows, ITriggerStore triggers, ConnectorRuntime runtime,
    TimeProvider clock, ILogger<ConnectionLifecycle> logger) : IConnectionLifecycleListener
{
    private const string ActionType = "Connector.Action";

    /// <summary>Every Connector.Action node of the flow's latest and published versions, as (connector, action, connection) literals.</summary>
    private async Task<IReadOnlyList<(string Connector, string Action, string Connection)>> CardNodesAsync(string flowId, CancellationToken ct)
    {
        var result = new List<(string, string, string)>();
        var versions = new[] { await flows.GetAsync(flowId, null, ct), await flows.GetPublishedAsync(flowId, ct) };
        foreach (var stored in versions.OfType<StoredFlow>().DistinctBy(v => v.Version))
        {
            FlowDefinition flow;
            try { flow = FlowJson.Parse(stored.Json); }
            catch (FlowValidationException) { continue; }
            foreach (var node in flow.Nodes.Where(n => n.Type == ActionType))
                result.Add((Literal(node, "connector"), Literal(node, "action"), Literal(node, "connection")));
        }
        return result;
    }

    private static string Literal(FlowNode node, string input) =>
        node.Inputs.GetValueOrDefault(input) is JsonValue v && v.TryGetValue(out string? text) ? text : "";

    /// <summary>Automations and flows that use <paramref name="connectionId"/>.</summary>
    public async Task<ConnectionUsage> UsageOfConnectionAsync(string connectionId, CancellationToken ct)
    {
        var usingFlows = new List<string>();
        foreach (var flow in await flows.ListAsync(ct))
            if ((await CardNodesAsync(flow.FlowId, ct)).Any(n => n.Connection == connectionId)) usingFlows.Add(flow.FlowId);
        var users = (await automations.ListAsync(null, ct))
            .Where(a => a.ConnectionId == connectionId || usingFlows.Contains(a.FlowId, StringComparer.Ordinal)).ToList();
        return new ConnectionUsage(users, usingFlows);
    }

    /// <summary>
    /// Disables every automation that uses the connection (deregistering its webhook first) and switches off the
    /// triggers of every flow that uses it. Returns the automations and flows it disabled.
    /// </summary>
    public async Task<(List<string> Automations, List<string> Flows)> DisableUsersOfConnectionAsync(string connectionId, string reason, bool detach, CancellationToken ct)
    {
        var usage = await UsageOfConnectionAsync(connectionId, ct);
        var disabled = new List<string>();
        foreach (var automation in usage.Automations)
        {
            if (automation.Enabled) await AutomationEndpoints.DeactivateAsync(automation, triggers, runtime, ct);
            if (!automation.Enabled && !detach && automation.DisabledReason == reason) continue;
            await automations.SaveAsync(automation with
            {
                Enabled = false,
                DisabledReason = reason,
                ConnectionId = detach && automation.ConnectionId == connectionId ? null : automation.ConnectionId,
                UpdatedAt = clock.GetUtcNow(),
            }, ct);
            if (automation.Enabled) disabled.Add(automation.Id);
        }
        var stoppedFlows = new List<string>();
        foreach (var flowId in usage.FlowIds)
            if (await flows.GetActiveAsync(flowId, ct) == true && await flows.SetActiveAsync(flowId, false, ct))
                stoppedFlows.Add(flowId);
        if (disabled.Count + stoppedFlows.Count > 0)
            logger.LogWarning("connection {Connection}: disabled automations [{Automations}] and switched off flows [{Flows}]: {Reason}",
                connectionId, string.Join(", ", disabled), string.Join(", ", stoppedFlows), reason);
        return (disabled, stoppedFlows);
    }

    public async Task ConnectionNeedsReauthorizationAsync(Connection connection, string reason, CancellationToken ct) =>
        await DisableUsersOfConnectionAsync(connection.Id, $"paused: connection '{connection.Id}' needs re-authorization — {reason}", detach: false, ct);

    public async Task<IReadOnlyList<string>> ConnectorChangedAsync(ConnectorPackage? previous, ConnectorPackage? current, CancellationToken ct)
    {
        if (previous is null) return [];
        var key = previous.Manifest.Key;
        var removed = previous.Flows.Keys.Where(id => current?.FindFlow(id) is null).ToHashSet(StringComparer.Ordinal);
        if (removed.Count == 0) return [];
        var disabled = new List<string>();
        foreach (var automation in await automations.ListAsync(null, ct))
        {
            var gone = new List<string>();
            if (automation.Settings["event"] is JsonObject trigger && (string?)trigger["connector"] == key && removed.Contains((string?)trigger["card"] ?? ""))
                gone.Add((string)trigger["card"]!);
            gone.AddRange((await CardNodesAsync(automation.FlowId, ct)).Where(n => n.Connector == key && removed.Contains(n.Action)).Select(n => n.Action));
            if (gone.Count == 0) continue;
            var reason = $"card{(gone.Distinct().Count() > 1 ? "s" : "")} {string.Join(", ", gone.Distinct().Select(g => $"'{key}/{g}'"))} " +
                         $"{(current is null ? "removed with its connector" : "removed from the connector")}; edit the automation and activate it again";
            if (automation.Enabled) await AutomationEndpoints.DeactivateAsync(automation, triggers, runtime, ct);
            await automations.SaveAsync(automation with { Enabled = false, DisabledReason = reason, UpdatedAt = clock.GetUtcNow() }, ct);
            disabled.Add(automation.Id);
        }
        if (disabled.Count > 0)
            logger.LogWarning("connector {Key}: disabled automations [{Automations}] that use removed cards [{Cards}]", key, string.Join(", ", disabled), string.Join(", ", removed));
        return disabled;
    }

    /// <summary>Why the automation cannot be activated (each missing connection or card, with the JSON path of its use); empty when it can.</summary>
    public async Task<List<(string Path, string Message)>> ActivationProblemsAsync(AutomationRecord automation, CancellationToken ct)
    {
        var problems = new List<(string, string)>();
        if (await flows.GetAsync(automation.FlowId, null, ct) is null)
            problems.Add(("$.flowId", $"flow '{automation.FlowId}' does not exist"));
        if (automation.ConnectionId is { } connectionId && await ConnectionProblemAsync(connectionId) is { } connectionProblem)
            problems.Add(("$.connectionId", connectionProblem));
        if (automation.Settings["event"] is JsonObject trigger && CardProblem((string?)trigger["connector"] ?? "", (string?)trigger["card"] ?? "") is { } eventProblem)
            problems.Add(("$.settings.event", eventProblem));
        foreach (var (connector, action, connection) in (await CardNodesAsync(automation.FlowId, ct)).Distinct())
        {
            if (connector.Length == 0 || action.Length == 0) continue; // an expression: known only at run time
            if (CardProblem(connector, action) is { } cardProblem) problems.Add(($"flow '{automation.FlowId}'", cardProblem));
            if (connection.Length > 0 && await ConnectionProblemAsync(connection) is { } nodeConnection) problems.Add(($"flow '{automation.FlowId}'", nodeConnection));
        }
        return problems;
    }

    private string? CardProblem(string connector, string card)
    {
        if (!runtime.Installed.IsInstalled(connector)) return $"connector '{connector}' is not installed";
        return runtime.Installed.GetConnector(connector).FindFlow(card) is null ? $"connector '{connector}' has no card '{card}'" : null;
    }

    private async Task<string?> ConnectionProblemAsync(string connectionId)
    {
        if (!Connection.IsValidId(connectionId)) return $"connection '{connectionId}' does not exist";
        var connection = await runtime.Options.Connections.GetAsync(connectionId);
        return connection switch
        {
            null => $"connection '{connectionId}' does not exist",
            { Status: ConnectionStatus.Deauthorized } => $"connection '{connectionId}' is deauthorized",
            { Status: ConnectionStatus.NeedsReauthorization } => $"connection '{connectionId}' needs re-authorization: {connection.StatusReason}",
            _ => null,
        };
    }
}
