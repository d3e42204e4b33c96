using System.ComponentModel.DataAnnotations;

namespace FlowConnectors.Server.Hosting;

/// <summary>Settings for traces and metrics (FlowConnectors:Telemetry). OTLP export is configured by the standard OTEL_* variables.</summary>
public sealed class TelemetryOptions
{
    /// <summary>Serve Prometheus metrics at <c>/metrics</c>.</summary>
    public bool Prometheus { get; set; } = true;
    /// <summary>Whether <c>/metrics</c> needs the API key (X-Api-Key, or Authorization: Bearer as Prometheus sends it).</summary>
    public bool MetricsRequireApiKey { get; set; } = true;
    /// <summary>How often the gauges read from the database (inbox depth, timer lag, instances) are sampled.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "24.00:00:00")]
    public TimeSpan GaugeInterval { get; set; } = TimeSpan.FromSeconds(10);
}
