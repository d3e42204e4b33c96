namespace FlowConnectors.Engine.Activities;

/// <summary>
/// Marks a property as a node input. The input's name in flow JSON is the camel-cased property
/// name unless <see cref="Name"/> is given; its default is the property's initial value.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = true)]
public sealed class InputAttribute : Attribute
{
    public string? Name { get; init; }
    public string? DisplayName { get; init; }
    public string Description { get; init; } = "";
    public bool Required { get; init; }
    /// <summary>Journal and logs show <c>***</c> instead of the value.</summary>
    public bool Secret { get; init; }
    /// <summary>Editor hint for the designer: <c>javascript</c>, <c>template</c>, <c>multiline</c>, <c>json</c>.</summary>
    public string? Editor { get; init; }
    /// <summary>Allowed values (a static dropdown).</summary>
    public string[]? Options { get; init; }
}
