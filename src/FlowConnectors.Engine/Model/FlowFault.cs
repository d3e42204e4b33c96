namespace FlowConnectors.Engine;

/// <summary>Why an instance faulted: the node at fault (if any) and a message without secrets.</summary>
public sealed record FlowFault(string? NodeId, string? ActivityType, string Message)
{
    public override string ToString() => NodeId is null ? Message : $"node '{NodeId}' ({ActivityType}): {Message}";
}
