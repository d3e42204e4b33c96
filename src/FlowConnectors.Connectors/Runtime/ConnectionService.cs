using System.Collections.Concurrent;
using FlowConnectors.Connectors.Auth;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Connectors.Runtime;

/// <summary>
/// Connections: create, change, sign in (OAuth 2.0 authorization code), test (<c>_authping</c>), revoke
/// (<c>_revoke</c>), delete; the origin each is bound to, and its tokens' lifecycle.
/// </summary>
public sealed class ConnectionService
{
    private readonly ConcurrentDictionary<string, Connection> _active = new(StringComparer.Ordinal);
    private readonly ConnectorRegistry _installed;

    internal ConnectionService(ConnectorRuntimeOptions options, ConnectorRegistry installed, ConnectorHttpHandler httpHandler)
    {
        Options = options;
        _installed = installed;
        HttpHandler = httpHandler;
        Tokens = new TokenCache(options.Clock);
        Refresher = new TokenRefresher(this);
    }

    internal ConnectorRuntimeOptions Options { get; }
    internal TokenCache Tokens { get; }
    internal TokenRefresher Refresher { get; }
    internal ConnectorHttpHandler HttpHandler { get; }
    // Testing and revoking run the connector's _authping and _revoke cards; set once the invoker (which needs connections) exists.
    internal ActionInvoker Actions { get; set; } = null!;
    /// <summary>Told when connections need re-authorization or connectors change; the server pauses automations then.</summary>
    public IConnectionLifecycleListener? Lifecycle { get; set; }
    /// <summary>
    /// Asked before a card or draft run takes a connection; throws <see cref="ConnectorException"/> when whoever runs it
    /// may not use that connection (the server checks its users' rights here; null: no check).
    /// </summary>
    public Func<ConnectionUse, CancellationToken, Task>? ConnectionUseCheck { get; set; }

    private ConnectorPackage GetConnector(string key) => _installed.GetConnector(key);


    /// <summary>
    /// Creates a connection from parameter values, checking them against the manifest: required
    /// values, dropdown options, unknown names. Password values go to the encrypted part.
    /// </summary>
    public async Task<Connection> CreateConnectionAsync(string connectorKey, string name, IReadOnlyDictionary<string, string> values,
        string? id = null, CancellationToken cancellationToken = default)
    {
        var manifest = GetConnector(connectorKey).Manifest;
        var now = Options.Clock.GetUtcNow();
        var connection = new Connection
        {
            Id = id ?? Guid.NewGuid().ToString("N"),
            ConnectorKey = connectorKey,
            Name = name,
            CreatedAt = now,
            UpdatedAt = now,
        };
        ApplyValues(manifest, connection, values, requireAll: true);
        connection.Origin = CurrentOrigin(manifest, connection);
        await Options.Connections.SaveAsync(connection, cancellationToken);
        // Its status is its last test: a wrong token shows as failed at once, never as authorized.
        if (Options.TestOnCreate && CanTest(manifest, connection))
        {
            await TestConnectionAsync(connection.Id, cancellationToken);
            return await GetConnectionAsync(connection.Id, cancellationToken);
        }
        return connection;
    }

    /// <summary>Whether a test can say anything yet: an authorization-code connection is tested once it is signed in.</summary>
    private static bool CanTest(ConnectorManifest manifest, Connection connection) =>
        manifest.Auth.Kind != AuthKind.OAuth2AuthorizationCode || connection.Tokens is not null;

    /// <summary>
    /// Changes a connection's name and parameter values. When every secret parameter is given again,
    /// the connection is bound to the connector's current address and authorized again; otherwise a
    /// change of address leaves it needing re-authorization.
    /// </summary>
    public async Task<Connection> UpdateConnectionAsync(string connectionId, string? name, IReadOnlyDictionary<string, string> values,
        CancellationToken cancellationToken = default)
    {
        var connection = await GetConnectionAsync(connectionId, cancellationToken);
        var manifest = GetConnector(connection.ConnectorKey).Manifest;
        if (connection.Status == ConnectionStatus.Deauthorized)
            throw new ConnectorException($"connection '{connectionId}' is deauthorized; create a new one");
        ApplyValues(manifest, connection, values, requireAll: false);
        if (name is not null) connection.Name = name;
        var origin = CurrentOrigin(manifest, connection);
        var secretsReentered = manifest.ConnectionParameters.Where(p => p.Type == ConnectionParameterType.Password).All(p => values.ContainsKey(p.Name));
        if (secretsReentered)
        {
            connection.Origin = origin;
            if (connection.Status == ConnectionStatus.NeedsReauthorization) MarkAuthorized(connection);
        }
        else if (origin != connection.Origin)
        {
            connection.Status = ConnectionStatus.NeedsReauthorization;
            connection.StatusReason = $"its address changed from {connection.Origin ?? "an unrecorded one"} to {origin}; re-enter its secrets or confirm the new address";
        }
        connection.UpdatedAt = Options.Clock.GetUtcNow();
        Tokens.Forget(connection.Id);
        await Options.Connections.SaveAsync(connection, cancellationToken);
        // A secret replaced in place is tested at once: the status says whether the new one works.
        if (Options.TestOnCreate && values.Keys.Any(manifest.IsSecret) && connection.Status != ConnectionStatus.NeedsReauthorization && CanTest(manifest, connection))
        {
            await TestConnectionAsync(connection.Id, cancellationToken);
            return await GetConnectionAsync(connection.Id, cancellationToken);
        }
        return connection;
    }

    /// <summary>A user confirms that the connection's credentials may go to the connector's current address.</summary>
    public async Task<Connection> ConfirmOriginAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        var connection = await GetConnectionAsync(connectionId, cancellationToken);
        if (connection.Status == ConnectionStatus.Deauthorized)
            throw new ConnectorException($"connection '{connectionId}' is deauthorized; create a new one");
        connection.Origin = CurrentOrigin(GetConnector(connection.ConnectorKey).Manifest, connection);
        MarkAuthorized(connection);
        connection.UpdatedAt = Options.Clock.GetUtcNow();
        Tokens.Forget(connection.Id);
        await Options.Connections.SaveAsync(connection, cancellationToken);
        return connection;
    }

    /// <summary>
    /// After a connector was replaced: when its base URL or authentication changed, its authorized
    /// connections need re-authorization (nothing is sent with them until then). Returns their ids.
    /// </summary>
    public async Task<IReadOnlyList<string>> RequireReauthorizationAsync(ConnectorManifest previous, ConnectorManifest current,
        CancellationToken cancellationToken = default)
    {
        var changes = new List<string>();
        if (!string.Equals(previous.BaseUrl, current.BaseUrl, StringComparison.Ordinal)) changes.Add($"base URL changed from {previous.BaseUrl} to {current.BaseUrl}");
        if (previous.Auth != current.Auth)
            changes.Add(previous.Auth.Kind == current.Auth.Kind
                ? $"{AuthSettings.WireName(current.Auth.Kind)} authentication settings changed"
                : $"authentication changed from {AuthSettings.WireName(previous.Auth.Kind)} to {AuthSettings.WireName(current.Auth.Kind)}");
        if (changes.Count == 0) return [];
        var marked = new List<string>();
        foreach (var connection in await Options.Connections.ListAsync(cancellationToken))
        {
            if (connection.ConnectorKey != current.Key || connection.Status is not (ConnectionStatus.Authorized or ConnectionStatus.TestFailed)) continue;
            connection.Status = ConnectionStatus.NeedsReauthorization;
            connection.StatusReason = $"the connector's {string.Join(" and ", changes)}; re-enter the connection's secrets or confirm the new address";
            if (previous.Auth.Kind != current.Auth.Kind) connection.Tokens = null;
            connection.UpdatedAt = Options.Clock.GetUtcNow();
            Tokens.Forget(connection.Id);
            await Options.Connections.SaveAsync(connection, cancellationToken);
            _active[connection.Id] = connection;
            marked.Add(connection.Id);
        }
        return marked;
    }

    private static void MarkAuthorized(Connection connection)
    {
        connection.Status = ConnectionStatus.Authorized;
        connection.StatusReason = null;
    }

    /// <summary>The origin the connection's requests go to now (its base URL with the connection's values), or null without one.</summary>
    internal string? CurrentOrigin(ConnectorManifest manifest, Connection connection)
    {
        if (string.IsNullOrWhiteSpace(manifest.BaseUrl) && manifest.BaseUrlParameter is null) return null;
        try
        {
            // The base URL its requests really go to: a base-URL connection parameter overrides the manifest's.
            var baseUrl = ConnectorUrls.BaseUrlFor(manifest, connection);
            if (string.IsNullOrWhiteSpace(baseUrl)) return null;
            return Uri.TryCreate(RewriteUrl(baseUrl), UriKind.Absolute, out var uri) ? Connection.OriginOf(uri) : null;
        }
        catch (ActivityFaultException)
        {
            return null; // a parameter of the base URL is not set yet
        }
    }

    /// <summary>
    /// Before credentials are added to a request: the connection must be authorized and bound to the
    /// request's origin. A connection stored before origins were recorded is bound to the current one.
    /// </summary>
    internal async Task CheckOriginAsync(ConnectorManifest manifest, Connection connection, Uri requestUri, CancellationToken cancellationToken)
    {
        // Built only for a refusal: this runs for every request.
        string Fix() => $"re-enter its secrets (PUT /api/connections/{connection.Id}) or confirm the new address (POST /api/connections/{connection.Id}/confirm-origin)";
        if (connection.Status == ConnectionStatus.NeedsReauthorization)
            throw new ActivityFaultException($"connection '{connection.Id}' needs re-authorization ({connection.StatusReason}); nothing is sent with it until then: {Fix()}");
        if (connection.Origin is null)
        {
            connection.Origin = CurrentOrigin(manifest, connection) ?? Connection.OriginOf(requestUri);
            await Options.Connections.SaveAsync(connection, cancellationToken);
        }
        if (!Connection.IsOriginOf(requestUri, connection.Origin))
            throw new ActivityFaultException($"connection '{connection.Id}' was authorized for {connection.Origin}, and this request goes to {Connection.OriginOf(requestUri)}; its credentials are not sent there: {Fix()}");
    }

    /// <summary>The URL after the offline runner's rewrite (the URL itself otherwise).</summary>
    internal string RewriteUrl(string url) => Options.RewriteUrl is { } rewrite ? rewrite(new Uri(url)).ToString() : url;

    /// <summary>Sets parameter values; problems are listed together, naming each parameter.</summary>
    public static void ApplyValues(ConnectorManifest manifest, Connection connection, IReadOnlyDictionary<string, string> values, bool requireAll)
    {
        var problems = new List<string>();
        foreach (var (name, _) in values)
            if (manifest.FindParameter(name) is null)
                problems.Add($"unknown connection parameter '{name}'");
        foreach (var parameter in manifest.ConnectionParameters)
        {
            if (!values.TryGetValue(parameter.Name, out var value))
            {
                if (connection.Get(parameter.Name) is null && parameter.Default is { } fallback) value = fallback;
                else if (requireAll && parameter.Required && connection.Get(parameter.Name) is null) { problems.Add($"connection parameter '{parameter.Name}' is required"); continue; }
                else continue;
            }
            if (parameter.Type == ConnectionParameterType.Dropdown && parameter.Options.All(o => o.Value != value))
            {
                problems.Add($"connection parameter '{parameter.Name}' must be one of {string.Join(", ", parameter.Options.Select(o => o.Value))}");
                continue;
            }
            if (parameter.Name == manifest.BaseUrlParameter && value.Trim().Length > 0 && !Auth.ConnectorUrls.IsBaseUrl(value.Trim()))
            {
                problems.Add($"connection parameter '{parameter.Name}' must be an absolute http(s) URL without query or fragment, e.g. https://api.example.com");
                continue;
            }
            if (parameter.Type == ConnectionParameterType.Password) connection.Secrets[parameter.Name] = value;
            else connection.Values[parameter.Name] = value;
        }
        if (problems.Count > 0) throw new ConnectorException(string.Join("; ", problems));
    }

    /// <summary>The stored connection (kept for the connector's flows that run with it next); a ConnectorException if there is none.</summary>
    public async Task<Connection> GetConnectionAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        var connection = await Options.Connections.GetAsync(connectionId, cancellationToken)
                         ?? throw new ConnectorException($"connection '{connectionId}' does not exist");
        _active[connection.Id] = connection;
        return connection;
    }

    /// <summary>The connection an executing flow runs with (cached for the run; loaded on a cold resume).</summary>
    internal Connection ConnectionFor(ActivityContext context)
    {
        var id = context.GetProperty(ConnectorRuntime.ConnectionProperty)
                 ?? throw new ActivityFaultException("this flow runs without a connection; choose one for the card");
        if (_active.TryGetValue(id, out var connection)) return connection;
        return GetConnectionAsync(id, context.CancellationToken).GetAwaiter().GetResult();
    }
    internal async Task SaveTokensAsync(Connection connection, OAuthTokens tokens, CancellationToken cancellationToken)
    {
        connection.Tokens = tokens;
        connection.UpdatedAt = Options.Clock.GetUtcNow();
        await Options.Connections.SaveAsync(connection, cancellationToken);
    }

    // --- OAuth 2.0 authorization code: the browser sign-in ------------------------------------

    /// <summary>The URL to send the user's browser to, for a connection of an authorization-code connector.</summary>
    public async Task<string> BeginAuthorizationAsync(string connectionId, string redirectUri, string state, CancellationToken cancellationToken = default)
    {
        var connection = await GetConnectionAsync(connectionId, cancellationToken);
        var manifest = GetConnector(connection.ConnectorKey).Manifest;
        if (manifest.Auth.Kind != AuthKind.OAuth2AuthorizationCode)
            throw new ConnectorException($"connector '{manifest.Key}' does not use OAuth 2.0 authorization code");
        return Auth.OAuthClient.BuildAuthorizeUrl(manifest, connection, redirectUri, state);
    }

    /// <summary>Exchanges the code the provider sent back for tokens and stores them, encrypted, on the connection.</summary>
    public async Task CompleteAuthorizationAsync(string connectionId, string code, string redirectUri, CancellationToken cancellationToken = default)
    {
        var connection = await GetConnectionAsync(connectionId, cancellationToken);
        var manifest = GetConnector(connection.ConnectorKey).Manifest;
        var handler = HttpHandler;
        OAuthTokens tokens;
        try
        {
            tokens = await handler.NewOAuthClient(manifest, connection).ExchangeCodeAsync(manifest, connection, code, redirectUri, cancellationToken);
        }
        catch (ActivityFaultException e)
        {
            throw new ConnectorException(e.Message);
        }
        MarkAuthorized(connection);
        // Signing in again is re-authorization: the connection is bound to the address it signed in for.
        connection.Origin = CurrentOrigin(manifest, connection);
        Tokens.Forget(connection.Id);
        await SaveTokensAsync(connection, tokens, cancellationToken);
        if (Options.TestOnCreate) await TestConnectionAsync(connection.Id, cancellationToken);
    }

    /// <summary>Runs <c>_authping</c>: OK when it finishes, else the fault's message is the reason.</summary>
    public async Task<ConnectionTestResult> TestConnectionAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        var connection = await GetConnectionAsync(connectionId, cancellationToken);
        var package = GetConnector(connection.ConnectorKey);
        if (package.FindFlow(ConnectorPackage.AuthPing) is null)
            return new ConnectionTestResult(true, null);
        FlowRunResult run;
        try
        {
            run = await Actions.RunFlowAsync(connection.ConnectorKey, ConnectorPackage.AuthPing, connectionId, null, cancellationToken, FlowConnectors.Connectors.Budgets.BudgetLane.Interactive);
        }
        catch (Engine.Runtime.FlowInputException e)
        {
            return await RecordTestAsync(connection, new ConnectionTestResult(false, e.Message), cancellationToken);
        }
        return await RecordTestAsync(connection, run.Status == FlowStatus.Finished
            ? new ConnectionTestResult(true, null)
            : new ConnectionTestResult(false, run.Fault?.Message ?? $"the test flow ended {run.Status.ToString().ToLowerInvariant()}"), cancellationToken);
    }

    /// <summary>A connection's status is its last test's result (unless it needs re-authorization or is deauthorized: a test does not lift that).</summary>
    private async Task<ConnectionTestResult> RecordTestAsync(Connection connection, ConnectionTestResult result, CancellationToken cancellationToken)
    {
        // The run may have refreshed tokens: start from what is stored now.
        var stored = await Options.Connections.GetAsync(connection.Id, cancellationToken) ?? connection;
        if (stored.Status is ConnectionStatus.Authorized or ConnectionStatus.TestFailed)
        {
            stored.Status = result.Ok ? ConnectionStatus.Authorized : ConnectionStatus.TestFailed;
            stored.StatusReason = result.Ok ? null : result.Reason;
        }
        stored.LastTestedAt = Options.Clock.GetUtcNow();
        stored.UpdatedAt = stored.LastTestedAt.Value;
        await Options.Connections.SaveAsync(stored, cancellationToken);
        _active[stored.Id] = stored;
        return result;
    }

    /// <summary>The provider refused a token refresh for good: the connection needs re-authorization, and the host pauses what uses it.</summary>
    internal async Task RefreshRefusedAsync(Connection connection, string message, CancellationToken cancellationToken)
    {
        var reason = $"refreshing its token failed for good ({message}); sign in again";
        connection.Status = ConnectionStatus.NeedsReauthorization;
        connection.StatusReason = reason;
        connection.UpdatedAt = Options.Clock.GetUtcNow();
        await Options.Connections.SaveAsync(connection, cancellationToken);
        if (Lifecycle is { } listener) await listener.ConnectionNeedsReauthorizationAsync(connection, reason, CancellationToken.None);
    }

    /// <summary>Tells the host a connector was installed over another (or removed), so automations using a removed card are disabled.</summary>
    public async Task<IReadOnlyList<string>> ConnectorChangedAsync(ConnectorPackage? previous, ConnectorPackage? current, CancellationToken cancellationToken = default) =>
        Lifecycle is { } listener ? await listener.ConnectorChangedAsync(previous, current, cancellationToken) : [];

    /// <summary>
    /// Runs <c>_revoke</c> (when the connector has one) and marks the connection deauthorized. The answer says
    /// <c>Ok</c> only when the vendor's <c>_revoke</c> ran and finished; otherwise its reason says why nothing was
    /// revoked (no <c>_revoke</c>, a connection that was not authorized, the vendor's refusal), and so does the
    /// connection's status reason, since its tokens may stay valid at the vendor.
    /// </summary>
    public async Task<ConnectionTestResult> DeauthorizeAsync(string connectionId, string reason, CancellationToken cancellationToken = default)
    {
        var connection = await GetConnectionAsync(connectionId, cancellationToken);
        ConnectionTestResult result;
        if (GetConnector(connection.ConnectorKey).FindFlow(ConnectorPackage.Revoke) is null)
            result = new(false, $"connector '{connection.ConnectorKey}' has no {ConnectorPackage.Revoke} flow: its credentials were removed here, not revoked at the vendor");
        else if (connection.Status is not (ConnectionStatus.Authorized or ConnectionStatus.TestFailed))
            result = new(false, $"the connection was {Connection.StatusName(connection.Status)}, so {ConnectorPackage.Revoke} did not run");
        else
        {
            var run = await Actions.RunFlowAsync(connection.ConnectorKey, ConnectorPackage.Revoke, connectionId, null, cancellationToken);
            result = run.Status == FlowStatus.Finished
                ? new(true, null)
                : new(false, run.Fault?.Message ?? $"{ConnectorPackage.Revoke} ended {run.Status.ToString().ToLowerInvariant()}");
        }
        connection.Status = ConnectionStatus.Deauthorized;
        connection.StatusReason = result.Ok ? reason : $"{reason}; not revoked at the vendor: {result.Reason}";
        connection.Tokens = null;
        connection.UpdatedAt = Options.Clock.GetUtcNow();
        Tokens.Forget(connection.Id);
        await Options.Connections.SaveAsync(connection, cancellationToken);
        _active.TryRemove(connection.Id, out _);
        return result;
    }

    /// <summary>Deletes a connection; it must be deauthorized first, as in Workspace ONE Intelligence.</summary>
    public async Task DeleteConnectionAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        var connection = await GetConnectionAsync(connectionId, cancellationToken);
        if (connection.Status != ConnectionStatus.Deauthorized)
            throw new ConnectorException($"connection '{connectionId}' must be deauthorized before it is deleted");
        await Options.Connections.DeleteAsync(connectionId, cancellationToken);
        _active.TryRemove(connectionId, out _);
    }
}
