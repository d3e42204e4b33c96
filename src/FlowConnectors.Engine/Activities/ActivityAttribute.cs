namespace FlowConnectors.Engine.Activities;

/// <summary>Names an activity type as it appears in flow JSON (<c>"type"</c>) and in the palette.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ActivityAttribute(string type) : Attribute
{
    public string Type { get; } = type;
    public string Category { get; init; } = "General";
    public string? DisplayName { get; init; }
    public string Description { get; init; } = "";

    /// <summary>The activity starts new instances (an HTTP endpoint, a schedule, an event): it is a start node and takes no incoming connection.</summary>
    public bool Trigger { get; init; }

    /// <summary>What running the activity again does outside the instance (see <see cref="Activities.SideEffects"/>); a retry lists the unsafe ones.</summary>
    public SideEffects SideEffects { get; init; } = SideEffects.None;
}
