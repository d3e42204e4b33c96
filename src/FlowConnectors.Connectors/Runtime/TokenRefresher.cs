using System.Collections.Concurrent;
using FlowConnectors.Connectors.Auth;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Connectors.Runtime;

/// <summary>
/// Authorization-code tokens, refreshed before they expire (by the connector's <c>refreshBefore</c> margin) or
/// when the vendor says they expired, one refresh at a time per connection: concurrent runs in this process
/// wait on one gate, other nodes on the connection's refresh lease in the store. Whoever gets the lease reads
/// the stored tokens again first, so a refresh another node just made is used rather than repeated (a rotated
/// refresh token works once). New tokens are saved with the connection in one write. When the provider
/// refuses the refresh for good, the connection is marked as needing re-authorization and the host is told,
/// so it pauses the automations that use it.
/// </summary>
internal sealed class TokenRefresher(ConnectionService connections)
{
    /// <summary>How long a refresh lease lasts: longer than a token request takes, short enough that a dead node's lapses soon.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LeasePoll = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly string _owner = Guid.NewGuid().ToString("N");

    /// <summary>Current tokens for a request: refreshed first when due, or when <paramref name="rejected"/> (the vendor refused them).</summary>
    public async Task<OAuthTokens> GetAsync(ConnectorManifest manifest, Connection connection, bool rejected, CancellationToken ct)
    {
        var used = connection.Tokens ?? throw new ActivityFaultException("authentication failed: the connection is not signed in; authorize it first");
        if (!rejected && !IsDue(manifest, used)) return used;
        var gate = _gates.GetOrAdd(connection.Id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            // Another run of this process refreshed while this one waited.
            if (Fresher(manifest, connection.Tokens, used) is { } refreshedHere) return refreshedHere;
            var leases = connections.Options.RefreshLeases;
            while (!await leases.TryAcquireAsync(connection.Id, _owner, connections.Options.Clock.GetUtcNow(), LeaseDuration, ct))
            {
                // Another node refreshes: wait for its tokens (or for its lease to lapse).
                await Task.Delay(LeasePoll, connections.Options.Clock, ct);
                if (await Adopt(manifest, connection, used, ct) is { } refreshedThere) return refreshedThere;
            }
            try
            {
                if (await Adopt(manifest, connection, used, ct) is { } refreshedBefore) return refreshedBefore;
                OAuthTokens tokens;
                try
                {
                    tokens = await connections.HttpHandler.NewOAuthClient(manifest, connection).RefreshAsync(manifest, connection, ct);
                }
                catch (ActivityFaultException e) when (e.InnerException is TokenRefusedException)
                {
                    await connections.RefreshRefusedAsync(connection, e.Message, ct);
                    throw;
                }
                await connections.SaveTokensAsync(connection, tokens, ct);
                return tokens;
            }
            finally
            {
                await leases.ReleaseAsync(connection.Id, _owner, CancellationToken.None);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private bool IsDue(ConnectorManifest manifest, OAuthTokens tokens) =>
        TokenExpiry.IsDue(tokens, manifest.TokenExpiry.RefreshBefore, connections.Options.Clock.GetUtcNow());

    /// <summary>Newer tokens than the ones the request used, when they are not due themselves.</summary>
    private OAuthTokens? Fresher(ConnectorManifest manifest, OAuthTokens? current, OAuthTokens used) =>
        current is not null && current.AccessToken != used.AccessToken && !TokenExpiry.IsDue(current, manifest.TokenExpiry.RefreshBefore, connections.Options.Clock.GetUtcNow())
            ? current
            : null;

    /// <summary>Reads the stored connection: when another node saved fresher tokens, this process uses them too.</summary>
    private async Task<OAuthTokens?> Adopt(ConnectorManifest manifest, Connection connection, OAuthTokens used, CancellationToken ct)
    {
        var stored = await connections.Options.Connections.GetAsync(connection.Id, ct);
        if (stored is null) throw new ActivityFaultException($"connection '{connection.Id}' no longer exists");
        if (stored.Status == ConnectionStatus.NeedsReauthorization)
            throw new ActivityFaultException($"connection '{connection.Id}' needs re-authorization: {stored.StatusReason}");
        // The latest refresh token is the one to use: a rotated one replaces the old for good.
        connection.Tokens = stored.Tokens;
        return Fresher(manifest, stored.Tokens, used);
    }
}
