namespace FlowConnectors.Connectors.Runtime;

/// <summary>
/// A run about to take a connection: its id and, when a stored flow's node chose it by an expression at run time, that
/// flow's id (whose publisher's rights apply: nothing checked the connection when the flow was published).
/// </summary>
public sealed record ConnectionUse(string ConnectionId, string? ChosenByFlowId);
