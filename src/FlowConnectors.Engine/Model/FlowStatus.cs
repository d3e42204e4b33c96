namespace FlowConnectors.Engine;

public enum FlowStatus
{
    Running,
    Suspended,
    Finished,
    Faulted,
    Cancelled,
}
