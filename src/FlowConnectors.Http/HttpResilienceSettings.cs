namespace FlowConnectors.Http;

/// <summary>
/// How a named HTTP client retries and protects a remote API; one set per connector. Applied by
/// <see cref="HttpServices.AddFlowHttpClient"/> as a Polly pipeline: retry → circuit breaker → attempt timeout.
/// </summary>
public sealed record HttpResilienceSettings
{
    public static HttpResilienceSettings Default { get; } = new();

    /// <summary>Retries after the first attempt, on 408, 429, 5xx, transport errors and attempt timeouts. 0 disables retrying.</summary>
    public int MaxRetries { get; init; } = 3;
    /// <summary>First retry delay; doubles on each retry, with jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    public bool UseJitter { get; init; } = true;
    /// <summary>Waits as long as a 429/503 response's Retry-After says instead of the computed delay.</summary>
    public bool HonourRetryAfter { get; init; } = true;
    /// <summary>Longest wait before one retry, whatever Retry-After asks.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Time limit of one attempt; the activity's own timeout bounds all attempts together.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// POST and PATCH are retried only when the request carries an Idempotency-Key header, unless
    /// this is true: repeating a non-idempotent call could create a record twice.
    /// </summary>
    public bool RetryUnsafeMethods { get; init; }
    /// <summary>
    /// When set, a failing request is retried (with the same backoff) until this long after its first
    /// failure instead of <see cref="MaxRetries"/> times; then the last answer or error is returned as it
    /// was, so the reason stays visible. Bounded, like every retry, by the activity's own timeout.
    /// </summary>
    public TimeSpan? GiveUpAfter { get; init; }

    public bool CircuitBreakerEnabled { get; init; } = true;
    /// <summary>Share of failed requests in the sampling window that opens the circuit.</summary>
    public double FailureRatio { get; init; } = 0.5;
    /// <summary>Requests the window must hold before the ratio counts (at least 2).</summary>
    public int MinimumThroughput { get; init; } = 10;
    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long an open circuit rejects requests before it lets one through to test the API.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        // Polly checks these too, but only when the first request builds the pipeline; failing at
        // registration points at the connector's settings instead of at a flow run.
        if (MaxRetries < 0) Fail(nameof(MaxRetries), "must not be negative");
        if (BaseDelay < TimeSpan.Zero) Fail(nameof(BaseDelay), "must not be negative");
        if (MaxDelay <= TimeSpan.Zero) Fail(nameof(MaxDelay), "must be positive");
        if (GiveUpAfter is { } giveUp && (giveUp <= TimeSpan.Zero || giveUp > TimeSpan.FromDays(1))) Fail(nameof(GiveUpAfter), "must be between 0 and 1 day");
        if (AttemptTimeout < TimeSpan.FromMilliseconds(10) || AttemptTimeout > TimeSpan.FromDays(1)) Fail(nameof(AttemptTimeout), "must be between 10 ms and 1 day");
        if (!CircuitBreakerEnabled) return;
        if (FailureRatio is <= 0 or > 1) Fail(nameof(FailureRatio), "must be above 0 and at most 1");
        if (MinimumThroughput < 2) Fail(nameof(MinimumThroughput), "must be at least 2");
        if (SamplingDuration < TimeSpan.FromMilliseconds(500)) Fail(nameof(SamplingDuration), "must be at least 500 ms");
        if (BreakDuration < TimeSpan.FromMilliseconds(500)) Fail(nameof(BreakDuration), "must be at least 500 ms");
    }

    private static void Fail(string setting, string problem) =>
        throw new ArgumentException($"HTTP resilience setting {setting} {problem}", setting);
}
