using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace FlowConnectors.Server.Hosting.Access;

/// <summary>
/// One-time sign-in tokens (the URL printed at start): held in this process only, as hashes, each usable once
/// within its lifetime. A restart prints a new URL.
/// </summary>
internal sealed class SignInTokens(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (string UserId, DateTimeOffset ExpiresAt)> _tokens = new(StringComparer.Ordinal);

    public string Issue(string userId, TimeSpan lifetime)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _tokens[ApiKeyAuthenticationHandler.Hash(token)] = (userId, clock.GetUtcNow() + lifetime);
        return token;
    }

    /// <summary>The user the token signs in, or null when it is unknown, used or expired; it cannot be used again.</summary>
    public string? Redeem(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100) return null;
        if (!_tokens.TryRemove(ApiKeyAuthenticationHandler.Hash(token), out var entry)) return null;
        return entry.ExpiresAt > clock.GetUtcNow() ? entry.UserId : null;
    }
}
