using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using FlowConnectors.Persistence.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace FlowConnectors.Server.Hosting.Access;

/// <summary>
/// Per-user API keys (<c>X-Api-Key: fc_…</c> or <c>Authorization: Bearer fc_…</c>), for scripts. The key is looked up by
/// its SHA-256 hash (a 256-bit random key needs no slow hash); an unknown, expired or revoked key, or one of a
/// disabled user, fails alike, and the answer says no more than that.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyVerifier verifier)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string? KeyOf(HttpRequest request)
    {
        var key = request.Headers[Header].ToString();
        if (key.Length == 0 && request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal))
            key = auth["Bearer ".Length..];
        return key.Length == 0 ? null : key;
    }

    public static string NewKey() => "fc_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (KeyOf(Request) is not { } key) return AuthenticateResult.NoResult();
        return await verifier.VerifyAsync(key, Context.RequestAborted) is { } principal
            ? AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName))
            : AuthenticateResult.Fail("the API key is not valid");
    }
}

/// <summary>Turns an API key into its user's principal (roles, key id, scopes), or null for a key that must not work.</summary>
internal sealed class ApiKeyVerifier(IAccessKeyStore keys, UserManager<FlowUser> users, TimeProvider clock)
{
    /// <summary>How often a key's last use is written (not on every request).</summary>
    private static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);

    public async Task<ClaimsPrincipal?> VerifyAsync(string key, CancellationToken ct)
    {
        if (key.Length > 200) return null;
        var record = await keys.FindByHashAsync(ApiKeyAuthenticationHandler.Hash(key), ct);
        var now = clock.GetUtcNow();
        if (record is null || record.RevokedAt is not null || record.ExpiresAt <= now) return null;
        var user = await users.FindByIdAsync(record.UserId);
        if (user is null || AccountState.IsDisabled(user)) return null;
        if (record.LastUsedAt is null || now - record.LastUsedAt >= LastUseResolution)
        {
            // Bookkeeping, not a reason to refuse the key: with the database's disk full, reads must still work.
            try { await keys.TouchAsync(record.Id, now, ct); }
            catch (Exception e) when (FlowConnectors.Persistence.StorageFailures.Describe(e) is not null) { }
        }

        return await UserPrincipals.OfAsync(users, user, ApiKeyAuthenticationHandler.SchemeName,
            record.Scopes.Select(scope => new Claim(AccessClaims.Scope, scope)).Prepend(new Claim(AccessClaims.KeyId, record.Id)));
    }

    /// <summary>True when the key works and may do <paramref name="permission"/> (an Http.Endpoint with auth kind apiKey asks for runs.execute).</summary>
    public async Task<bool> AllowsAsync(string key, string permission, CancellationToken ct) =>
        await VerifyAsync(key, ct) is { } principal && AccessClaims.PermissionsOf(principal).Contains(permission);
}

/// <summary>A user's principal as their current roles make them: id, name and roles, plus what the caller adds.</summary>
internal static class UserPrincipals
{
    public static async Task<ClaimsPrincipal> OfAsync(UserManager<FlowUser> users, FlowUser user, string scheme, IEnumerable<Claim> more)
    {
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, user.Id), new(ClaimTypes.Name, user.UserName ?? user.Id) };
        claims.AddRange(more);
        claims.AddRange((await users.GetRolesAsync(user)).Select(role => new Claim(ClaimTypes.Role, role)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }
}

/// <summary>A disabled account: Identity's lockout set to never end (an admin's switch, not the wrong-password lockout).</summary>
internal static class AccountState
{
    public static readonly DateTimeOffset DisabledUntil = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    public static bool IsDisabled(FlowUser user) => user.LockoutEnd >= DisabledUntil;
}
