using FlowConnectors.Server.Hosting.Contracts;
using FlowConnectors.Collection;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Activities.Events;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Http;
using FlowConnectors.Http.Network;
using FlowConnectors.Persistence;
using FlowConnectors.Persistence.Shared;
using FlowConnectors.Runtime;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Endpoints;
using FlowConnectors.Server.Hosting.Access;
using FlowConnectors.Server.Runtime;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace FlowConnectors.Server;

/// <summary>
/// The server's modules, one registration each, in the order <see cref="ServerApp"/> lists them (hosted services
/// start in registration order, so that order is kept).
/// </summary>
internal static class ServerModules
{
    /// <summary>The HTTP API's plumbing: RFC 9457 problems (422 with JSON paths for validation), strict JSON numbers, OpenAPI.</summary>
    public static IServiceCollection AddFlowApi(this IServiceCollection services)
    {
        // Before AddProblemDetails: the first writer that accepts a problem writes it.
        services.AddSingleton<IProblemDetailsWriter, Hosting.Contracts.ValidationProblemWriter>();
        // The problems the framework writes itself (no route, a method or content type the route does not take) say what
        // was wrong, as the server's own do.
        services.AddProblemDetails(options => options.CustomizeProblemDetails = Hosting.FrameworkProblems.Describe);
        // A query or route value that does not bind (take=abc) is thrown to ClientErrorHandler, which names it; by default
        // (outside Development) it was an empty 400, its reason only in a Debug log line.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddValidation();
        // Numbers are numbers: the web default also reads "5" as 5, which OpenAPI then declares as integer-or-string.
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict);
        services.AddExceptionHandler<ClientErrorHandler>();
        // A full or unreachable database: 503 with Retry-After and the cause instead of a 500 (the request was not stored).
        services.AddExceptionHandler<StorageFailureHandler>();
        services.AddOpenApi(options => options
            .AddSchemaTransformer(OmittedMembers.NotRequiredAsync)
            .AddSchemaTransformer(ProblemErrors.DescribeAsync)
            .AddDocumentTransformer((document, _, _) =>
            {
                FormatMetadata.DescribeFormatMembers(document);
                return Task.CompletedTask;
            }));
        return services;
    }

    /// <summary>Outbound HTTP under the network policy (which hosts flows and connectors may call).</summary>
    public static IServiceCollection AddFlowNetwork(this IServiceCollection services, NetworkPolicy network)
    {
        services.AddSingleton(network);
        services.AddFlowHttp(network: network);
        return services;
    }

    /// <summary>
    /// Data Protection (connections' secrets at rest): the key ring in the data folder (0600), or in the database when
    /// several nodes share PostgreSQL; optionally protected by a certificate.
    /// </summary>
    public static IServiceCollection AddFlowDataProtection(this IServiceCollection services, ServerOptions options)
    {
        var protection = services.AddDataProtection().SetApplicationName("FlowConnectors");
        // Several nodes on one PostgreSQL share the key ring through it: a connection encrypted on one is decrypted on another.
        if (options.IsClustered()) protection.PersistKeysToFlowDatabase();
        else services.AddOptions<KeyManagementOptions>().Configure<ILoggerFactory>((keys, loggers) => keys.XmlRepository = new PrivateKeyRing(options.KeyRingFolder(), loggers));
        if (options.DataProtection.Certificate is { Length: > 0 } certificatePath)
        {
            var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(
                Path.GetFullPath(certificatePath), options.DataProtection.CertificatePassword);
            protection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }
        return services;
    }

    /// <summary>The store: SQLite in the data folder by default (<paramref name="sqliteFile"/>), or PostgreSQL.</summary>
    public static IServiceCollection AddFlowStore(this IServiceCollection services, ServerOptions options, string? sqliteFile) =>
        services.AddFlowPersistence(options.IsClustered()
            ? PersistenceOptions.Postgres(options.ConnectionString ?? throw new StartupSettingException("FlowConnectors:ConnectionString is required when FlowConnectors:Database is postgres"))
            : PersistenceOptions.Sqlite(options.ConnectionString ?? sqliteFile!));

    /// <summary>Signed callback URLs (/callbacks/&lt;token&gt;) at the public address.</summary>
    public static IServiceCollection AddFlowCallbacks(this IServiceCollection services, ServerOptions options)
    {
        // The public address, or else the one Kestrel actually bound (the configured port may be 0).
        services.AddSingleton<ICallbackBase>(provider => new PublicBase(() => options.PublicBaseUrl?.TrimEnd('/')
            ?? provider.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
                .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses.FirstOrDefault()?.TrimEnd('/')
            ?? options.BaseUrl));
        // On one node the key file is made at start, as it always was; a cluster's key comes from the database once it is migrated.
        if (options.IsClustered())
            services.AddSingleton(provider => CallbackSigner.FromDatabase(provider.GetRequiredService<IClusterSecrets>(), provider.GetRequiredService<IDataProtectionProvider>()));
        else
            services.AddSingleton(new CallbackSigner(options.KeyRingFolder()));
        services.AddSingleton<ICallbackUrls>(provider => new CallbackUrls(provider.GetRequiredService<ICallbackBase>(), provider.GetRequiredService<CallbackSigner>()));
        return services;
    }

    /// <summary>
    /// Connectors: the activity registry, the connector runtime (the connector folders and pinned versions, loaded at start),
    /// installing and authoring connectors, other nodes' installs, and connections' lifecycle.
    /// </summary>
    public static IServiceCollection AddFlowConnectorRuntime(this IServiceCollection services, ServerOptions options, NetworkPolicy network, TimeProvider clock)
    {
        var registry = ConnectorRuntime.CreateRegistry().AddAssembly(typeof(Scheduling.DurableScheduler).Assembly).AddCollection();
        services.AddSingleton(registry);
        services.AddSingleton(provider =>
        {
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("FlowConnectors.Startup");
            var validator = new FlowEngine(new FlowEngineOptions { Registry = registry });
            var packages = StartupLoader.LoadConnectors(options, validator, logger);
            var runtime = new ConnectorRuntime(packages, new ConnectorRuntimeOptions
            {
                Connections = provider.GetRequiredService<IConnectionStore>(),
                Clock = clock,
                Network = network,
                // Shared by every node through the database: one budget, one token refresh at a time.
                Budgets = provider.GetRequiredService<Connectors.Budgets.IRateBudgetStore>(),
                RefreshLeases = provider.GetRequiredService<IConnectionRefreshLeases>(),
                SuspendBudgetWaitsLongerThan = options.SuspendBudgetWaitsLongerThan,
                TestOnCreate = options.TestConnectionsOnCreate,
            });
            // Connectors made from collection templates run Collection.StoreUsers (a preview runs their collect flow here).
            runtime.Registry.AddCollection();
            foreach (var pinned in StartupLoader.LoadPinnedVersions(Path.Combine(options.DataFolder, "connector-versions"), validator, logger))
                runtime.Installed.InstallPinned(pinned);
            return runtime;
        });
        services.AddSingleton<ConnectorInstaller>();
        services.AddSingleton<ConnectorAuthoring>();
        services.AddSingleton<ClusterChangeListener>();
        services.AddHostedService(provider => provider.GetRequiredService<ClusterChangeListener>());
        services.AddSingleton<Connections.ConnectionLifecycle>();
        return services;
    }

    /// <summary>The connector catalog (packages submitted, reviewed and installed).</summary>
    public static IServiceCollection AddFlowCatalog(this IServiceCollection services)
    {
        // The catalog lives in the database (ICatalogStore, registered by AddFlowPersistence), shared by every node.
        services.AddSingleton<FlowConnectors.Catalog.ICatalogInstallTarget, CatalogInstallTarget>();
        FlowConnectors.Catalog.CatalogServices.AddFlowCatalog(services);
        return services;
    }

    /// <summary>Delays, timers, cron and daily schedules.</summary>
    public static IServiceCollection AddFlowScheduling(this IServiceCollection services)
    {
        Scheduling.SchedulerService.Register(services);
        return services;
    }

    /// <summary>Data collection: templates' runs on their timers.</summary>
    public static IServiceCollection AddFlowCollection(this IServiceCollection services)
    {
        // The collection module itself (FlowConnectors.Collection) with the server's adapters for what it needs.
        return services.AddCollectionHost();
    }

    /// <summary>Removing ended instances, journals and deliveries past their retention.</summary>
    public static IServiceCollection AddFlowRetention(this IServiceCollection services)
    {
        services.AddSingleton<RetentionWorker>();
        services.AddHostedService(provider => provider.GetRequiredService<RetentionWorker>());
        return services;
    }

    /// <summary>Logs (each with its node), traces and metrics.</summary>
    public static WebApplicationBuilder AddFlowTelemetry(this WebApplicationBuilder builder, ServerOptions options)
    {
        Telemetry.Add(builder, options);
        NodeScopedLoggerFactory.Use(builder.Services);
        return builder;
    }

    /// <summary>Who may do what: API keys, sign-in (password, OIDC), roles and permissions.</summary>
    public static IServiceCollection AddFlowAccess(this IServiceCollection services, ServerOptions options)
    {
        AccessServices.Add(services, options);
        return services;
    }

    /// <summary>Whether several nodes share one PostgreSQL database.</summary>
    internal static bool IsClustered(this ServerOptions options) => options.Database == "postgres";

    /// <summary>The single node's key folder: Data Protection's key ring and the callback signing key.</summary>
    internal static string KeyRingFolder(this ServerOptions options) => Path.Combine(options.DataFolder, DataFiles.KeyRing);

    /// <summary>The SQLite file in the data folder, when the server uses the default database; null otherwise.</summary>
    internal static string? DefaultSqliteFile(this ServerOptions options) =>
        options.IsClustered() ? null : options.ConnectionString is null ? Path.Combine(options.DataFolder, DataFiles.Database) : null;

    private sealed class PublicBase(Func<string> baseUrl) : ICallbackBase
    {
        public string Get() => baseUrl();
    }

    private sealed class CallbackUrls(ICallbackBase baseUrl, CallbackSigner signer) : ICallbackUrls
    {
        public string UrlFor(string token) => $"{baseUrl.Get()}/callbacks/{signer.Sign(token)}";
    }
}
