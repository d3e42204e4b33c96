using System.Security.Claims;

namespace FlowConnectors.Server.Hosting.Access;

/// <summary>The claims a signed-in principal carries, and what it may do from them.</summary>
internal static class AccessClaims
{
    /// <summary>The API key a request was made with (absent for a browser session).</summary>
    public const string KeyId = "fc:key";
    /// <summary>One scope of that key; a key without scope claims has all of its user's permissions.</summary>
    public const string Scope = "fc:scope";

    public static string? UserId(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier);
    public static string? UserName(this ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true ? user.Identity.Name : null;
    public static string? KeyIdOf(this ClaimsPrincipal user) => user.FindFirstValue(KeyId);

    /// <summary>The permissions of the principal's roles, narrowed to its key's scopes when it used a scoped key.</summary>
    public static HashSet<string> PermissionsOf(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true) return [];
        var granted = Roles.PermissionsOf(user.FindAll(ClaimTypes.Role).Select(c => c.Value));
        var scopes = user.FindAll(Scope).Select(c => c.Value).ToList();
        if (scopes.Count > 0) granted.IntersectWith(scopes);
        return granted;
    }
}
