using System.Security.Cryptography;
using System.Text;
using FlowConnectors.Engine.Activities.Events;

namespace FlowConnectors.Runtime;

/// <summary>
/// Callback token secrets derived with HMAC-SHA256 from the instance, the node and its step under the
/// node's secret: a run again after a crash issues the same URL it may already have handed out, and
/// without the secret no token can be guessed.
/// </summary>
internal sealed class CallbackTokens(NodeIdentity identity) : ICallbackTokens
{
    public string SecretFor(string instanceId, string nodeId, long step)
    {
        var mac = HMACSHA256.HashData(identity.CallbackSecret, Encoding.UTF8.GetBytes($"callback\n{instanceId}\n{nodeId}\n{step}"));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
