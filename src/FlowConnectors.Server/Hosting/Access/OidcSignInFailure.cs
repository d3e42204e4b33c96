using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace FlowConnectors.Server.Hosting.Access;

/// <summary>
/// A sign-in with an OpenID Connect provider that fails comes back to the designer as
/// <c>/?signIn=failed&amp;provider=…&amp;reason=…[&amp;error=…]</c>, which shows why in its sign-in menu, instead of a 500 page
/// of JSON (a user who cancels at the provider, a provider that refuses the client, a callback URL opened by hand);
/// so does a sign-in link used twice (<c>reason=link</c>).
/// Only a fixed reason, a configured provider's name and an OAuth error code travel in the address: a crafted link cannot
/// put text of its own into the designer. The details (the provider's description, the exception) are in the server's log.
/// </summary>
internal static partial class OidcSignInFailure
{
    /// <summary>The user declined at the provider (OAuth <c>access_denied</c>).</summary>
    public const string Denied = "denied";
    /// <summary>The provider answered with another OAuth error (<c>invalid_client</c>, <c>invalid_grant</c>, …).</summary>
    public const string Refused = "refused";
    /// <summary>The answer matched no sign-in this browser started (no or expired state, missing correlation cookie).</summary>
    public const string Unmatched = "unmatched";
    /// <summary>The provider could not be reached to redeem the code.</summary>
    public const string Unreachable = "unreachable";
    /// <summary>Anything else: the provider's token was not valid, the user could not be created.</summary>
    public const string Failed = "failed";
    /// <summary>The provider signed the user in, but the account is disabled here.</summary>
    public const string Disabled = "disabled";

    /// <summary>The one-time sign-in link printed at start was used already, has expired or is not one (<c>/signin?token=…</c>).</summary>
    public const string SignInLink = "link";

    public static string LinkRedirectUri => $"/?signIn=failed&reason={SignInLink}";

    public static string RedirectUri(string provider, string reason, string? error = null) =>
        $"/?signIn=failed&provider={Uri.EscapeDataString(provider)}&reason={reason}"
        + (error is not null && OAuthErrorCode().IsMatch(error) ? $"&error={error}" : "");

    /// <summary>Answers a failed callback with the redirect, and logs what failed.</summary>
    public static Task OnRemoteFailureAsync(RemoteFailureContext context, string provider)
    {
        var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OidcSignInFailure));
        var failure = context.Failure;
        var error = failure is OpenIdConnectProtocolException protocol ? protocol.Data["error"] as string : null;
        var reason = (failure, error) switch
        {
            (_, "access_denied") => Denied,
            (_, { Length: > 0 }) => Refused,
            (HttpRequestException, _) => Unreachable,
            (AuthenticationFailureException, _) => Unmatched,
            _ => Failed,
        };
        logger.LogWarning("Sign-in with OpenID Connect provider {Provider} failed ({Reason}): {Failure}", provider, reason, failure?.Message);
        context.Response.Redirect(RedirectUri(provider, reason, error));
        context.HandleResponse();
        return Task.CompletedTask;
    }

    // RFC 6749 §5.2 and OpenID Connect error codes are lowercase words joined by underscores.
    [GeneratedRegex("^[a-z_]{1,40}$")]
    private static partial Regex OAuthErrorCode();
}
