using System.Security.Cryptography;
using FlowConnectors.Persistence;

namespace FlowConnectors.Server.Hosting.Access;

/// <summary>
/// One-time sign-in tokens (the URL printed at start): kept in the database as hashes, so a link one node printed
/// signs in on any node of a cluster; each is usable once within its lifetime. A restart prints a new URL.
/// </summary>
internal sealed class SignInTokens(IOneTimeStates states, TimeProvider clock)
{
    private const string Purpose = "signin";

    public string Issue(string userId, TimeSpan lifetime) => IssueAsync(userId, lifetime).GetAwaiter().GetResult();

    public async Task<string> IssueAsync(string userId, TimeSpan lifetime, CancellationToken ct = default)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await states.AddAsync(Purpose, ApiKeyAuthenticationHandler.Hash(token), userId, clock.GetUtcNow() + lifetime, ct);
        return token;
    }

    /// <summary>The user the token signs in, or null when it is unknown, used or expired; it cannot be used again.</summary>
    public async Task<string?> RedeemAsync(string? token, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100) return null;
        return await states.TakeAsync(Purpose, ApiKeyAuthenticationHandler.Hash(token), ct);
    }
}
