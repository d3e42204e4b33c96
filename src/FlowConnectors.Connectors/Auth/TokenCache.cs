using System.Collections.Concurrent;
using FlowConnectors.Connectors.Connections;

namespace FlowConnectors.Connectors.Auth;

/// <summary>
/// Client-credentials tokens per connection, reused until shortly before they expire. Concurrent
/// callers for one connection share a single token request.
/// </summary>
public sealed class TokenCache(TimeProvider clock)
{
    /// <summary>How long before expiry a token is considered stale.</summary>
    public static readonly TimeSpan Skew = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, Lazy<Task<OAuthTokens>>> _tokens = new(StringComparer.Ordinal);

    public async Task<OAuthTokens> GetAsync(string key, Func<Task<OAuthTokens>> fetch, bool forceRefresh, TimeSpan? margin = null)
    {
        while (true)
        {
            var lazy = _tokens.GetOrAdd(key, _ => new Lazy<Task<OAuthTokens>>(fetch));
            OAuthTokens tokens;
            try
            {
                tokens = await lazy.Value;
            }
            catch
            {
                _tokens.TryRemove(KeyValuePair.Create(key, lazy));
                throw;
            }
            var stale = TokenExpiry.IsDue(tokens, margin ?? Skew, clock.GetUtcNow());
            if (!forceRefresh && !stale) return tokens;
            // Replace only the entry we saw, so a refresh another caller already did is reused.
            _tokens.TryRemove(KeyValuePair.Create(key, lazy));
            forceRefresh = false;
        }
    }

    public void Forget(string key) => _tokens.TryRemove(key, out _);
}
