using FlowConnectors.Runtime;

namespace FlowConnectors.Persistence;

/// <summary>The runtime's view of <see cref="StorageFailures"/>.</summary>
internal sealed class StoreFailures : IStoreFailures
{
    public string? TransientCause(Exception exception) => StorageFailures.Describe(exception)?.Description;
}
