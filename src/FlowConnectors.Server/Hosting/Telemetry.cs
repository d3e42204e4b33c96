using FlowConnectors.Engine.Runtime;
using FlowConnectors.Http;
using FlowConnectors.Persistence;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// OpenTelemetry for the server: the engine's and the HTTP activities' spans and metrics, the server's gauges,
/// a Prometheus endpoint at <c>/metrics</c>, and OTLP export when the standard OTEL_* variables name an endpoint.
/// Log lines carry the trace and span ids; written during a node they also carry its flow, instance and node ids.
/// </summary>
internal static class Telemetry
{
    public const string ServiceName = "flowconnectors";
    private const string RuntimeMeter = "System.Runtime";

    public static void Add(WebApplicationBuilder builder, ServerOptions options)
    {
        var configuration = builder.Configuration;
        var otlpTraces = Named(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT") || Named(configuration, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        var otlpMetrics = Named(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT") || Named(configuration, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
        builder.Services.AddSingleton<ServerMetrics>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<ServerMetrics>());
        builder.Logging.Configure(logging => logging.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (!options.Telemetry.Prometheus && !otlpTraces && !otlpMetrics) return;
        // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES still apply: the SDK reads them over this default.
        var telemetry = builder.Services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(ServiceName));
        telemetry.WithMetrics(metrics =>
        {
            // "System.Runtime" is .NET's own meter (GC collections and allocated bytes, CPU time, thread pool, JIT): all
            // observable instruments, read only when scraped, so they cost a request nothing.
            metrics.AddMeter(EngineTelemetry.Name, HttpTelemetry.Name, ServerMetrics.Name, RuntimeMeter);
            if (options.Telemetry.Prometheus) metrics.AddPrometheusExporter();
            if (otlpMetrics) metrics.AddOtlpExporter();
        });
        if (otlpTraces)
            telemetry.WithTracing(tracing => tracing
                .AddSource(EngineTelemetry.Name, HttpTelemetry.Name, "Microsoft.AspNetCore")
                .AddOtlpExporter());
    }

    public static void Map(WebApplication app, ServerOptions options)
    {
        if (!options.Telemetry.Prometheus) return;
        var endpoint = app.MapPrometheusScrapingEndpoint("/metrics");
        if (options.Telemetry.MetricsRequireApiKey) endpoint.AddEndpointFilter(RequireApiKeyAsync);
    }

    /// <summary>
    /// An API key as /api takes it (X-Api-Key, or Authorization: Bearer, which Prometheus' authorization setting sends)
    /// whose user and scopes may read instances. Expired, revoked and unknown keys get the same 401.
    /// </summary>
    private static async ValueTask<object?> RequireApiKeyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = Access.ApiKeyAuthenticationHandler.KeyOf(http.Request);
        if (string.IsNullOrEmpty(key))
            return Problems.Result(StatusCodes.Status401Unauthorized, "API key required",
                $"send an API key in the {Access.ApiKeyAuthenticationHandler.Header} header or as a bearer token");
        var verifier = http.RequestServices.GetRequiredService<Access.ApiKeyVerifier>();
        if (!await verifier.AllowsAsync(key, Access.Permissions.InstancesRead, http.RequestAborted))
            return Problems.Result(StatusCodes.Status401Unauthorized, "API key required", "the API key is not valid for reading metrics");
        return await next(context);
    }

    private static bool Named(IConfiguration configuration, string variable) => !string.IsNullOrWhiteSpace(configuration[variable]);
}
