using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Cards;
using FlowConnectors.Connectors.Webhooks;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Connectors.Runtime;

/// <summary>Webhook event cards: registration and deregistration at the vendor, signature checks, deliveries.</summary>
public sealed class WebhookService
{
    private readonly ConnectorRegistry _installed;
    private readonly ConnectionService _connections;
    private readonly ActionInvoker _actions;
    private readonly TimeProvider _clock;

    internal WebhookService(ConnectorRegistry installed, ConnectionService connections, ActionInvoker actions, TimeProvider clock)
    {
        _installed = installed;
        _connections = connections;
        _actions = actions;
        _clock = clock;
    }

    /// <summary>Activation: runs the card's registration flow with the event URL; returns what to keep.</summary>
    public async Task<JsonNode?> RegisterWebhookAsync(string connectorKey, string eventFlowId, string connectionId, string eventUrl, JsonObject? options,
        CancellationToken cancellationToken = default)
    {
        var card = EventCard(connectorKey, eventFlowId);
        var inputs = options?.DeepClone().AsObject() ?? [];
        inputs["eventUrl"] = eventUrl;
        var registration = _installed.GetConnector(connectorKey).FindFlow(card.Registration!)!.Definition;
        // The vendor must sign with the connection's secret: handed over as a secret input, never in flow JSON.
        if (card.Signature is { } signature && registration.Inputs.Find(i => i.Name == "signingSecret") is { } secretInput)
        {
            if (!secretInput.Secret) throw new ConnectorException($"input 'signingSecret' of '{card.Registration}' must be marked secret");
            var connection = await _connections.GetConnectionAsync(connectionId, cancellationToken);
            inputs["signingSecret"] = connection.Get(signature.SecretParameter);
        }
        var run = await _actions.RunFlowAsync(connectorKey, card.Registration!, connectionId, inputs, cancellationToken);
        if (run.Status != FlowStatus.Finished) throw new ConnectorException($"registration failed: {run.Fault?.Message}");
        // A flow declaring a 'registration' output keeps that; otherwise all its outputs are the registration
        // (e.g. GitHub's { id, owner, repo }, which its deregistration flow reads back).
        return registration.Outputs.Exists(o => o.Name == "registration")
            ? run.Outputs.GetValueOrDefault("registration")?.DeepClone()
            : run.OutputsAsJson();
    }

    public async Task DeregisterWebhookAsync(string connectorKey, string eventFlowId, string connectionId, JsonNode? registration,
        CancellationToken cancellationToken = default)
    {
        var card = EventCard(connectorKey, eventFlowId);
        var run = await _actions.RunFlowAsync(connectorKey, card.Deregistration!, connectionId, new JsonObject { ["registration"] = registration?.DeepClone() }, cancellationToken);
        if (run.Status != FlowStatus.Finished) throw new ConnectorException($"deregistration failed: {run.Fault?.Message}");
    }

    /// <summary>
    /// A delivery: verifies the signature first (nothing runs when it fails), then runs the event
    /// flow with the request's headers, query and body.
    /// </summary>
    public async Task<(SignatureCheck Check, FlowRunResult? Run)> HandleWebhookAsync(string connectorKey, string eventFlowId, string connectionId,
        IReadOnlyDictionary<string, string> headers, JsonObject query, byte[] body, JsonObject? options = null, CancellationToken cancellationToken = default)
    {
        var card = EventCard(connectorKey, eventFlowId);
        var lookup = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
        if (card.Signature is { } signature)
        {
            var connection = await _connections.GetConnectionAsync(connectionId, cancellationToken);
            var secret = connection.Get(signature.SecretParameter);
            if (string.IsNullOrEmpty(secret)) return (SignatureCheck.Invalid("the connection has no signing secret"), null);
            var check = WebhookSignatureVerifier.Verify(signature, secret, h => lookup.GetValueOrDefault(h), body, _clock.GetUtcNow());
            if (!check.IsValid) return (check, null);
        }
        JsonNode? parsed;
        try { parsed = body.Length == 0 ? null : JsonNode.Parse(body); }
        catch (System.Text.Json.JsonException) { parsed = System.Text.Encoding.UTF8.GetString(body); }
        var inputs = options?.DeepClone().AsObject() ?? [];
        var request = new JsonObject
        {
            ["headers"] = new JsonObject(lookup.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), (JsonNode?)h.Value))),
            ["query"] = query.DeepClone(),
            ["body"] = parsed,
        };
        foreach (var (name, value) in request) inputs[name] = value?.DeepClone();
        var flow = _installed.GetConnector(connectorKey).FindFlow(eventFlowId)!.Definition;
        foreach (var name in inputs.Select(p => p.Key).ToList())
            if (!flow.Inputs.Exists(i => i.Name == name)) inputs.Remove(name);
        return (SignatureCheck.Valid, await _actions.RunFlowAsync(connectorKey, eventFlowId, connectionId, inputs, cancellationToken, FlowConnectors.Connectors.Budgets.BudgetLane.Events));
    }

    /// <summary>Checks a delivery's signature only (before it is stored); valid when the card has no signature settings.</summary>
    public async Task<SignatureCheck> VerifyWebhookAsync(string connectorKey, string eventFlowId, string connectionId,
        IReadOnlyDictionary<string, string> headers, byte[] body, CancellationToken cancellationToken = default)
    {
        var card = EventCard(connectorKey, eventFlowId);
        if (card.Signature is not { } signature) return SignatureCheck.Valid;
        var connection = await _connections.GetConnectionAsync(connectionId, cancellationToken);
        var secret = connection.Get(signature.SecretParameter);
        if (string.IsNullOrEmpty(secret)) return SignatureCheck.Invalid("the connection has no signing secret");
        var lookup = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
        return WebhookSignatureVerifier.Verify(signature, secret, h => lookup.GetValueOrDefault(h), body, _clock.GetUtcNow());
    }

    private CardDefinition EventCard(string connectorKey, string flowId) =>
        _installed.GetConnector(connectorKey).FindFlow(flowId)?.Card is { Kind: CardKind.Event } card
            ? card
            : throw new ConnectorException($"'{flowId}' is not an event card of connector '{connectorKey}'");
}
