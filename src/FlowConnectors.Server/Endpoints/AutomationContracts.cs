using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting.Contracts;

namespace FlowConnectors.Server.Endpoints;

/// <summary>POST /api/automations: a flow, the connection its cards use, and optionally the webhook event card that starts it.</summary>
internal sealed record AutomationCreateRequest : JsonRequest<AutomationCreateRequest>
{
    /// <summary>Chosen by the server when left out.</summary>
    [RegularExpression("^[A-Za-z0-9_.-]{1,100}$", ErrorMessage = "may hold only letters, digits, '_', '-' and '.' (1 to 100 of them)")]
    public string? Id { get; init; }

    [Required(ErrorMessage = "required"), MinLength(1, ErrorMessage = "required")]
    public string? FlowId { get; init; }

    public string? ConnectionId { get; init; }

    public AutomationEvent? Event { get; init; }
}

/// <summary>A connector's webhook event card that starts an automation, with the card's options.</summary>
internal sealed record AutomationEvent(string? Connector, string? Card, JsonObject? Options)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["connector"] = Connector, ["card"] = Card };
        if (Options is not null) json["options"] = Options.DeepClone();
        return json;
    }
}

internal sealed record AutomationResponse(string Id, string FlowId, string? ConnectionId, bool Active, string? DisabledReason, JsonObject Settings, DateTimeOffset UpdatedAt)
{
    public static AutomationResponse Of(AutomationRecord a) => new(a.Id, a.FlowId, a.ConnectionId, a.Enabled, a.DisabledReason, a.Settings, a.UpdatedAt);
}

/// <summary>An automation switched on or off; a webhook the vendor would not deregister is reported, not fatal.</summary>
internal sealed record AutomationActivation(string AutomationId, bool Active, string? DeregistrationError);
