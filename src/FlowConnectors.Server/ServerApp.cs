using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Activities.Events;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Http;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Endpoints;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Runtime;
using Microsoft.AspNetCore.DataProtection;

namespace FlowConnectors.Server;

/// <summary>Builds the server: one call for Program.cs and for tests that start it on 127.0.0.1.</summary>
public static class ServerApp
{
    public static async Task<WebApplication> BuildAsync(string[] args, Action<ServerOptions>? configure = null, TimeProvider? clock = null)
    {
        // No configuration reload: its file watcher covers the content root, and a data folder inside it would
        // wake the watcher on every SQLite write. Settings are read at start; restart to change them.
        var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
        var options = builder.Configuration.GetSection("FlowConnectors").Get<ServerOptions>() ?? new ServerOptions();
        configure?.Invoke(options);
        options.ResolvePaths();
        Directory.CreateDirectory(options.DataFolder);
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Every body the server reads goes through Problems.ReadBodyAsync, which enforces MaxBodyBytes itself and
            // answers 413. Kestrel's own limit would close the connection instead: the client sees a reset, also when
            // an endpoint that never reads the body is sent a large one (Kestrel drains an unread body for at most 5 s).
            kestrel.Limits.MaxRequestBodySize = null;
        });
        clock ??= TimeProvider.System;

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(clock);
        services.AddProblemDetails();
        services.AddExceptionHandler<ClientErrorHandler>();
        services.AddOpenApi();
        services.AddFlowHttp();
        var protection = services.AddDataProtection()
            .SetApplicationName("FlowConnectors")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(options.DataFolder, "keys")));
        services.AddFlowPersistence(options.Database == "postgres"
            ? PersistenceOptions.Postgres(options.ConnectionString ?? throw new InvalidOperationException("FlowConnectors:ConnectionString is required for postgres"))
            : PersistenceOptions.Sqlite(options.ConnectionString ?? Path.Combine(options.DataFolder, "flowconnectors.db")));
        var registry = ConnectorRuntime.CreateRegistry().AddAssembly(typeof(Scheduling.DurableScheduler).Assembly);
        services.AddSingleton(registry);
        // The public address, or else the one Kestrel actually bound (the configured port may be 0).
        services.AddSingleton<ICallbackBase>(provider => new PublicBase(() => options.PublicBaseUrl?.TrimEnd('/')
            ?? provider.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
                .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses.FirstOrDefault()?.TrimEnd('/')
            ?? options.BaseUrl));
        services.AddSingleton<ICallbackUrls>(provider => new CallbackUrls(provider.GetRequiredService<ICallbackBase>()));
        services.AddSingleton(provider =>
        {
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("FlowConnectors.Startup");
            var validator = new FlowEngine(new FlowEngineOptions { Registry = registry });
            var packages = StartupLoader.LoadConnectors(options, validator, logger);
            var runtime = new ConnectorRuntime(packages, new ConnectorRuntimeOptions
            {
                Connections = provider.GetRequiredService<IConnectionStore>(),
                Clock = clock,
            });
            foreach (var pinned in StartupLoader.LoadPinnedVersions(Path.Combine(options.DataFolder, "connector-versions"), validator, logger))
                runtime.InstallPinned(pinned);
            return runtime;
        });
        services.AddSingleton<ConnectorInstaller>();
        services.AddSingleton<CatalogService>();
        services.AddSingleton<SchedulerService>();
        services.AddSingleton(provider => new Lazy<SchedulerService>(provider.GetRequiredService<SchedulerService>));
        services.AddHostedService(provider => provider.GetRequiredService<SchedulerService>());
        services.AddSingleton<CollectionService>();
        services.AddHostedService(provider => provider.GetRequiredService<CollectionService>());
        services.AddSingleton<WorkflowHost>();
        services.AddSingleton<TriggerRegistry>();
        services.AddSingleton<BackgroundWorkers>();
        services.AddHostedService(provider => provider.GetRequiredService<BackgroundWorkers>());

        var app = builder.Build();
        await PersistenceInitializer.MigrateAsync(app.Services);
        var startupLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("FlowConnectors");
        var host = app.Services.GetRequiredService<WorkflowHost>();
        var connectors = app.Services.GetRequiredService<ConnectorRuntime>();
        var flowCount = await StartupLoader.LoadFlowsAsync(options, host.Engine, app.Services.GetRequiredService<IFlowStore>(),
            app.Services.GetRequiredService<TriggerRegistry>(), startupLogger);
        var keyMessage = await ApiKeys.EnsureAsync(app.Services.GetRequiredService<IApiKeyStore>(), options);

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        DesignerEndpoints.Map(app, startupLogger);
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseMiddleware<NulGuard>();
        app.MapOpenApi("/openapi/v1.json");
        ManagementEndpoints.Map(app);
        InboundEndpoints.Map(app);
        AutomationEndpoints.Map(app);
        OAuthEndpoints.Map(app);
        ConnectorAuthoringEndpoints.Map(app);
        CatalogEndpoints.Map(app);
        PostmanEndpoints.Map(app);
        CollectionEndpoints.Map(app);

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var message = $"FlowConnectors is listening on {string.Join(", ", app.Urls)} — {connectors.Connectors.Count} connectors, {flowCount} flows. " +
                          $"{keyMessage}; send it as {ApiKeys.Header}. OpenAPI: {options.BaseUrl}/openapi/v1.json";
            Console.WriteLine(message);
        });
        return app;
    }

    private sealed class PublicBase(Func<string> baseUrl) : ICallbackBase
    {
        public string Get() => baseUrl();
    }

    private sealed class CallbackUrls(ICallbackBase baseUrl) : ICallbackUrls
    {
        public string UrlFor(string token) => $"{baseUrl.Get()}/callbacks/{token}";
    }
}
