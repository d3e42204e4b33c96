using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Auth;
using FlowConnectors.Connectors.Cards;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Webhooks;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Connectors.Runtime;

/// <summary>
/// Runs connector flows with a connection: actions, test connection, revoke, dropdowns, webhook
/// registration and deliveries, polling. Each connector gets its own engine so a card's
/// <c>CallFlow("httpHelper")</c> finds that connector's helper.
/// </summary>
public sealed class ConnectorRuntime : IAsyncDisposable
{
    public const string ConnectionProperty = "connection";
    public const string ConnectorProperty = "connector";

    // Swapped whole on install/uninstall so readers never lock; a run keeps the LoadedConnector it started with.
    private ImmutableDictionary<string, LoadedConnector> _connectors = ImmutableDictionary.Create<string, LoadedConnector>(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Connection> _active = new(StringComparer.Ordinal);
    private readonly ConnectorHttpHandler _httpHandler;
    private readonly Lock _installLock = new();
    // Replaced connectors' services are disposed with the runtime: runs that started on them may still be going.
    private readonly List<ServiceProvider> _retired = [];

    public ConnectorRuntime(IEnumerable<ConnectorPackage> connectors, ConnectorRuntimeOptions options)
    {
        Options = options;
        Registry = CreateRegistry();
        _httpHandler = new ConnectorHttpHandler(this);
        Tokens = new Auth.TokenCache(options.Clock);
        Budgets = new Budgets.RateBudgets(options.Budgets, options.Clock);
        Refresher = new TokenRefresher(this);
        foreach (var package in connectors) Install(package);
    }

    /// <summary>
    /// Adds a connector, or replaces the one with the same key (new runs use the new package; runs
    /// in progress finish on the old one). Returns the package it replaced, if any. The package is
    /// also reachable as <c>key@version</c>, and stays so after a newer version replaces it, so
    /// automations pinned to a version keep running until they are moved.
    /// </summary>
    public ConnectorPackage? Install(ConnectorPackage package)
    {
        var loaded = Load(package);
        lock (_installLock)
        {
            _connectors.TryGetValue(package.Manifest.Key, out var previous);
            var pinned = PinnedKey(package.Manifest.Key, package.Manifest.Version);
            _connectors.TryGetValue(pinned, out var samePinned);
            _connectors = _connectors.SetItem(package.Manifest.Key, loaded).SetItem(pinned, loaded);
            // A replaced version stays loaded while an older key@version still names it.
            foreach (var gone in new[] { previous, samePinned }.OfType<LoadedConnector>().Distinct())
                if (!_connectors.Values.Contains(gone)) _retired.Add(gone.Services);
            return previous?.Package;
        }
    }

    /// <summary>Loads an older version only as <c>key@version</c> (for automations pinned to it); the current version stays.</summary>
    public void InstallPinned(ConnectorPackage package)
    {
        var pinned = PinnedKey(package.Manifest.Key, package.Manifest.Version);
        // Already loaded (usually as the current version): nothing to build.
        if (_connectors.ContainsKey(pinned)) return;
        var loaded = Load(package);
        lock (_installLock)
        {
            if (_connectors.ContainsKey(pinned)) { _retired.Add(loaded.Services); return; }
            _connectors = _connectors.SetItem(pinned, loaded);
        }
    }

    /// <summary>Removes a connector and its pinned versions; false when none has that key.</summary>
    public bool Uninstall(string key)
    {
        lock (_installLock)
        {
            if (!_connectors.TryGetValue(key, out var previous)) return false;
            var removed = _connectors.Where(c => c.Key == key || c.Key.StartsWith(key + "@", StringComparison.Ordinal)).ToList();
            _connectors = _connectors.RemoveRange(removed.Select(c => c.Key));
            foreach (var services in removed.Select(c => c.Value.Services).Distinct()) _retired.Add(services);
            return true;
        }
    }

    /// <summary><c>key@version</c>: how an automation pins a connector version (Connector.Action's <c>connector</c> input).</summary>
    public static string PinnedKey(string key, string version) => $"{key}@{version}";

    /// <summary>The versions of a connector loaded side by side (the current one included), by version text.</summary>
    public IReadOnlyList<string> LoadedVersions(string key) =>
        _connectors.Where(c => c.Key.StartsWith(key + "@", StringComparison.Ordinal)).Select(c => c.Value.Package.Manifest.Version).Order(StringComparer.Ordinal).ToList();

    public bool IsInstalled(string key) => _connectors.ContainsKey(key);

    private LoadedConnector Load(ConnectorPackage package)
    {
        // Each connector has its own services: its named HttpClient carries its resilience settings.
        var services = new ServiceCollection();
        services.AddSingleton(Options.Clock);
        services.AddSingleton<IConnectionHttpHandler>(_httpHandler);
        services.AddFlowHttpClient(ClientNameOf(package.Manifest.Key), HttpSettingsReader.Read(package.Manifest.Http), Options.Network);
        // Inside the retries, so every attempt draws from the budget and every answer teaches it.
        services.AddHttpClient(ClientNameOf(package.Manifest.Key)).AddHttpMessageHandler(() => new ConnectionCallHandler(package.Manifest, Budgets));
        if (Options.ConfigureHttpClient is { } configure) configure(services.AddHttpClient(ClientNameOf(package.Manifest.Key)));
        var provider = services.BuildServiceProvider();
        var flows = new ConnectorFlowProvider(package);
        var engine = new FlowEngine(new FlowEngineOptions
        {
            Registry = Registry,
            // Compiled once per flow and shared by top-level runs and CallFlow (httpHelper on every card run).
            Flows = flows,
            Clock = Options.Clock,
            Services = provider,
            MaxSteps = Options.MaxSteps,
            Journal = Options.Journal,
        });
        return new LoadedConnector(package, engine, flows, provider);
    }

    public ConnectorRuntimeOptions Options { get; }
    public ActivityRegistry Registry { get; }
    internal Auth.TokenCache Tokens { get; }
    internal TokenRefresher Refresher { get; }
    internal ConnectorHttpHandler HttpHandler => _httpHandler;
    /// <summary>Every connection's rate-limit budgets (connector.json <c>rateLimits</c>).</summary>
    public Budgets.RateBudgets Budgets { get; }
    /// <summary>Told when connections need re-authorization or connectors change; the server pauses automations then.</summary>
    public IConnectionLifecycleListener? Lifecycle { get; set; }
    /// <summary>
    /// Asked before a card or draft run takes a connection; throws <see cref="ConnectorException"/> when whoever runs it
    /// may not use that connection (the server checks its users' rights here; null: no check).
    /// </summary>
    public Func<ConnectionUse, CancellationToken, Task>? ConnectionUseCheck { get; set; }
    public IReadOnlyList<ConnectorPackage> Connectors => _connectors.Where(c => c.Key == c.Value.Package.Manifest.Key).Select(c => c.Value.Package).OrderBy(p => p.Manifest.Key, StringComparer.Ordinal).ToList();

    /// <summary>The engine's activities plus HTTP and connector activities.</summary>
    public static ActivityRegistry CreateRegistry() =>
        ActivityRegistry.CreateDefault().AddAssembly(typeof(IConnectionHttpHandler).Assembly).AddAssembly(typeof(ConnectorRuntime).Assembly);

    public static string ClientNameOf(string connectorKey) => "connector:" + connectorKey;

    public ConnectorPackage GetConnector(string key) => Loaded(key).Package;

    internal LoadedConnector Loaded(string key) =>
        _connectors.TryGetValue(key, out var loaded) ? loaded : throw new ConnectorException($"connector '{key}' is not installed");


    // --- connections ------------------------------------------------------------------------

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
        var fix = $"re-enter its secrets (PUT /api/connections/{connection.Id}) or confirm the new address (POST /api/connections/{connection.Id}/confirm-origin)";
        if (connection.Status == ConnectionStatus.NeedsReauthorization)
            throw new ActivityFaultException($"connection '{connection.Id}' needs re-authorization ({connection.StatusReason}); nothing is sent with it until then: {fix}");
        if (connection.Origin is null)
        {
            connection.Origin = CurrentOrigin(manifest, connection) ?? Connection.OriginOf(requestUri);
            await Options.Connections.SaveAsync(connection, cancellationToken);
        }
        var target = Connection.OriginOf(requestUri);
        if (target != connection.Origin)
            throw new ActivityFaultException($"connection '{connection.Id}' was authorized for {connection.Origin}, and this request goes to {target}; its credentials are not sent there: {fix}");
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

    internal async Task<Connection> GetConnectionAsync(string connectionId, CancellationToken cancellationToken)
    {
        var connection = await Options.Connections.GetAsync(connectionId, cancellationToken)
                         ?? throw new ConnectorException($"connection '{connectionId}' does not exist");
        _active[connection.Id] = connection;
        return connection;
    }

    /// <summary>The connection an executing flow runs with (cached for the run; loaded on a cold resume).</summary>
    internal Connection ConnectionFor(ActivityContext context)
    {
        var id = context.GetProperty(ConnectionProperty)
                 ?? throw new ActivityFaultException("this flow runs without a connection; choose one for the card");
        if (_active.TryGetValue(id, out var connection)) return connection;
        return GetConnectionAsync(id, context.CancellationToken).GetAwaiter().GetResult();
    }

    internal LoadedConnector ConnectorFor(ActivityContext context)
    {
        var key = context.GetProperty(ConnectorProperty) ?? throw new ActivityFaultException("this flow does not belong to a connector");
        return Loaded(key);
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
        var handler = _httpHandler;
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

    // --- running flows ------------------------------------------------------------------------

    public async Task<FlowRunResult> RunFlowAsync(string connectorKey, string flowId, string? connectionId, JsonObject? inputs,
        CancellationToken cancellationToken = default, FlowConnectors.Connectors.Budgets.BudgetLane lane = FlowConnectors.Connectors.Budgets.BudgetLane.Interactive,
        string? idempotencyBase = null, string? connectionChosenByFlow = null)
    {
        var loaded = Loaded(connectorKey);
        var properties = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ConnectorProperty] = connectorKey,
            [FlowConnectors.Connectors.Budgets.BudgetLanes.Property] = FlowConnectors.Connectors.Budgets.BudgetLanes.Name(lane),
        };
        // The card's requests derive their idempotency keys from the calling node's key, not from this run's new instance id.
        if (idempotencyBase is not null) properties[FlowConnectors.Engine.Runtime.IdempotencyKeys.BaseProperty] = idempotencyBase;
        IReadOnlyCollection<string>? secrets = null;
        if (connectionId is not null)
        {
            if (ConnectionUseCheck is { } check) await check(new ConnectionUse(connectionId, connectionChosenByFlow), cancellationToken);
            var connection = await GetConnectionAsync(connectionId, cancellationToken);
            if (connection.ConnectorKey != loaded.Package.Manifest.Key)
                throw new ConnectorException($"connection '{connectionId}' belongs to connector '{connection.ConnectorKey}', not '{loaded.Package.Manifest.Key}'");
            if (connection.Status == ConnectionStatus.Deauthorized)
                throw new ConnectorException($"connection '{connectionId}' is deauthorized{(connection.StatusReason is null ? "" : $": {connection.StatusReason}")}");
            properties[ConnectionProperty] = connectionId;
            // Known from the start, so a value echoed before any request is sent is masked too.
            secrets = connection.SecretStrings().ToList();
        }
        var compiled = loaded.Compile(flowId);
        return await loaded.Engine.RunAsync(compiled, inputs, new RunOptions { Properties = properties, Secrets = secrets }, cancellationToken);
    }

    /// <summary>
    /// Runs a flow that is not installed as it stands (the designer's unsaved card, or a derived test-step flow) inside
    /// the connector: CallFlow finds the connector's installed flows (httpHelper) and the connection applies as for any
    /// card run. <paramref name="prepare"/> writes pinned or upstream outputs into the instance before it starts.
    /// </summary>
    /// <returns>The run, and the connection's secret values: a prepared run learns them only when a request applies them,
    /// so the caller masks them in what it shows (<see cref="FlowRunResult.Secrets"/> holds the ones the run registered).</returns>
    public async Task<(FlowRunResult Run, IReadOnlyCollection<string> Secrets)> RunDraftAsync(string connectorKey, Engine.Flows.FlowDefinition flow,
        string? connectionId, JsonObject? inputs, Action<FlowInstanceState>? prepare, CancellationToken cancellationToken = default)
    {
        var loaded = Loaded(connectorKey);
        var properties = new Dictionary<string, string>(StringComparer.Ordinal) { [ConnectorProperty] = connectorKey };
        IReadOnlyCollection<string>? secrets = null;
        if (connectionId is not null)
        {
            if (ConnectionUseCheck is { } check) await check(new ConnectionUse(connectionId, null), cancellationToken);
            var connection = await GetConnectionAsync(connectionId, cancellationToken);
            if (connection.ConnectorKey != loaded.Package.Manifest.Key)
                throw new ConnectorException($"connection '{connectionId}' belongs to connector '{connection.ConnectorKey}', not '{loaded.Package.Manifest.Key}'");
            if (connection.Status == ConnectionStatus.Deauthorized)
                throw new ConnectorException($"connection '{connectionId}' is deauthorized{(connection.StatusReason is null ? "" : $": {connection.StatusReason}")}");
            properties[ConnectionProperty] = connectionId;
            secrets = connection.SecretStrings().ToList();
        }
        var compiled = loaded.Engine.Compile(flow);
        var options = new RunOptions { Properties = properties, Secrets = secrets };
        if (prepare is null) return (await loaded.Engine.RunAsync(compiled, inputs, options, cancellationToken), secrets ?? []);
        var state = loaded.Engine.CreateInstance(compiled, inputs, options);
        prepare(state);
        return (await loaded.Engine.ContinueAsync(compiled, state, cancellationToken), secrets ?? []);
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
            run = await RunFlowAsync(connection.ConnectorKey, ConnectorPackage.AuthPing, connectionId, null, cancellationToken, FlowConnectors.Connectors.Budgets.BudgetLane.Interactive);
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
            var run = await RunFlowAsync(connection.ConnectorKey, ConnectorPackage.Revoke, connectionId, null, cancellationToken);
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

    /// <summary>Loads a dynamic dropdown: runs the field's helper flow with the values it depends on.</summary>
    public async Task<JsonArray> LoadDropdownAsync(string connectorKey, string flowId, string field, string connectionId, JsonObject values,
        CancellationToken cancellationToken = default)
    {
        var flow = GetConnector(connectorKey).FindFlow(flowId) ?? throw new ConnectorException($"connector '{connectorKey}' has no flow '{flowId}'");
        if (flow.Card?.Fields.GetValueOrDefault(field)?.Dropdown is not { } source)
            throw new ConnectorException($"field '{field}' of '{flowId}' has no dynamic dropdown");
        var inputs = new JsonObject();
        foreach (var dependency in source.DependsOn)
            inputs[dependency] = values[dependency]?.DeepClone();
        var answers = VendorAnswers.Begin();
        FlowRunResult run;
        try
        {
            run = await RunFlowAsync(connectorKey, source.Flow, connectionId, inputs, cancellationToken);
        }
        catch (FlowInputException e)
        {
            // A helper flow that does not declare a dependsOn field (deploy validation refuses that now) or a bad value: the caller's 4xx, not a 500.
            throw new ConnectorException($"dropdown flow '{source.Flow}' does not accept the values of {string.Join(", ", source.DependsOn)}: {string.Join("; ", e.Problems)}");
        }
        finally { VendorAnswers.End(); }
        if (run.Status != FlowStatus.Finished) throw new ConnectorException($"dropdown flow '{source.Flow}' failed: {run.Fault?.Message}");
        // A helper that maps an error answer to an empty list would hide a wrong token: the user sees the vendor's error instead.
        if (answers.Failure is { } failure && (run.Outputs.GetValueOrDefault("items") as JsonArray ?? []).Count == 0)
            throw new ConnectorException($"dropdown flow '{source.Flow}' got no items: the vendor answered {failure}");
        var items = run.Outputs.GetValueOrDefault("items") as JsonArray ?? throw new ConnectorException($"dropdown flow '{source.Flow}' must return 'items'");
        // Okta's rule: a dropdown item is { key, value }.
        foreach (var item in items)
            if (item is not JsonObject o || o["key"] is null || o["value"] is null)
                throw new ConnectorException($"dropdown flow '{source.Flow}' returned an item that is not {{ \"key\": …, \"value\": … }}: {Engine.Values.JsonValues.ToText(item)}");
        return items;
    }

    /// <summary>
    /// Loads a card's dynamic input fields: runs its <c>dynamicInputs</c> helper flow with the values it
    /// depends on; returns <c>[{ name, label, type, required }]</c>.
    /// </summary>
    public async Task<JsonArray> LoadDynamicInputsAsync(string connectorKey, string flowId, string connectionId, JsonObject values,
        CancellationToken cancellationToken = default)
    {
        var flow = GetConnector(connectorKey).FindFlow(flowId) ?? throw new ConnectorException($"connector '{connectorKey}' has no flow '{flowId}'");
        if (flow.Card?.DynamicInputs is not { } source) throw new ConnectorException($"'{flowId}' has no dynamic inputs");
        var inputs = new JsonObject();
        foreach (var dependency in source.DependsOn) inputs[dependency] = values[dependency]?.DeepClone();
        var answers = VendorAnswers.Begin();
        FlowRunResult run;
        try { run = await RunFlowAsync(connectorKey, source.Flow, connectionId, inputs, cancellationToken); }
        finally { VendorAnswers.End(); }
        if (run.Status != FlowStatus.Finished) throw new ConnectorException($"dynamic inputs flow '{source.Flow}' failed: {run.Fault?.Message}");
        if (answers.Failure is { } failure && (run.Outputs.GetValueOrDefault("fields") as JsonArray ?? []).Count == 0)
            throw new ConnectorException($"dynamic inputs flow '{source.Flow}' got no fields: the vendor answered {failure}");
        var fields = run.Outputs.GetValueOrDefault("fields") as JsonArray
                     ?? throw new ConnectorException($"dynamic inputs flow '{source.Flow}' must return 'fields'");
        foreach (var field in fields)
            if (field is not JsonObject f || (string?)f["name"] is not { Length: > 0 } || !Engine.Values.ValueTypes.IsKnown((string?)f["type"] ?? "string"))
                throw new ConnectorException($"dynamic inputs flow '{source.Flow}' returned a field without a name or with an unknown type: {field?.ToJsonString()}");
        return fields;
    }

    // --- webhook event cards ----------------------------------------------------------------

    /// <summary>Activation: runs the card's registration flow with the event URL; returns what to keep.</summary>
    public async Task<JsonNode?> RegisterWebhookAsync(string connectorKey, string eventFlowId, string connectionId, string eventUrl, JsonObject? options,
        CancellationToken cancellationToken = default)
    {
        var card = EventCard(connectorKey, eventFlowId);
        var inputs = options?.DeepClone().AsObject() ?? [];
        inputs["eventUrl"] = eventUrl;
        var registration = GetConnector(connectorKey).FindFlow(card.Registration!)!.Definition;
        // The vendor must sign with the connection's secret: handed over as a secret input, never in flow JSON.
        if (card.Signature is { } signature && registration.Inputs.Find(i => i.Name == "signingSecret") is { } secretInput)
        {
            if (!secretInput.Secret) throw new ConnectorException($"input 'signingSecret' of '{card.Registration}' must be marked secret");
            var connection = await GetConnectionAsync(connectionId, cancellationToken);
            inputs["signingSecret"] = connection.Get(signature.SecretParameter);
        }
        var run = await RunFlowAsync(connectorKey, card.Registration!, connectionId, inputs, cancellationToken);
        if (run.Status != FlowStatus.Finished) throw new ConnectorException($"registration failed: {run.Fault?.Message}");
        // A flow declaring a 'registration' output keeps that; otherwise all its outputs are the registration
        // (e.g. GitHub's { id, owner, repo }, which its deregistration flow reads back).
        return registration.Outputs.Exists(o => o.Name == "registration")
            ? run.Outputs.GetValueOrDefault("registration")?.DeepClone()
            : run.OutputsAsJson();
    }

    public async Task DeregisterWebhookAsync(string connectorKey, string eventFlowId, string connectionId, JsonNode? registration,
        CancellationToken cancellationToken = default)
    {
        var card = EventCard(connectorKey, eventFlowId);
        var run = await RunFlowAsync(connectorKey, card.Deregistration!, connectionId, new JsonObject { ["registration"] = registration?.DeepClone() }, cancellationToken);
        if (run.Status != FlowStatus.Finished) throw new ConnectorException($"deregistration failed: {run.Fault?.Message}");
    }

    /// <summary>
    /// A delivery: verifies the signature first (nothing runs when it fails), then runs the event
    /// flow with the request's headers, query and body.
    /// </summary>
    public async Task<(SignatureCheck Check, FlowRunResult? Run)> HandleWebhookAsync(string connectorKey, string eventFlowId, string connectionId,
        IReadOnlyDictionary<string, string> headers, JsonObject query, byte[] body, JsonObject? options = null, CancellationToken cancellationToken = default)
    {
        var card = EventCard(connectorKey, eventFlowId);
        var lookup = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
        if (card.Signature is { } signature)
        {
            var connection = await GetConnectionAsync(connectionId, cancellationToken);
            var secret = connection.Get(signature.SecretParameter);
            if (string.IsNullOrEmpty(secret)) return (SignatureCheck.Invalid("the connection has no signing secret"), null);
            var check = WebhookSignatureVerifier.Verify(signature, secret, h => lookup.GetValueOrDefault(h), body, Options.Clock.GetUtcNow());
            if (!check.IsValid) return (check, null);
        }
        JsonNode? parsed;
        try { parsed = body.Length == 0 ? null : JsonNode.Parse(body); }
        catch (System.Text.Json.JsonException) { parsed = System.Text.Encoding.UTF8.GetString(body); }
        var inputs = options?.DeepClone().AsObject() ?? [];
        var request = new JsonObject
        {
            ["headers"] = new JsonObject(lookup.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), (JsonNode?)h.Value))),
            ["query"] = query.DeepClone(),
            ["body"] = parsed,
        };
        foreach (var (name, value) in request) inputs[name] = value?.DeepClone();
        var flow = GetConnector(connectorKey).FindFlow(eventFlowId)!.Definition;
        foreach (var name in inputs.Select(p => p.Key).ToList())
            if (!flow.Inputs.Exists(i => i.Name == name)) inputs.Remove(name);
        return (SignatureCheck.Valid, await RunFlowAsync(connectorKey, eventFlowId, connectionId, inputs, cancellationToken, FlowConnectors.Connectors.Budgets.BudgetLane.Events));
    }

    /// <summary>Checks a delivery's signature only (before it is stored); valid when the card has no signature settings.</summary>
    public async Task<SignatureCheck> VerifyWebhookAsync(string connectorKey, string eventFlowId, string connectionId,
        IReadOnlyDictionary<string, string> headers, byte[] body, CancellationToken cancellationToken = default)
    {
        var card = EventCard(connectorKey, eventFlowId);
        if (card.Signature is not { } signature) return SignatureCheck.Valid;
        var connection = await GetConnectionAsync(connectionId, cancellationToken);
        var secret = connection.Get(signature.SecretParameter);
        if (string.IsNullOrEmpty(secret)) return SignatureCheck.Invalid("the connection has no signing secret");
        var lookup = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
        return WebhookSignatureVerifier.Verify(signature, secret, h => lookup.GetValueOrDefault(h), body, Options.Clock.GetUtcNow());
    }

    private CardDefinition EventCard(string connectorKey, string flowId) =>
        GetConnector(connectorKey).FindFlow(flowId)?.Card is { Kind: CardKind.Event } card
            ? card
            : throw new ConnectorException($"'{flowId}' is not an event card of connector '{connectorKey}'");

    // --- polling event cards ------------------------------------------------------------------

    /// <summary>One poll: runs the flow with the stored cursor and returns new items and the next cursor.</summary>
    public async Task<PollResult> PollAsync(string connectorKey, string flowId, string connectionId, JsonNode? cursor,
        CancellationToken cancellationToken = default)
    {
        if (GetConnector(connectorKey).FindFlow(flowId)?.Card is not { Kind: CardKind.Polling })
            throw new ConnectorException($"'{flowId}' is not a polling card of connector '{connectorKey}'");
        var run = await RunFlowAsync(connectorKey, flowId, connectionId, new JsonObject { ["cursor"] = cursor?.DeepClone() }, cancellationToken,
            FlowConnectors.Connectors.Budgets.BudgetLane.Events);
        if (run.Status != FlowStatus.Finished)
            throw new ConnectorException($"polling flow '{flowId}' failed: {run.Fault?.Message}");
        var items = run.Outputs.GetValueOrDefault("items") as JsonArray ?? [];
        // A run that found nothing new keeps the old cursor rather than losing the position.
        var next = run.Outputs.GetValueOrDefault("cursor") ?? cursor;
        return new PollResult(items, next?.DeepClone(), run);
    }

    public async ValueTask DisposeAsync()
    {
        List<ServiceProvider> providers;
        lock (_installLock)
        {
            providers = [.. _retired.Concat(_connectors.Values.Select(c => c.Services)).Distinct()];
            _retired.Clear();
            _connectors = _connectors.Clear();
        }
        foreach (var provider in providers) await provider.DisposeAsync();
    }

    internal sealed class LoadedConnector(ConnectorPackage package, FlowEngine engine, ConnectorFlowProvider flows, ServiceProvider services)
    {
        public ServiceProvider Services { get; } = services;
        public IHttpMessageHandlerFactory HttpHandlers => Services.GetRequiredService<IHttpMessageHandlerFactory>();
        public ConnectorPackage Package { get; } = package;
        public FlowEngine Engine { get; } = engine;

        public CompiledFlow Compile(string flowId) =>
            flows.FindCompiled(flowId, Engine) ?? throw new ConnectorException($"connector '{Package.Manifest.Key}' has no flow '{flowId}'");
    }

    /// <summary>
    /// A connector's flows for CallFlow, compiled once each: a loaded package never changes, so
    /// there is no reason to compile httpHelper again on every card run.
    /// </summary>
    internal sealed class ConnectorFlowProvider(ConnectorPackage package) : ICompiledFlowProvider
    {
        private readonly ConcurrentDictionary<string, CompiledFlow> _compiled = new(StringComparer.Ordinal);
        private FlowEngine? _owner;

        public ValueTask<Engine.Flows.FlowDefinition?> FindAsync(string flowId, CancellationToken cancellationToken) =>
            ValueTask.FromResult(package.FindFlow(flowId)?.Definition);

        public ValueTask<CompiledFlow?> FindCompiledAsync(string flowId, FlowEngine engine, CancellationToken cancellationToken) =>
            ValueTask.FromResult(FindCompiled(flowId, engine));

        public CompiledFlow? FindCompiled(string flowId, FlowEngine engine)
        {
            if (package.FindFlow(flowId) is not { } flow) return null;
            // The cache holds compilations of one engine (the connector's); any other engine compiles its own.
            var owner = Interlocked.CompareExchange(ref _owner, engine, null) ?? engine;
            if (!ReferenceEquals(owner, engine)) return engine.Compile(flow.Definition);
            return _compiled.GetOrAdd(flowId, static (_, state) => state.engine.Compile(state.definition), (engine, definition: flow.Definition));
        }
    }
}
