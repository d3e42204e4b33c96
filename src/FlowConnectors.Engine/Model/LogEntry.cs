namespace FlowConnectors.Engine;

public sealed record LogEntry(DateTimeOffset At, string NodeId, string Level, string Message);
