using System.Text.Json.Serialization;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Who is signed in in this browser, what they may do and the CSRF token for their writes; the sign-in providers offered.
/// <paramref name="User"/> and <paramref name="Permissions"/> are left out when nobody is signed in.
/// </summary>
internal sealed record SessionResponse(
    bool SignedIn,
    IReadOnlyList<SignInProvider> Providers,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SessionUser? User,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Permissions,
    string? CsrfToken);

/// <summary>An OpenID Connect provider to sign in with, and where the browser goes for it.</summary>
internal sealed record SignInProvider(string Name, string DisplayName, string Url);

/// <summary>The signed-in user; <paramref name="SetupPending"/> until the owner made at first start chooses a user name and password.</summary>
internal sealed record SessionUser(string Id, string? UserName, IReadOnlyList<string> Roles, bool SetupPending);

/// <summary>A user name and password: to sign in, or the owner's first choice of them (read member by member so a missing one is named).</summary>
internal sealed record SignInRequest(string UserName, string Password);
