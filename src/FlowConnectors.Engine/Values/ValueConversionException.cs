namespace FlowConnectors.Engine.Values;

/// <summary>A value could not be converted to a declared type. The message names both types.</summary>
public sealed class ValueConversionException(string message) : Exception(message);
