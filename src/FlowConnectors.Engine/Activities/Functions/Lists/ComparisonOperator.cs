namespace FlowConnectors.Engine.Activities.Functions.Lists;

internal enum ComparisonOperator
{
    Equals,
    NotEquals,
    Contains,
    GreaterThan,
    LessThan,
    Exists,
    NotExists,
}
