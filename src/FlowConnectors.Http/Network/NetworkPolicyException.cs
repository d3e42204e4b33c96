namespace FlowConnectors.Http.Network;

/// <summary>A request the network policy refused; the message names the address and the setting that allows it.</summary>
public sealed class NetworkPolicyException(string message) : Exception(message);
