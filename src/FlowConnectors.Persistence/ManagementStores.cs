using System.Text.Json.Nodes;
namespace FlowConnectors.Persistence;

// Stores of the management side (automations, API keys): not part of the durable runtime's contracts.

/// <summary>
/// An automation: a flow that uses connector cards with a chosen connection. Deauthorizing the
/// connection disables it and records why.
/// </summary>
public sealed record AutomationRecord(string Id, string FlowId, string? ConnectionId, bool Enabled, string? DisabledReason, JsonObject Settings, DateTimeOffset UpdatedAt);

public interface IAutomationStore
{
    Task SaveAsync(AutomationRecord automation, CancellationToken ct = default);
    Task<AutomationRecord?> GetAsync(string id, CancellationToken ct = default);
    Task<IReadOnlyList<AutomationRecord>> ListAsync(string? connectionId = null, CancellationToken ct = default);
    Task<bool> DeleteAsync(string id, CancellationToken ct = default);
}

/// <summary>The management API's keys, stored as SHA-256 hashes only.</summary>
public interface IApiKeyStore
{
    Task<bool> AnyAsync(CancellationToken ct = default);
    /// <summary>Adding a hash that is already stored changes nothing.</summary>
    Task AddAsync(string name, string keyHash, CancellationToken ct = default);
    Task<bool> ExistsAsync(string keyHash, CancellationToken ct = default);
}
