using System.Text.Json.Nodes;

namespace FlowConnectors.Connectors.Cards;

public enum CardKind
{
    Action,
    Helper,
    Event,
    Polling,
}

/// <summary>The <c>card</c> block of a flow: how the flow appears to people using the connector.</summary>
public sealed record CardDefinition
{
    public CardKind Kind { get; init; }
    public string? Label { get; init; }
    public string? Description { get; init; }
    public string? Group { get; init; }
    public IReadOnlyList<string> Options { get; init; } = [];
    public IReadOnlyDictionary<string, CardField> Fields { get; init; } = new Dictionary<string, CardField>();
    public DynamicSource? DynamicInputs { get; init; }
    public bool SelectableOutputs { get; init; }
    public string? Registration { get; init; }
    public string? Deregistration { get; init; }
    public SignatureSettings? Signature { get; init; }
    public TimeSpan? Interval { get; init; }
    /// <summary>
    /// What running the card again does at the vendor (none, idempotent, unsafe); undeclared, an action card counts as
    /// unsafe and a helper card as having none. A retry asks before it runs an unsafe card again.
    /// </summary>
    public FlowConnectors.Engine.Activities.SideEffects? SideEffects { get; init; }

    /// <summary>The card's side effects as declared, or the default for its kind.</summary>
    public FlowConnectors.Engine.Activities.SideEffects EffectiveSideEffects => SideEffects
        ?? (Kind == CardKind.Action ? FlowConnectors.Engine.Activities.SideEffects.Unsafe : FlowConnectors.Engine.Activities.SideEffects.None);
}

public sealed record CardField(DynamicSource? Dropdown);

/// <summary>A helper flow that supplies dropdown items or field definitions, and the values it depends on.</summary>
public sealed record DynamicSource(string Flow, IReadOnlyList<string> DependsOn);

/// <summary>How webhook deliveries are signed (see docs/connectors.md).</summary>
public sealed record SignatureSettings
{
    public string Style { get; init; } = "hmac";
    public string Header { get; init; } = "X-Signature";
    public string Algorithm { get; init; } = "sha256";
    public string Prefix { get; init; } = "";
    public string Encoding { get; init; } = "hex";
    public string? TimestampHeader { get; init; }
    public required string SecretParameter { get; init; }
    public TimeSpan Tolerance { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>A header naming each delivery uniquely (GitHub's <c>X-GitHub-Delivery</c>), remembered against replays.</summary>
    public string? DeliveryIdHeader { get; init; }
}
