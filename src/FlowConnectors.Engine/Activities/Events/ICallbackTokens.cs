namespace FlowConnectors.Engine.Activities.Events;

/// <summary>
/// Issues callback tokens. A host that re-runs instances after a crash derives them from what a re-run
/// repeats (instance, node, step) with a secret of its own, so a URL handed out before the crash still
/// resumes the instance afterwards.
/// </summary>
public interface ICallbackTokens
{
    /// <summary>The secret part of the token (URL-safe); the same arguments give the same value.</summary>
    string SecretFor(string instanceId, string nodeId, long step);
}
