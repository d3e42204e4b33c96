namespace FlowConnectors.Engine.Expressions;

/// <summary>An expression or script failed; the message says why and where in the code.</summary>
public sealed class ExpressionException(string message) : Exception(message);
