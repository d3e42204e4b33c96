namespace FlowConnectors.Engine.Activities.Functions.Numbers;

internal enum Operation
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    Power,
    Min,
    Max,
}
