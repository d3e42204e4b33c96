using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Flows;

/// <summary>
/// A node's <c>onError</c> block: how often a failed node is tried again, how long it waits in between, and what
/// happens when it still fails (README "Error policies and error flows"). Fields are kept as written (null when
/// absent), so a flow saves back byte-identical; <see cref="Runtime.RetryDelays"/> applies the defaults.
/// </summary>
public sealed class NodeErrorPolicy
{
    public const string ThenFault = "fault";
    public const string ThenContinue = "continue";
    public const string ThenReturn = "return";
    public const string BackoffFixed = "fixed";
    public const string BackoffExponential = "exponential";

    public const int MaxRetries = 100;
    public const long MaxDelayLimitMs = 7L * 24 * 60 * 60 * 1000;

    /// <summary>Attempts after the first one (0 to <see cref="MaxRetries"/>).</summary>
    public int? Retries { get; set; }
    /// <summary>The wait before the first retry, in milliseconds.</summary>
    public long? DelayMs { get; set; }
    /// <summary><c>fixed</c> (the same wait each time) or <c>exponential</c> (doubling).</summary>
    public string? Backoff { get; set; }
    /// <summary>The longest wait before one retry, Retry-After included, in milliseconds.</summary>
    public long? MaxDelayMs { get; set; }
    /// <summary>Share (0 to 1) by which a computed wait is moved up or down at random, so retries of many instances spread out.</summary>
    public double? Jitter { get; set; }
    /// <summary>When the retries are used up: <c>fault</c>, <c>continue</c> or <c>return</c>.</summary>
    public string? Then { get; set; }
    /// <summary>With <c>then: return</c>: the node's outputs by name, literal JSON.</summary>
    public JsonObject? Value { get; set; }

    public int EffectiveRetries => Retries ?? 0;
    public TimeSpan EffectiveDelay => TimeSpan.FromMilliseconds(DelayMs ?? 1000);
    public TimeSpan EffectiveMaxDelay => TimeSpan.FromMilliseconds(MaxDelayMs ?? 60L * 60 * 1000);
    public string EffectiveThen => Then ?? ThenFault;
    public bool IsExponential => Backoff == BackoffExponential;
}
