using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Connectors.Activities;

/// <summary>
/// The start node of an automation triggered by a connector's webhook event card: outputs the event
/// card's outputs for the delivery that started this instance.
/// </summary>
[Activity("Connector.Event", Category = "Connectors", DisplayName = "Connector event", Trigger = true,
    Description = "Starts an automation from a webhook event card; 'event' holds the card's outputs for the delivery.")]
internal sealed class ConnectorEvent : Activity
{
    [Input(Description = "The connector's key (for the designer).")] public string? Connector { get; set; }
    [Input(Description = "The event card (for the designer).")] public string? Card { get; set; }

    [Output] public JsonObject Event { get; private set; } = [];

    protected override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Event = context.TriggerPayload?["event"] as JsonObject ?? [];
        return ActivityResult.DoneTask;
    }
}
