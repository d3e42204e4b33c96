using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Http;

namespace FlowConnectors.Connectors.Runtime;

/// <summary>Turns a manifest's <c>http</c> block into resilience settings for the connector's client.</summary>
internal static class HttpSettingsReader
{
    public static HttpResilienceSettings Read(JsonObject? http)
    {
        var settings = HttpResilienceSettings.Default;
        if (http is null) return settings;
        if (http["maxRetries"] is JsonValue retries) settings = settings with { MaxRetries = retries.GetValue<int>() };
        if (Duration(http["baseDelay"]) is { } delay) settings = settings with { BaseDelay = delay };
        if (Duration(http["attemptTimeout"]) is { } timeout) settings = settings with { AttemptTimeout = timeout };
        if (Duration(http["giveUpAfter"]) is { } giveUpAfter) settings = settings with { GiveUpAfter = giveUpAfter };
        if (http["retryUnsafeMethods"] is JsonValue unsafeMethods) settings = settings with { RetryUnsafeMethods = unsafeMethods.GetValue<bool>() };
        if (http["circuitBreaker"] is JsonObject breaker)
        {
            if (breaker["failureRatio"] is JsonValue ratio) settings = settings with { FailureRatio = ratio.GetValue<double>() };
            if (breaker["minimumThroughput"] is JsonValue throughput) settings = settings with { MinimumThroughput = throughput.GetValue<int>() };
            if (Duration(breaker["samplingDuration"]) is { } sampling) settings = settings with { SamplingDuration = sampling };
            if (Duration(breaker["breakDuration"]) is { } pause) settings = settings with { BreakDuration = pause };
        }
        return settings;
    }

    private static TimeSpan? Duration(JsonNode? node) =>
        (string?)node is { } text && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : null;
}
