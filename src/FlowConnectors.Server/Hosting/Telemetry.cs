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
            metrics.AddMeter(EngineTelemetry.Name, HttpTelemetry.Name, ServerMetrics.Name);
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

    /// <summary>The API key as /api takes it: X-Api-Key, or Authorization: Bearer (what Prometheus' authorization setting sends).</summary>
    private static async ValueTask<object?> RequireApiKeyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var key = request.Headers[ApiKeys.Header].ToString();
        if (key.Length == 0 && request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal))
            key = auth["Bearer ".Length..];
        var keys = context.HttpContext.RequestServices.GetRequiredService<IApiKeyStore>();
        if (key.Length == 0 || !await keys.ExistsAsync(ApiKeys.Hash(key)))
            return Problems.Result(StatusCodes.Status401Unauthorized, "API key required",
                key.Length == 0 ? $"send the management API key in the {ApiKeys.Header} header or as a bearer token" : "the API key is not valid");
        return await next(context);
    }

    private static bool Named(IConfiguration configuration, string variable) => !string.IsNullOrWhiteSpace(configuration[variable]);
}
