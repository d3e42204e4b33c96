using System.Text.Json.Nodes;
using System.Security.Claims;
using FlowConnectors.Persistence.Identity;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Access;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Browser sign-in: the one-time URL printed at start (<c>/signin?token=…</c>), local user name and password, OpenID
/// Connect providers, the session (who, what they may do, the CSRF token) and sign-out. The session is an HttpOnly,
/// SameSite=Strict cookie; scripts use API keys instead.
/// </summary>
internal static class SessionEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/signin", async (string? token, SignInTokens tokens, UserManager<FlowUser> users, SignInManager<FlowUser> signIn) =>
        {
            // A browser opened the link: the designer says why it did not sign in (OidcSignInFailure.SignInLink), not a page of JSON.
            if (await tokens.RedeemAsync(token) is not { } userId || await users.FindByIdAsync(userId) is not { } user)
                return Results.Redirect(OidcSignInFailure.LinkRedirectUri);
            await signIn.SignInAsync(user, isPersistent: false);
            return Results.Redirect("/");
        }).ExcludeFromDescription();

        var auth = app.MapGroup("/auth");
        auth.MapGet("/session", async Task<Ok<SessionResponse>> (HttpContext context, UserManager<FlowUser> users, IAntiforgery antiforgery, ServerOptions options) =>
            TypedResults.Ok(await SessionAsync(context, users, antiforgery, options)))
            .WithName("GetSession").ProducesProblem(StatusCodes.Status401Unauthorized); // an API key that is not (or no longer) valid

        auth.MapPost("/login", async Task<Results<Ok<SessionResponse>, ProblemHttpResult>> (HttpContext context, UserManager<FlowUser> users, SignInManager<FlowUser> signIn,
            IAntiforgery antiforgery, ServerOptions options) =>
        {
            // JSON only: a cross-site form cannot send it, so signing someone in from another site fails (login CSRF).
            var (body, problem) = await Problems.ReadJsonObjectAsync(context.Request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            var userName = JsonFields.Text(body!, "userName");
            var password = JsonFields.Text(body!, "password");
            if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password))
                return Problems.Validation("sign-in needs a user name and a password",
                    [new { path = string.IsNullOrWhiteSpace(userName) ? "$.userName" : "$.password", message = "required" }]);
            var user = await users.FindByNameAsync(userName);
            if (user is null || user.SetupPending || AccountState.IsDisabled(user))
                return Problems.Result(StatusCodes.Status401Unauthorized, "Sign-in failed", "wrong user name or password");
            var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
            if (result.IsLockedOut)
                return Problems.Result(StatusCodes.Status401Unauthorized, "Sign-in failed",
                    "too many wrong passwords: the account is locked for a while; try again later or ask an admin");
            if (!result.Succeeded) return Problems.Result(StatusCodes.Status401Unauthorized, "Sign-in failed", "wrong user name or password");
            context.User = await signIn.CreateUserPrincipalAsync(user);
            return TypedResults.Ok(await SessionAsync(context, users, antiforgery, options));
        }).DocumentsBody<SignInRequest>().WithName("SignIn").ProducesBodyProblems().ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status503ServiceUnavailable);

        auth.MapPost("/logout", async Task<NoContent> (SignInManager<FlowUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.NoContent();
        }).WithName("SignOut").ProducesProblem(StatusCodes.Status400BadRequest); // a browser's change without its antiforgery token

        // The owner made at first start chooses a user name and password (after opening the printed sign-in URL).
        auth.MapPost("/setup", async Task<Results<Ok<SessionResponse>, ProblemHttpResult>> (HttpContext context, UserManager<FlowUser> users, SignInManager<FlowUser> signIn,
            IAntiforgery antiforgery, ServerOptions options) =>
        {
            if (context.User.UserId() is not { } id || context.User.KeyIdOf() is not null || await users.FindByIdAsync(id) is not { SetupPending: true } user)
                return Problems.Result(StatusCodes.Status409Conflict, "Nothing to set up", "only the owner made at first start, signed in through the sign-in URL, sets up an account here");
            var (body, problem) = await Problems.ReadJsonObjectAsync(context.Request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            var userName = JsonFields.Text(body!, "userName");
            var password = JsonFields.Text(body!, "password");
            if (string.IsNullOrWhiteSpace(userName)) return Problems.Validation("choose a user name", [new { path = "$.userName", message = "required" }]);
            if (string.IsNullOrEmpty(password)) return Problems.Validation("choose a password", [new { path = "$.password", message = "required" }]);
            var renamed = await users.SetUserNameAsync(user, userName.Trim());
            if (!renamed.Succeeded) return Problems.Validation("the user name cannot be used", renamed.Errors.Select(e => new { path = "$.userName", message = e.Description }));
            var set = await users.AddPasswordAsync(user, password);
            if (!set.Succeeded) return Problems.Validation("the password is not accepted", set.Errors.Select(e => new { path = "$.password", message = e.Description }));
            user.SetupPending = false;
            await users.UpdateAsync(user);
            await signIn.RefreshSignInAsync(user);
            context.User = await signIn.CreateUserPrincipalAsync(user);
            return TypedResults.Ok(await SessionAsync(context, users, antiforgery, options));
        }).DocumentsBody<SignInRequest>().WithName("SetUpAccount").ProducesBodyProblems().ProducesProblems(StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);

        // Browser redirects to and from the identity provider, not an API.
        foreach (var name in app.Services.GetRequiredService<ServerOptions>().Access.Oidc.Keys)
        {
            auth.MapGet($"/oidc/{name}", () => Results.Challenge(
                new AuthenticationProperties { RedirectUri = $"/auth/oidc/{name}/done" }, [AccessServices.OidcScheme(name)])).ExcludeFromDescription();
            auth.MapGet($"/oidc/{name}/done", (HttpContext context, UserManager<FlowUser> users, SignInManager<FlowUser> signIn, ServerOptions options, TimeProvider clock,
                    ILoggerFactory logs) =>
                OidcSignIn.CompleteAsync(context, name, options.Access.Oidc[name], users, signIn, clock, logs.CreateLogger(typeof(OidcSignInFailure)))).ExcludeFromDescription();
        }
    }

    private static async Task<SessionResponse> SessionAsync(HttpContext context, UserManager<FlowUser> users, IAntiforgery antiforgery, ServerOptions options)
    {
        var providers = options.Access.Oidc.Select(p => new SignInProvider(p.Key, p.Value.DisplayName ?? p.Key, $"/auth/oidc/{p.Key}")).ToArray();
        SessionUser? signedIn = null;
        string[]? permissions = null;
        var principal = context.User;
        if (principal.UserId() is { } id && await users.FindByIdAsync(id) is { } user)
        {
            signedIn = new SessionUser(user.Id, user.UserName, [.. await users.GetRolesAsync(user)], user.SetupPending);
            permissions = [.. AccessClaims.PermissionsOf(principal).Order(StringComparer.Ordinal)];
        }
        // The token is bound to who is signed in; a browser takes a fresh one after signing in.
        return new SessionResponse(signedIn is not null, providers, signedIn, permissions, antiforgery.GetAndStoreTokens(context).RequestToken);
    }
}

/// <summary>Finishes an OpenID Connect sign-in: finds or creates the user for the provider's subject, sets the roles the configured claim map gives, and signs them in.</summary>
internal static class OidcSignIn
{
    public static async Task<IResult> CompleteAsync(HttpContext context, string provider, OidcProviderOptions options, UserManager<FlowUser> users,
        SignInManager<FlowUser> signIn, TimeProvider clock, ILogger logger)
    {
        var external = await context.AuthenticateAsync(IdentityConstants.ExternalScheme);
        if (!external.Succeeded || external.Principal.FindFirstValue("sub") is not { Length: > 0 } subject)
        {
            logger.LogWarning("Sign-in with OpenID Connect provider {Provider} failed: {Reason}", provider,
                external.Succeeded ? "the ID token has no subject" : "no sign-in from the provider in this browser");
            return Results.Redirect(OidcSignInFailure.RedirectUri(provider, OidcSignInFailure.Unmatched));
        }
        var claims = external.Principal;
        var user = await users.FindByLoginAsync(provider, subject);
        if (user is null)
        {
            var wanted = claims.FindFirstValue("preferred_username") ?? claims.FindFirstValue("email") ?? subject;
            var userName = await FreeUserNameAsync(users, Sanitize(wanted));
            user = new FlowUser { UserName = userName, Email = claims.FindFirstValue("email"), CreatedAt = clock.GetUtcNow(), LockoutEnabled = true };
            var created = await users.CreateAsync(user);
            if (!created.Succeeded)
            {
                logger.LogWarning("Sign-in with OpenID Connect provider {Provider} failed: the user could not be created: {Errors}", provider,
                    string.Join("; ", created.Errors.Select(e => e.Description)));
                return Results.Redirect(OidcSignInFailure.RedirectUri(provider, OidcSignInFailure.Failed));
            }
            await users.AddLoginAsync(user, new UserLoginInfo(provider, subject, options.DisplayName ?? provider));
        }
        if (AccountState.IsDisabled(user))
        {
            logger.LogWarning("Sign-in with OpenID Connect provider {Provider} refused: account {UserId} is disabled", provider, user.Id);
            return Results.Redirect(OidcSignInFailure.RedirectUri(provider, OidcSignInFailure.Disabled));
        }

        // Roles follow the provider at every sign-in (configuration maps claim values to roles); owner is never granted this way.
        var mapped = claims.FindAll(options.RoleClaim).SelectMany(c => SplitValues(c.Value))
            .Select(v => options.RoleMap.TryGetValue(v, out var role) ? role : null).OfType<string>()
            .Concat(options.DefaultRoles).Where(r => Roles.IsKnown(r) && r != Roles.Owner).ToHashSet(StringComparer.Ordinal);
        var current = (await users.GetRolesAsync(user)).ToHashSet(StringComparer.Ordinal);
        if (!current.Contains(Roles.Owner))
        {
            await users.RemoveFromRolesAsync(user, current.Except(mapped));
            await users.AddToRolesAsync(user, mapped.Except(current));
        }
        await context.SignOutAsync(IdentityConstants.ExternalScheme);
        await signIn.SignInAsync(user, isPersistent: false, authenticationMethod: provider);
        return Results.Redirect("/");
    }

    /// <summary>A claim may hold one value or a JSON array of them (as groups often do).</summary>
    private static IEnumerable<string> SplitValues(string value)
    {
        if (!value.StartsWith('[')) return [value];
        try { return JsonNode.Parse(value)?.AsArray().Select(v => v?.ToString() ?? "").Where(v => v.Length > 0).ToList() ?? []; }
        catch (System.Text.Json.JsonException) { return [value]; }
    }

    private static string Sanitize(string name)
    {
        var chars = name.Where(c => char.IsAsciiLetterOrDigit(c) || "-._@+".Contains(c)).ToArray();
        return chars.Length > 0 ? new string(chars) : "user";
    }

    private static async Task<string> FreeUserNameAsync(UserManager<FlowUser> users, string wanted)
    {
        var name = wanted;
        for (var i = 2; await users.FindByNameAsync(name) is not null; i++) name = $"{wanted}{i}";
        return name;
    }
}
