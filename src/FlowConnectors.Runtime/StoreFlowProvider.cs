using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Runtime;

namespace FlowConnectors.Runtime;

/// <summary>CallFlow targets come from the store: the published version, else the latest.</summary>
internal sealed class StoreFlowProvider(IFlowStore flows) : IFlowProvider
{
    public async ValueTask<FlowDefinition?> FindAsync(string flowId, CancellationToken cancellationToken)
    {
        var stored = await flows.GetPublishedAsync(flowId, cancellationToken) ?? await flows.GetAsync(flowId, null, cancellationToken);
        return stored is null ? null : FlowJson.Parse(stored.Json);
    }
}
