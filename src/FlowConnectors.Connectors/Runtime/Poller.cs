using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Cards;
using FlowConnectors.Engine;

namespace FlowConnectors.Connectors.Runtime;

/// <summary>Polling event cards: one poll runs the card with its stored cursor.</summary>
public sealed class Poller
{
    private readonly ConnectorRegistry _installed;
    private readonly ActionInvoker _actions;

    internal Poller(ConnectorRegistry installed, ActionInvoker actions)
    {
        _installed = installed;
        _actions = actions;
    }

    /// <summary>One poll: runs the flow with the stored cursor and returns new items and the next cursor.</summary>
    public async Task<PollResult> PollAsync(string connectorKey, string flowId, string connectionId, JsonNode? cursor,
        CancellationToken cancellationToken = default)
    {
        if (_installed.GetConnector(connectorKey).FindFlow(flowId)?.Card is not { Kind: CardKind.Polling })
            throw new ConnectorException($"'{flowId}' is not a polling card of connector '{connectorKey}'");
        var run = await _actions.RunFlowAsync(connectorKey, flowId, connectionId, new JsonObject { ["cursor"] = cursor?.DeepClone() }, cancellationToken,
            FlowConnectors.Connectors.Budgets.BudgetLane.Events);
        if (run.Status != FlowStatus.Finished)
            throw new ConnectorException($"polling flow '{flowId}' failed: {run.Fault?.Message}");
        var items = run.Outputs.GetValueOrDefault("items") as JsonArray ?? [];
        // A run that found nothing new keeps the old cursor rather than losing the position.
        var next = run.Outputs.GetValueOrDefault("cursor") ?? cursor;
        return new PollResult(items, next?.DeepClone(), run);
    }
}
