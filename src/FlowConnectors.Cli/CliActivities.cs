using FlowConnectors.Collection;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Cli;

/// <summary>
/// The activities every flowc command knows: the connector runtime's, plus data collection's (Collection.StoreUsers),
/// so a connector folder made from a collection template validates, tests and runs from the command line too.
/// </summary>
internal static class CliActivities
{
    public static ActivityRegistry Create() => ConnectorRuntime.CreateRegistry().AddCollection();
}
