using FlowConnectors.Connectors.Manifest;

namespace FlowConnectors.Connectors.Connections;

/// <summary>
/// What the host does when a connection or a connector changes under the automations that use them (the
/// server pauses or disables those automations and records why). Set on <see cref="Runtime.ConnectionService.Lifecycle"/>.
/// </summary>
public interface IConnectionLifecycleListener
{
    /// <summary>The connection can no longer be used until someone re-authorizes it (e.g. its refresh token was refused).</summary>
    Task ConnectionNeedsReauthorizationAsync(Connection connection, string reason, CancellationToken ct);

    /// <summary>
    /// A connector was installed over <paramref name="previous"/> (null: new) or removed (<paramref name="current"/> null).
    /// Returns the ids of the automations it disabled because a card they use is gone.
    /// </summary>
    Task<IReadOnlyList<string>> ConnectorChangedAsync(ConnectorPackage? previous, ConnectorPackage? current, CancellationToken ct);
}
