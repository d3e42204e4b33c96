using System.ComponentModel.DataAnnotations;

namespace FlowConnectors.Server.Hosting;

/// <summary>Server settings (section "FlowConnectors" of configuration, or environment FlowConnectors__X).</summary>
public sealed class ServerOptions
{
    /// <summary>
    /// A Connector.Action that would wait longer than this for its connection's rate-limit budget suspends its
    /// instance durably (resumed by the scheduler) instead of holding a worker; interactive runs always wait.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "24.00:00:00")]
    public TimeSpan? SuspendBudgetWaitsLongerThan { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Where the server listens; loopback only unless configured otherwise.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5080";
    /// <summary>Holds the SQLite database, the API key file and the data-protection keys.</summary>
    public string DataFolder { get; set; } = "data";
    /// <summary>The sample connectors and flows loaded at start.</summary>
    public string FlowsFolder { get; set; } = "flows";
    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public string Database { get; set; } = "sqlite";
    /// <summary>For postgres; for sqlite the default is a file in the data folder.</summary>
    public string? ConnectionString { get; set; }
    /// <summary>The address vendors use to reach webhook and callback URLs (defaults to <see cref="Urls"/>).</summary>
    public string? PublicBaseUrl { get; set; }
    /// <summary>How long a synchronous run or an HTTP endpoint waits before answering 202.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "24.00:00:00")]
    public TimeSpan SyncTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Largest request body accepted by webhook, callback and API endpoints.</summary>
    [Range(typeof(long), "1", "9223372036854775807")]
    public long MaxBodyBytes { get; set; } = 1024 * 1024;
    /// <summary>How deeply a JSON request body may nest (System.Text.Json's own limit is 64).</summary>
    [Range(1, int.MaxValue)]
    public int MaxBodyDepth { get; set; } = 64;
    /// <summary>
    /// How deeply a body that becomes run data may nest: hook, callback, webhook and event bodies and run inputs.
    /// A run keeps it inside its state a few levels deeper, and that state must still serialize (64 levels),
    /// so such a body is refused up front rather than run and then fail to save.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxInputDepth { get; set; } = 32;
    /// <summary>
    /// A connection is tested (its connector's <c>_authping</c>) when it is created and when a secret is replaced, so its
    /// status is its last test. Off only for setups whose connections point at vendors that cannot be reached.
    /// </summary>
    public bool TestConnectionsOnCreate { get; set; } = true;
    /// <summary>A fixed API key (tests, automation); when empty the first start creates one.</summary>
    public string? ApiKey { get; set; }
    /// <summary>How long one worker may hold an instance before another may take it over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "24.00:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>How often background workers look for work (inbox, timers, orphaned instances).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "24.00:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);
    /// <summary>How long ended runs are kept (FlowConnectors:Retention); see README "Retention".</summary>
    public Persistence.RetentionSettings Retention { get; set; } = new();
    /// <summary>Traces, metrics and /metrics (FlowConnectors:Telemetry); see README "Metrics and traces".</summary>
    public TelemetryOptions Telemetry { get; set; } = new();

    /// <summary>
    /// Named server secrets (FlowConnectors:Secrets:&lt;name&gt;, e.g. environment FlowConnectors__Secrets__acmeHook),
    /// which an HTTP endpoint trigger's auth references by name so no secret is written in flow JSON.
    /// </summary>
    public Dictionary<string, string> Secrets { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Which internal addresses flows may call (section FlowConnectors:Network).</summary>
    public NetworkOptions Network { get; set; } = new();
    /// <summary>How the data-protection key ring is protected at rest (section FlowConnectors:DataProtection).</summary>
    public KeyRingOptions DataProtection { get; set; } = new();
    /// <summary>Users, sign-in, sessions and API keys (section FlowConnectors:Access).</summary>
    public AccessOptions Access { get; set; } = new();
    /// <summary>
    /// The wall-clock budget of one run (from its start, or from its resume, to its end or suspension):
    /// a run still going then is stopped and its instance faulted with that reason.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "24.00:00:00")]
    public TimeSpan RunTimeout { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>
    /// A synchronous run (HTTP endpoint, <c>mode: sync</c>) is stored only when it ends, unless it runs longer
    /// than this: then it is stored as running at once, so it is listed and can be cancelled.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "24.00:00:00")]
    public TimeSpan RunVisibleAfter { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Runs executing at once in this process; more wait in a queue. 0: four per processor core (at least 8).</summary>
    [Range(0, int.MaxValue)]
    public int MaxConcurrentRuns { get; set; }
    /// <summary>Runs of one flow executing at once; more wait in a queue. 0: one per processor core (at least 2).</summary>
    [Range(0, int.MaxValue)]
    public int MaxConcurrentRunsPerFlow { get; set; }
    /// <summary>Synchronous runs (HTTP endpoints, sync runs) that may wait for a slot; beyond it they answer 503 with Retry-After.</summary>
    [Range(0, int.MaxValue)]
    public int MaxQueuedRuns { get; set; } = 1000;
    /// <summary>An instance whose runs killed the process this many times is faulted as poisoned, not run again.</summary>
    [Range(1, int.MaxValue)]
    public int MaxCrashRecoveries { get; set; } = 3;
    /// <summary>Failed processing attempts of a stored event, callback or delivery before it is dead-lettered.</summary>
    [Range(1, int.MaxValue)]
    public int MaxDeliveryAttempts { get; set; } = 5;
    /// <summary>Deepest nesting of JSON objects and arrays accepted in an event or callback payload.</summary>
    [Range(1, int.MaxValue)]
    public int MaxPayloadDepth { get; set; } = 32;
    /// <summary>
    /// Bytes of stored callbacks, events and deliveries (their bodies and payloads as text) the inbox worker holds in memory
    /// at most, so a burst of large bodies cannot grow the server without bound: beyond it a callback is stored for later and
    /// no more are claimed until some are done (one larger than this is still taken when nothing else is held: the bound is
    /// this plus one body). 64 MiB: 64 bodies of the default <see cref="MaxBodyBytes"/>, as many as are processed at once on
    /// 4 cores; bodies of a few KB never reach it (their count limit, 512 in hand on 2 cores, binds first).
    /// </summary>
    [Range(typeof(long), "1", "9223372036854775807")]
    public long InboxBytesInHand { get; set; } = 64 * 1024 * 1024;
    /// <summary>How long an event nobody waits for is kept for an instance that starts waiting later; then it expires.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan EventRetention { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>
    /// This node's stable name: leases carry it, and a node that restarts takes back its own instances at once.
    /// Empty: a name created on first start and kept in the data folder (<c>node-id</c>). Unique per process.
    /// </summary>
    public string? NodeId { get; set; }
    /// <summary>
    /// Base64 key (32 bytes or more) that callback tokens are derived from. Empty: one created on first start and
    /// kept in the data folder (<c>callback-secret</c>, 0600). Nodes of a cluster must share it.
    /// </summary>
    public string? CallbackSecret { get; set; }

    /// <summary>
    /// Relative folders are taken from the repository root when the server runs inside a checkout
    /// (dotnet run starts in the project folder), else from the current directory.
    /// </summary>
    public void ResolvePaths()
    {
        var root = FindRepositoryRoot(Directory.GetCurrentDirectory()) ?? Directory.GetCurrentDirectory();
        if (!Path.IsPathRooted(DataFolder)) DataFolder = Path.GetFullPath(Path.Combine(root, DataFolder));
        if (!Path.IsPathRooted(FlowsFolder)) FlowsFolder = Path.GetFullPath(Path.Combine(root, FlowsFolder));
    }

    private static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FlowConnectors.sln"))) return dir.FullName;
        return null;
    }

    /// <summary>Connectors installed while the server runs (designer, Postman import, templates, catalog).</summary>
    public string InstalledConnectorsFolder => Path.Combine(DataFolder, "connectors");

    public string BaseUrl => (PublicBaseUrl ?? Urls.Split(';')[0]).TrimEnd('/');

    /// <summary>The durable runtime's settings, from these.</summary>
    public FlowConnectors.Runtime.RuntimeOptions ToRuntimeOptions() => new()
    {
        DataFolder = DataFolder,
        LeaseDuration = LeaseDuration,
        PollInterval = PollInterval,
        RunTimeout = RunTimeout,
        RunVisibleAfter = RunVisibleAfter,
        MaxConcurrentRuns = MaxConcurrentRuns,
        MaxConcurrentRunsPerFlow = MaxConcurrentRunsPerFlow,
        MaxQueuedRuns = MaxQueuedRuns,
        MaxCrashRecoveries = MaxCrashRecoveries,
        MaxDeliveryAttempts = MaxDeliveryAttempts,
        MaxPayloadDepth = MaxPayloadDepth,
        MaxPayloadBytes = MaxBodyBytes,
        InboxBytesInHand = InboxBytesInHand,
        EventRetention = EventRetention,
        NodeId = NodeId,
        CallbackSecret = CallbackSecret,
    };
}

/// <summary>The server's network policy: internal addresses are refused unless listed here.</summary>
public sealed class NetworkOptions
{
    /// <summary>
    /// Host names (<c>api.corp</c>, <c>*.corp.example</c>), addresses (<c>127.0.0.1</c>) or CIDR ranges
    /// (<c>10.0.0.0/8</c>) flows may call although they are loopback, link-local or private. Empty: none.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];
}

/// <summary>Encryption of the data-protection key ring (which encrypts connection secrets).</summary>
public sealed class KeyRingOptions
{
    /// <summary>A PFX file whose certificate encrypts the key ring at rest; empty keeps the keys unencrypted, readable only by the server's user (0600).</summary>
    public string? Certificate { get; set; }
    /// <summary>The PFX file's password, if it has one (pass it through the environment, not a file).</summary>
    public string? CertificatePassword { get; set; }
}

/// <summary>Users, sign-in and API keys (section FlowConnectors:Access).</summary>
public sealed class AccessOptions
{
    /// <summary>Print a one-time sign-in URL (signs the owner in) at every start, as Jupyter does.</summary>
    public bool PrintSignInUrl { get; set; } = true;
    /// <summary>How long the printed sign-in URL works (once).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan SignInUrlLifetime { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>How long a browser session lasts without activity.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(8);
    /// <summary>Wrong passwords in a row before Identity locks the account.</summary>
    [Range(1, int.MaxValue)]
    public int MaxFailedSignIns { get; set; } = 5;
    /// <summary>How long such a lockout lasts.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>
    /// Lets the submitter of a catalog version approve it (a one-person installation or a test fixture). Off by default:
    /// a submission is reviewed by someone else.
    /// </summary>
    public bool AllowSelfApproval { get; set; }
    /// <summary>OpenID Connect providers offered as "Sign in with …" (section FlowConnectors:Access:Oidc:&lt;name&gt;).</summary>
    public Dictionary<string, OidcProviderOptions> Oidc { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One OpenID Connect provider (Okta, Entra ID, Keycloak, …) and how its claims become roles.</summary>
public sealed class OidcProviderOptions
{
    /// <summary>The button's text: "Sign in with {DisplayName}".</summary>
    public string? DisplayName { get; set; }
    /// <summary>The issuer, e.g. https://login.microsoftonline.com/&lt;tenant&gt;/v2.0 (its /.well-known/openid-configuration is read).</summary>
    public string Authority { get; set; } = "";
    public string ClientId { get; set; } = "";
    public string? ClientSecret { get; set; }
    /// <summary>Scopes asked for besides openid and profile.</summary>
    public List<string> Scopes { get; set; } = ["email"];
    /// <summary>The claim whose values are mapped to roles (e.g. groups, roles).</summary>
    public string RoleClaim { get; set; } = "groups";
    /// <summary>Claim value → FlowConnectors role (owner is never granted this way).</summary>
    public Dictionary<string, string> RoleMap { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Roles every user of this provider gets (empty: none; a user with no role can sign in and do nothing).</summary>
    public List<string> DefaultRoles { get; set; } = [];
    /// <summary>Allow http:// authorities (a local test provider); never in production.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}
