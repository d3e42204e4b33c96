using System.Text.Json.Nodes;
using FlowConnectors.Collection;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Activities.Events;
using FlowConnectors.Runtime;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Http;
using FlowConnectors.Http.Network;
using FlowConnectors.Persistence;
using FlowConnectors.Persistence.Shared;
using FlowConnectors.Server.Endpoints;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Access;
using FlowConnectors.Server.Hosting.Contracts;
using FlowConnectors.Server.Runtime;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace FlowConnectors.Server;

/// <summary>Builds the server: one call for Program.cs and for tests that start it on 127.0.0.1.</summary>
public static class ServerApp
{
    public static async Task<WebApplication> BuildAsync(string[] args, Action<ServerOptions>? configure = null, TimeProvider? clock = null)
    {
        // No configuration reload: its file watcher covers the content root, and a data folder inside it would
        // wake the watcher on every SQLite write. Settings are read at start; restart to change them.
        // The application name is the server's own, also when a test host starts it: OpenAPI names the document and
        // untagged operations after it, and the designer's client is generated from that document.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false", .. args],
            ApplicationName = typeof(ServerApp).Assembly.GetName().Name,
        });
        // Defaults below every other source: started from another folder the server finds no appsettings.json,
        // and must not then log every SQL statement.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = LoggingDefaults });
        ServerOptions options;
        try
        {
            options = builder.Configuration.GetSection("FlowConnectors").Get<ServerOptions>() ?? new ServerOptions();
        }
        catch (InvalidOperationException e)
        {
            throw new StartupSettingException(SettingValues.DescribeBindingFailure(e));
        }
        var kestrelBinds = ListenAddresses.Resolve(builder.Configuration, options);
        configure?.Invoke(options);
        SettingValues.EnsureInRange(options);
        options.ResolvePaths();
        try
        {
            DataFiles.CreatePrivateFolder(options.DataFolder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupSettingException($"the data folder {options.DataFolder} cannot be created or written (FlowConnectors:DataFolder): {e.Message}");
        }
        var network = NetworkPolicy.Restricted(options.Network.AllowedHosts);
        if (!kestrelBinds)
        {
            ListenAddresses.EnsureFree(options.Urls);
            builder.WebHost.UseUrls(options.Urls);
        }
        // A request's code runs on the pool thread that received it, and its response is sent from there, instead of being
        // handed to another pool thread and an I/O queue: at one connection that was about 8 context switches per request
        // (4.5 with this). Only while socket completions run on pool threads (RequestScheduling), so a request that computes
        // holds only its own connection.
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = RequestScheduling.PreferInline());
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Every body the server reads goes through Problems.ReadBodyAsync, which enforces MaxBodyBytes itself and
            // answers 413. Kestrel's own limit would close the connection instead: the client sees a reset, also when
            // an endpoint that never reads the body is sent a large one (Kestrel drains an unread body for at most 5 s).
            kestrel.Limits.MaxRequestBodySize = null;
        });
        clock ??= TimeProvider.System;

        var sqliteFile = options.DefaultSqliteFile();
        var clustered = options.IsClustered();

        // The modules, in this order (hosted services start in registration order).
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(clock);
        services.AddFlowApi();
        services.AddFlowNetwork(network);
        services.AddFlowDataProtection(options);
        services.AddFlowStore(options, sqliteFile);
        services.AddFlowCallbacks(options);
        services.AddFlowConnectorRuntime(options, network, clock);
        services.AddFlowCatalog();
        services.AddFlowScheduling();
        services.AddFlowCollection();
        services.AddFlowRuntime(options.ToRuntimeOptions());
        services.AddFlowRetention();
        builder.AddFlowTelemetry(options);
        services.AddFlowAccess(options);

        var app = builder.Build();
        ClusterStartupLock startupLock;
        try
        {
            // Nodes starting together on one PostgreSQL take turns from here to the owner's setup.
            startupLock = await ClusterStartupLock.AcquireAsync(app.Services);
            await PersistenceInitializer.MigrateAsync(app.Services);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or ArgumentException or System.Net.Sockets.SocketException or IOException
                                   || e.InnerException is System.Data.Common.DbException or System.Net.Sockets.SocketException)
        {
            var which = options.Database == "postgres" ? "the PostgreSQL database (FlowConnectors:ConnectionString)" : options.ConnectionString is null ? $"the SQLite database {sqliteFile}" : "the SQLite database (FlowConnectors:ConnectionString)";
            throw new StartupSettingException($"{which} could not be opened: {e.Message}");
        }
        if (sqliteFile is not null) DataFiles.RestrictSqliteFiles(sqliteFile);
        var startupLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("FlowConnectors");
        WorkflowHost host;
        ConnectorRuntime connectors;
        int flowCount;
        string ownerId, keyMessage;
        await using (startupLock)
        {
            // The first node creates the shared key ring's first key; the others find it.
            if (clustered) app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("FlowConnectors.Startup").Protect([1]);
            // Connectors installed through any node, copied from the database before the runtime loads the folders.
            await ConnectorInstaller.PrepareFoldersAsync(options, app.Services.GetRequiredService<IInstalledConnectorStore>(), startupLogger);
            // A catalog an earlier version kept in <data>/catalog is copied into the database once.
            await FlowConnectors.Catalog.CatalogFolderImport.ImportOnceAsync(app.Services.GetRequiredService<FlowConnectors.Catalog.ConnectorCatalog>(),
                Path.Combine(options.DataFolder, "catalog"), startupLogger);
            host = app.Services.GetRequiredService<WorkflowHost>();
            await host.ReclaimLeasesAsync();
            connectors = app.Services.GetRequiredService<ConnectorRuntime>();
            connectors.Connections.Lifecycle = app.Services.GetRequiredService<Connections.ConnectionLifecycle>();
            flowCount = await StartupLoader.LoadFlowsAsync(options, host.Engine, app.Services.GetRequiredService<IFlowStore>(),
                app.Services.GetRequiredService<TriggerRegistry>(), startupLogger);
            (ownerId, keyMessage) = await AccessSetup.EnsureAsync(app.Services, options, clock);
            var connectionRights = app.Services.GetRequiredService<ConnectionRights>();
            connectionRights.InstallationOwnerId = ownerId;
            connectors.Connections.ConnectionUseCheck = connectionRights.CheckTestRunUseAsync;
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        DesignerEndpoints.Map(app, startupLogger);
        AccessServices.Use(app);
        app.UseMiddleware<NulGuard>();
        app.MapOpenApi("/openapi/v1.json");
        // The management API under /api (API key required), one group per resource.
        var api = app.MapGroup("/api").ProducesAccessProblems();
        api.MapActivities();
        api.MapFlows();
        api.MapDrafts();
        api.MapInstances();
        api.MapConnectors();
        api.MapConnections();
        api.MapEvents();
        // Product-specific: the Workspace ONE Intelligence app approvals, beside their flows (flows/app-approvals).
        api.MapAppApprovals();
        InboundEndpoints.Map(app);
        app.MapAutomations();
        OAuthEndpoints.Map(app);
        ConnectorAuthoringEndpoints.Map(app);
        CatalogEndpoints.Map(app);
        PostmanEndpoints.Map(app);
        CollectionEndpoints.Map(app);
        app.MapIncidents();
        InstanceRepairEndpoints.Map(app);
        Telemetry.Map(app, options);
        SessionEndpoints.Map(app);
        HealthEndpoints.Map(app);
        AccessEndpoints.Map(app);
        ConnectionSharingEndpoints.Map(app);

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var message = $"FlowConnectors is listening on {string.Join(", ", app.Urls)} — {connectors.Installed.Connectors.Count} connectors, {flowCount} flows. " +
                          $"{keyMessage}; send it as {ApiKeyAuthenticationHandler.Header}. OpenAPI: {(options.PublicBaseUrl ?? app.Urls.FirstOrDefault() ?? options.BaseUrl).TrimEnd('/')}/openapi/v1.json";
            Console.WriteLine(message);
            // As Jupyter does: a one-time link that opens the designer signed in as the owner (who chooses a password on first use).
            if (options.Access.PrintSignInUrl)
            {
                var token = app.Services.GetRequiredService<SignInTokens>().Issue(ownerId, options.Access.SignInUrlLifetime);
                var baseUrl = (options.PublicBaseUrl ?? app.Urls.FirstOrDefault() ?? options.BaseUrl).TrimEnd('/');
                Console.WriteLine($"Sign in: {baseUrl}/signin?token={token} (once, within {options.Access.SignInUrlLifetime.TotalMinutes:0} minutes)");
            }
        });
        return app;
    }

    /// <summary>What appsettings.json says about logging, for a server started where that file is not found.</summary>
    private static readonly Dictionary<string, string?> LoggingDefaults = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
        ["Logging:LogLevel:Microsoft.Extensions.Http"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Warning",
    };
}
