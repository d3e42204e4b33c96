using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Engine.Runtime;

/// <summary>How long a node waits before its next attempt under its error policy.</summary>
public static class RetryDelays
{
    /// <summary>
    /// The wait after <paramref name="failedAttempts"/> failures (1 for the first): the policy's delay, doubled per
    /// earlier retry when exponential, moved by up to ±jitter × itself using <paramref name="random"/> (in [0, 1)),
    /// capped at the policy's maximum. A Retry-After the vendor sent replaces the computed wait (no jitter: the
    /// vendor named the time), within the same cap.
    /// </summary>
    public static TimeSpan Next(NodeErrorPolicy policy, int failedAttempts, double random, TimeSpan? retryAfter = null)
    {
        var cap = policy.EffectiveMaxDelay;
        if (retryAfter is { } asked) return asked < TimeSpan.Zero ? TimeSpan.Zero : asked > cap ? cap : asked;
        var milliseconds = policy.EffectiveDelay.TotalMilliseconds;
        if (policy.IsExponential) milliseconds *= Math.Pow(2, Math.Min(failedAttempts - 1, 62));
        if (policy.Jitter is { } jitter && jitter > 0) milliseconds *= 1 + jitter * (2 * random - 1);
        if (double.IsNaN(milliseconds) || milliseconds < 0) milliseconds = 0;
        return milliseconds >= cap.TotalMilliseconds ? cap : TimeSpan.FromMilliseconds(Math.Round(milliseconds));
    }
}
