using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// A local OpenID Connect provider (OpenIddict, on 127.0.0.1) for sign-in tests: one client, authorization code with
/// PKCE, and a user who is signed in without a login page, with the groups given.
/// </summary>
internal sealed class OidcProvider : IAsyncDisposable
{
    public const string ClientId = "flowconnectors";
    public const string ClientSecret = "oidc-test-secret-0123456789";
    /// <summary>A client whose every sign-in the user declines at the provider (the provider answers <c>access_denied</c>).</summary>
    public const string DecliningClientId = "flowconnectors-declined";
    private readonly WebApplication _app;

    private OidcProvider(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }
    /// <summary>The provider app's services (its logger factory, for <see cref="ServerLog"/>).</summary>
    public IServiceProvider Services => _app.Services;

    public static async Task<OidcProvider> StartAsync(string subject, string userName, string[] groups)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddOpenIddict().AddServer(o =>
        {
            o.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
            o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            o.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, "groups");
            o.AddEphemeralEncryptionKey().AddEphemeralSigningKey().DisableAccessTokenEncryption();
            // No database: the one client is checked by the handlers below.
            o.EnableDegradedMode();
            o.UseAspNetCore().EnableAuthorizationEndpointPassthrough().EnableTokenEndpointPassthrough().DisableTransportSecurityRequirement();
            o.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(b => b.UseInlineHandler(context =>
            {
                if (context.ClientId is not (ClientId or DecliningClientId)) context.Reject(Errors.InvalidClient, "unknown client");
                return default;
            }));
            o.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(b => b.UseInlineHandler(context =>
            {
                if (context.ClientId != ClientId || context.ClientSecret != ClientSecret) context.Reject(Errors.InvalidClient, "unknown client");
                return default;
            }));
        });
        builder.Services.AddAuthentication();
        var app = builder.Build();
        app.MapGet("connect/authorize", (HttpContext context) =>
        {
            var request = context.GetOpenIddictServerRequest()!;
            // As a consent screen's "Deny" does: the provider redirects back with error=access_denied and the state.
            if (request.ClientId == DecliningClientId)
                return Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.AccessDenied,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "the user declined",
                }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
            var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
            identity.AddClaim(new Claim(Claims.Subject, subject));
            identity.AddClaim(new Claim(Claims.PreferredUsername, userName));
            identity.AddClaim(new Claim(Claims.Name, userName));
            foreach (var group in groups) identity.AddClaim(new Claim("groups", group));
            foreach (var claim in identity.Claims) claim.SetDestinations(Destinations.IdentityToken, Destinations.AccessToken);
            var principal = new ClaimsPrincipal(identity);
            principal.SetScopes(request.GetScopes());
            return Results.SignIn(principal, null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });
        app.MapPost("connect/token", async (HttpContext context) =>
        {
            var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            return Results.SignIn(result.Principal!, null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new OidcProvider(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
