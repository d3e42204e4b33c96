namespace FlowConnectors.Engine.Activities;

/// <summary>Marks a property as a node output, readable afterwards as <c>nodes.&lt;id&gt;.&lt;name&gt;</c>.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = true)]
public sealed class OutputAttribute : Attribute
{
    public string? Name { get; init; }
    public string? DisplayName { get; init; }
    public string Description { get; init; } = "";
    public bool Secret { get; init; }
}
