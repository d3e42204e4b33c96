namespace FlowConnectors.Connectors.Manifest;

/// <summary>A problem in a connector folder: file (relative to the folder), JSON path, stable code.</summary>
public sealed record ConnectorProblem(string File, string Path, string Code, string Message, bool IsError = true)
{
    public override string ToString() => $"{File}: {Path}: {(IsError ? "" : "warning: ")}{Code}: {Message}";
}
