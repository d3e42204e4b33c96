using System.Security.Cryptography;
using System.Text;

namespace FlowConnectors.Engine.Runtime;

/// <summary>
/// Idempotency keys derived from instance, node and iteration (the loop passes the node runs in), so the same work
/// gets the same key however often it runs.
/// </summary>
public static class IdempotencyKeys
{
    /// <summary>
    /// An instance property that replaces the instance id in its keys: a card run for a node of another instance
    /// carries that node's key, so the card's requests keep their keys across retries of the node.
    /// </summary>
    public const string BaseProperty = "idempotency.base";

    public static string For(string instanceOrBase, string nodeId, string iteration)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(instanceOrBase + "\n" + nodeId + "\n" + iteration));
        return "fc-" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>The loop passes a scope runs in, outermost first (<c>loop#2/inner#0</c>); empty in the root scope.</summary>
    public static string IterationOf(FlowInstanceState state, int scopeId)
    {
        if (scopeId == 0 || !state.Scopes.ContainsKey(scopeId)) return "";
        var parts = new List<string>();
        for (var id = (int?)scopeId; id is { } current && current != 0 && state.Scopes.TryGetValue(current, out var scope); id = scope.ParentId)
            parts.Add($"{scope.OwnerNodeId}#{scope.Pass}");
        parts.Reverse();
        return string.Join('/', parts);
    }
}
