using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities;

/// <summary>What running an activity (or a connector card) once more does outside the instance.</summary>
public enum SideEffects
{
    /// <summary>Nothing outside the instance changes (a transformation, a read).</summary>
    None,
    /// <summary>Running it again changes nothing more (a PUT, a DELETE, a request with an idempotency key).</summary>
    Idempotent,
    /// <summary>Running it again may do the work twice (a POST without an idempotency key): a retry asks first.</summary>
    Unsafe,
}

/// <summary>The names flow JSON, card JSON and the API use for <see cref="SideEffects"/>.</summary>
public static class SideEffectNames
{
    public static readonly IReadOnlyList<string> All = ["none", "idempotent", "unsafe"];

    public static string Of(SideEffects value) => value switch
    {
        SideEffects.Idempotent => "idempotent",
        SideEffects.Unsafe => "unsafe",
        _ => "none",
    };

    public static bool TryParse(string? name, out SideEffects value)
    {
        switch (name)
        {
            case "none": value = SideEffects.None; return true;
            case "idempotent": value = SideEffects.Idempotent; return true;
            case "unsafe": value = SideEffects.Unsafe; return true;
            default: value = SideEffects.None; return false;
        }
    }
}

/// <summary>
/// An activity whose side effects depend on how a node uses it (an HTTP GET has none, a POST with an idempotency key is
/// idempotent): given the node's literal inputs and the names of those it gives as expressions (inputs in neither keep
/// their defaults), the node's side effects, or null for the activity's declared ones.
/// </summary>
public interface INodeSideEffects
{
    SideEffects? SideEffectsOf(IReadOnlyDictionary<string, JsonNode?> literalInputs, IReadOnlySet<string> expressionInputs, IServiceProvider services);
}
