using FlowConnectors.Persistence.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace FlowConnectors.Server.Hosting.Access;

/// <summary>
/// Identity and access on the standard ASP.NET Core pieces: Identity (users, roles, password hashing, lockout) on EF
/// Core; a cookie for browser sessions; an API-key handler for scripts; OpenID Connect providers from configuration;
/// one fallback authorization policy that gives every /api operation its permission (default deny).
/// </summary>
internal static class AccessServices
{
    public const string DefaultScheme = "FlowConnectors";
    public const string SessionCookie = "fc_session";

    public static void Add(IServiceCollection services, ServerOptions options)
    {
        var access = options.Access;
        services.AddSingleton<SignInTokens>();
        services.AddSingleton<ConnectionRights>();
        services.AddScoped<ApiKeyVerifier>();
        services.AddIdentityCore<FlowUser>(identity =>
            {
                identity.User.RequireUniqueEmail = false;
                identity.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+";
                identity.Password.RequiredLength = 10;
                identity.Password.RequireNonAlphanumeric = false;
                identity.Password.RequireUppercase = false;
                identity.Password.RequireLowercase = false;
                identity.Password.RequireDigit = false;
                identity.Lockout.AllowedForNewUsers = true;
                identity.Lockout.MaxFailedAccessAttempts = access.MaxFailedSignIns;
                identity.Lockout.DefaultLockoutTimeSpan = access.LockoutDuration;
            })
            .AddRoles<IdentityRole>()
            .AddUserValidator<StoredLengthValidator>()
            .AddSignInManager()
            .AddFlowIdentityStores();
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));

        var authentication = services.AddAuthentication(o =>
            {
                o.DefaultScheme = DefaultScheme;
                o.DefaultChallengeScheme = DefaultScheme;
            })
            .AddPolicyScheme(DefaultScheme, "API key or session", o => o.ForwardDefaultSelector = context =>
                ApiKeyAuthenticationHandler.KeyOf(context.Request) is not null ? ApiKeyAuthenticationHandler.SchemeName : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        authentication.AddIdentityCookies(cookies =>
        {
            cookies.ApplicationCookie?.Configure(o =>
            {
                o.Cookie.Name = SessionCookie;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = access.SessionIdleTimeout;
                o.SlidingExpiration = true;
                // An API answers, it does not redirect: 401 and 403 come from OperationResultHandler.
                o.Events.OnRedirectToLogin = context => { context.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
                o.Events.OnRedirectToAccessDenied = context => { context.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
            });
            cookies.ExternalCookie?.Configure(o =>
            {
                o.Cookie.Name = "fc_external";
                o.Cookie.HttpOnly = true;
                // The OIDC callback arrives from the provider's site: Lax lets this short-lived cookie come along.
                o.Cookie.SameSite = SameSiteMode.Lax;
            });
        });
        foreach (var (name, provider) in access.Oidc)
            authentication.AddOpenIdConnect(OidcScheme(name), provider.DisplayName ?? name, o =>
            {
                o.SignInScheme = IdentityConstants.ExternalScheme;
                o.Authority = provider.Authority;
                o.ClientId = provider.ClientId;
                o.ClientSecret = provider.ClientSecret;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.CallbackPath = $"/auth/oidc/{name}/callback";
                o.SignedOutCallbackPath = $"/auth/oidc/{name}/signed-out";
                o.RequireHttpsMetadata = provider.RequireHttpsMetadata;
                o.MapInboundClaims = false;
                // Roles come from the ID token's claims (Okta, Entra ID and Keycloak can put groups or roles there).
                o.GetClaimsFromUserInfoEndpoint = false;
                // The provider redirects back with a top-level GET (response_mode=query): Lax cookies come along, and
                // SameAsRequest lets a plain-http loopback server (and its test provider) keep them.
                o.ResponseMode = "query";
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.SaveTokens = false;
                o.Scope.Clear();
                foreach (var scope in new[] { "openid", "profile" }.Concat(provider.Scopes).Distinct(StringComparer.Ordinal)) o.Scope.Add(scope);
                o.TokenValidationParameters.NameClaimType = "preferred_username";
                o.Events.OnRemoteFailure = context => OidcSignInFailure.OnRemoteFailureAsync(context, name);
            });

        services.AddAntiforgery(o =>
        {
            o.HeaderName = CsrfCheck.Header;
            o.Cookie.Name = "fc_csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
        });
        services.AddAuthorization(o => o.FallbackPolicy = OperationRequirement.Policy);
        services.AddSingleton<IAuthorizationHandler, OperationAuthorizationHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, OperationResultHandler>();
    }

    public static string OidcScheme(string provider) => "oidc-" + provider;

    /// <summary>
    /// After routing, before the endpoints: who is calling, the audit record, the CSRF check, the policy, then the caller's
    /// rights on the connection a route names. A request routed to an HTTP endpoint trigger (<c>/hooks/…</c>), a callback or
    /// a webhook delivery skips them: it is anonymous and checked by its own auth (<c>HookAuth</c>, the callback token, the
    /// card's signature), and each of them passes such a request untouched
    /// (audit, CSRF, the policy and connection rights act on /api and /auth only), so running them cost CPU for nothing;
    /// skipping authentication also keeps a vendor's headers from being taken as a user's key or session.
    /// </summary>
    public static void Use(WebApplication app)
    {
        app.UseWhen(context => !AnonymousHook.IsRoutedTo(context), checks =>
        {
            checks.UseAuthentication();
            checks.UseMiddleware<AuditMiddleware>();
            checks.UseMiddleware<CsrfCheck>();
            checks.UseAuthorization();
            checks.UseMiddleware<ConnectionRightsCheck>();
        });
        // UseAuthentication and UseAuthorization mark only the branch's copy of the properties; unmarked, WebApplication
        // would add both again at the start of the pipeline, for every request (AnonymousHookTests catch that).
        var properties = ((IApplicationBuilder)app).Properties;
        properties[AuthenticationMiddlewareSetKey] = true;
        properties[AuthorizationMiddlewareSetKey] = true;
    }

    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";
    private const string AuthorizationMiddlewareSetKey = "__AuthorizationMiddlewareSet";
}

/// <summary>Marks the inbound endpoints (HTTP endpoint triggers, callbacks, webhook deliveries), which are anonymous and do their own auth (see <see cref="AccessServices.Use"/>).</summary>
internal sealed class AnonymousHook
{
    public static readonly AnonymousHook Marker = new();

    private AnonymousHook() { }

    public static bool IsRoutedTo(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<AnonymousHook>() is not null;
}
