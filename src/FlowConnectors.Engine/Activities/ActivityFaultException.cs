namespace FlowConnectors.Engine.Activities;

/// <summary>
/// Thrown by an activity to fault with a message meant for the flow author. The engine adds the
/// node id; the message must never contain a secret.
/// </summary>
public sealed class ActivityFaultException(string message, Exception? inner = null) : Exception(message, inner);
