using System.Security.Claims;
using FlowConnectors.Persistence.Identity;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Access;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Users and their roles (users.manage), API keys (each user their own: keys.own; admins any user's), the audit log
/// (audit.read) and the role table.
/// </summary>
internal static class AccessEndpoints
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api").ProducesAccessProblems();
        var users = api.MapGroup("/users").WithTags("Users");
        var keys = api.MapGroup("/keys").WithTags("API keys");

        api.MapGet("/roles", () => TypedResults.Ok(Roles.All.Select(role => new RoleResponse(role, [.. Roles.PermissionsOf([role]).Order(StringComparer.Ordinal)])).ToArray()))
            .RequirePermission(Permissions.UsersManage).WithTags("Users").WithName("ListRoles");

        users.MapGet("", async Task<Ok<UserResponse[]>> (UserManager<FlowUser> users, CancellationToken ct) =>
        {
            var list = new List<UserResponse>();
            foreach (var user in users.Users.OrderBy(u => u.UserName).ToList()) list.Add(await UserJsonAsync(users, user));
            return TypedResults.Ok(list.ToArray());
        }).WithName("ListUsers");

        users.MapGet("/{id}", async Task<Results<Ok<UserResponse>, ProblemHttpResult>> (string id, UserManager<FlowUser> users) =>
            await users.FindByIdAsync(id) is { } user ? TypedResults.Ok(await UserJsonAsync(users, user)) : NoUser(id))
            .WithName("GetUser").ProducesProblem(StatusCodes.Status404NotFound);

        users.MapPost("", async Task<Results<Created<UserResponse>, ProblemHttpResult>> (UserCreateRequest body, HttpContext context, UserManager<FlowUser> users, TimeProvider clock) =>
        {
            var userName = body.UserName;
            if (string.IsNullOrWhiteSpace(userName)) return Problems.Validation("a user needs a userName", [new { path = "$.userName", message = "required" }]);
            var password = body.Password;
            var (roles, rolesProblem) = ReadRoles(body.Roles, context.User);
            if (rolesProblem is not null) return rolesProblem;
            var user = new FlowUser { UserName = userName.Trim(), Email = body.Email, CreatedAt = clock.GetUtcNow(), LockoutEnabled = true };
            var created = password is null ? await users.CreateAsync(user) : await users.CreateAsync(user, password);
            if (!created.Succeeded)
                return Problems.Validation("the user cannot be created", created.Errors.Select(e => new
                {
                    path = e.Code.Contains("Password", StringComparison.Ordinal) ? "$.password" : e.Code.Contains("Email", StringComparison.Ordinal) ? "$.email" : "$.userName",
                    message = e.Description,
                }));
            await users.AddToRolesAsync(user, roles);
            return TypedResults.Created($"/api/users/{user.Id}", await UserJsonAsync(users, user));
        }).WithName("CreateUser").ProducesBodyProblems();

        users.MapPut("/{id}/roles", async Task<Results<Ok<UserResponse>, ProblemHttpResult>> (string id, UserRolesRequest body, HttpContext context, UserManager<FlowUser> users) =>
        {
            if (await users.FindByIdAsync(id) is not { } user) return NoUser(id);
            var (roles, rolesProblem) = ReadRoles(body.Roles, context.User);
            if (rolesProblem is not null) return rolesProblem;
            var current = await users.GetRolesAsync(user);
            if (current.Contains(Roles.Owner) != roles.Contains(Roles.Owner))
            {
                if (!context.User.IsInRole(Roles.Owner)) return Problems.Result(StatusCodes.Status403Forbidden, "Forbidden", "only an owner grants or takes the owner role");
                if (!roles.Contains(Roles.Owner) && (await users.GetUsersInRoleAsync(Roles.Owner)).Count == 1)
                    return Problems.Result(StatusCodes.Status409Conflict, "Last owner", "the installation keeps at least one owner");
            }
            await users.RemoveFromRolesAsync(user, current.Except(roles));
            await users.AddToRolesAsync(user, roles.Except(current));
            await users.UpdateSecurityStampAsync(user); // open sessions pick up the new roles
            return TypedResults.Ok(await UserJsonAsync(users, user));
        }).WithName("SetUserRoles").ProducesBodyProblems().ProducesProblems(404, 409);

        users.MapPost("/{id}/password", async Task<Results<NoContent, ProblemHttpResult>> (string id, UserPasswordRequest body, HttpContext context, UserManager<FlowUser> users) =>
        {
            if (await users.FindByIdAsync(id) is not { } user) return NoUser(id);
            if (await IsOwnerAsync(users, user) && !context.User.IsInRole(Roles.Owner))
                return Problems.Result(StatusCodes.Status403Forbidden, "Forbidden", "only an owner sets an owner's password");
            var password = body.Password;
            if (string.IsNullOrEmpty(password)) return Problems.Validation("a new password is required", [new { path = "$.password", message = "required" }]);
            var token = await users.GeneratePasswordResetTokenAsync(user);
            var reset = await users.ResetPasswordAsync(user, token, password);
            if (!reset.Succeeded) return Problems.Validation("the password is not accepted", reset.Errors.Select(e => new { path = "$.password", message = e.Description }));
            await users.SetLockoutEndDateAsync(user, null);
            await users.ResetAccessFailedCountAsync(user);
            return TypedResults.NoContent();
        }).WithName("SetUserPassword").ProducesBodyProblems().ProducesProblem(404);

        users.MapPost("/{id}/disable", async Task<Results<Ok<UserResponse>, ProblemHttpResult>> (string id, HttpContext context, UserManager<FlowUser> users) =>
        {
            if (await users.FindByIdAsync(id) is not { } user) return NoUser(id);
            if (user.Id == context.User.UserId()) return Problems.Result(StatusCodes.Status409Conflict, "Not yourself", "you cannot disable your own account");
            if (await IsOwnerAsync(users, user) && !context.User.IsInRole(Roles.Owner))
                return Problems.Result(StatusCodes.Status403Forbidden, "Forbidden", "only an owner disables an owner");
            await users.SetLockoutEnabledAsync(user, true);
            await users.SetLockoutEndDateAsync(user, AccountState.DisabledUntil);
            await users.UpdateSecurityStampAsync(user); // ends open sessions
            return TypedResults.Ok(await UserJsonAsync(users, user));
        }).WithName("DisableUser").ProducesProblems(404, 409);

        users.MapPost("/{id}/enable", async Task<Results<Ok<UserResponse>, ProblemHttpResult>> (string id, UserManager<FlowUser> users) =>
        {
            if (await users.FindByIdAsync(id) is not { } user) return NoUser(id);
            await users.SetLockoutEndDateAsync(user, null);
            await users.ResetAccessFailedCountAsync(user);
            return TypedResults.Ok(await UserJsonAsync(users, user));
        }).WithName("EnableUser").ProducesProblem(404);

        users.MapGet("/{id}/keys", async Task<Results<Ok<KeyResponse[]>, ProblemHttpResult>> (string id, UserManager<FlowUser> users, IAccessKeyStore keys, TimeProvider clock, CancellationToken ct) =>
            await users.FindByIdAsync(id) is null ? NoUser(id) : TypedResults.Ok((await keys.ListAsync(id, ct)).Select(k => KeyJson(k, clock)).ToArray()))
            .WithName("ListUserKeys").ProducesProblem(404);

        // Keys: everyone manages their own; users.manage sees and revokes anyone's through /api/users/{id}/keys and DELETE /api/keys/{id}.
        keys.MapGet("", async Task<Ok<KeyResponse[]>> (HttpContext context, IAccessKeyStore keys, TimeProvider clock, CancellationToken ct) =>
            TypedResults.Ok((await keys.ListAsync(context.User.UserId()!, ct)).Select(k => KeyJson(k, clock)).ToArray()))
            .WithName("ListKeys");

        keys.MapPost("", async Task<Results<Created<KeyCreated>, ProblemHttpResult>> (KeyCreateRequest body, HttpContext context, IAccessKeyStore keys, TimeProvider clock, CancellationToken ct) =>
        {
            var name = body.Name;
            if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
                return Problems.Validation("a key needs a name (at most 100 characters)", [new { path = "$.name", message = "required, at most 100 characters" }]);
            // A key can do at most what the caller can do now (with a key: that key's scopes), never more.
            var allowed = AccessClaims.PermissionsOf(context.User);
            var scopes = new List<string>();
            if (body.Scopes is { } array)
            {
                for (var i = 0; i < array.Length; i++)
                {
                    var scope = array[i];
                    if (scope is null || !Permissions.IsKnown(scope))
                        return Problems.Validation("unknown scope", [new { path = $"$.scopes[{i}]", message = $"must be one of: {string.Join(", ", Permissions.All)}" }]);
                    if (!allowed.Contains(scope))
                        return Problems.Validation("a key's scopes are a subset of your own permissions", [new { path = $"$.scopes[{i}]", message = $"you do not have {scope}" }]);
                    if (!scopes.Contains(scope)) scopes.Add(scope);
                }
            }
            // No scopes asked: all of the caller's current permissions, written out when the caller is itself a scoped key.
            if (scopes.Count == 0 && context.User.FindAll(AccessClaims.Scope).Any()) scopes = [.. allowed.Order(StringComparer.Ordinal)];
            var now = clock.GetUtcNow();
            DateTimeOffset? expiresAt = null;
            if (body.ExpiresAt is { } expiresText)
            {
                if (!DateTimeOffset.TryParse(expiresText, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
                    return Problems.Validation("expiresAt is a date and time", [new { path = "$.expiresAt", message = "must be an ISO 8601 date and time, e.g. 2027-01-31T00:00:00Z" }]);
                if (at <= now) return Problems.Validation("the expiry is in the past", [new { path = "$.expiresAt", message = "must be in the future" }]);
                expiresAt = at;
            }
            else if (body.ExpiresInDays is { } days)
            {
                if (days != Math.Floor(days) || days is < 1 or > 3650)
                    return Problems.Validation("expiresInDays is a whole number of days", [new { path = "$.expiresInDays", message = "must be a whole number from 1 to 3650" }]);
                expiresAt = now.AddDays((int)days);
            }
            var key = ApiKeyAuthenticationHandler.NewKey();
            var record = new AccessKeyRecord("key_" + Guid.NewGuid().ToString("N")[..16], context.User.UserId()!, name.Trim(), scopes, now, expiresAt);
            await keys.AddAsync(record, ApiKeyAuthenticationHandler.Hash(key), ct);
            // The key is shown this once; only its hash is stored.
            return TypedResults.Created($"/api/keys/{record.Id}", KeyCreated.Of(KeyJson(record, clock), key));
        }).WithName("CreateKey").ProducesBodyProblems();

        keys.MapDelete("/{id}", async Task<Results<Ok<KeyResponse>, ProblemHttpResult>> (string id, HttpContext context, IAccessKeyStore keys, TimeProvider clock, CancellationToken ct) =>
        {
            var key = await keys.GetAsync(id, ct);
            // Another user's key looks absent unless the caller manages users.
            if (key is null || (key.UserId != context.User.UserId() && !AccessClaims.PermissionsOf(context.User).Contains(Permissions.UsersManage)))
                return Problems.Result(StatusCodes.Status404NotFound, "Not found", $"no API key '{id}'");
            await keys.RevokeAsync(id, clock.GetUtcNow(), ct);
            return TypedResults.Ok(KeyJson((await keys.GetAsync(id, ct))!, clock));
        }).WithName("RevokeKey").ProducesProblem(404);

        api.MapGet("/audit", async Task<Results<Ok<AuditEntryResponse[]>, ProblemHttpResult>> (string? userId, string? action, int? status, int? skip, int? take, IAuditLog audit, CancellationToken ct) =>
        {
            if (Paging.Refusal(skip, take, maxTake: 1000) is { } refusal) return refusal;
            var entries = await audit.ListAsync(new AuditQuery(userId, action, status, skip ?? 0, take ?? 100), ct);
            return TypedResults.Ok(entries.Select(e => new AuditEntryResponse(e.Id, e.At, e.Action, e.Status, e.UserId, e.UserName, e.KeyId, e.RequestId, e.Target, e.Detail)).ToArray());
        }).WithTags("Audit").WithName("ListAudit").ProducesProblem(422);
    }

    private static (List<string> Roles, ProblemHttpResult? Problem) ReadRoles(string?[]? array, ClaimsPrincipal caller)
    {
        var roles = new List<string>();
        if (array is null) return (roles, null);
        for (var i = 0; i < array.Length; i++)
        {
            var role = array[i];
            if (role is null || !Hosting.Access.Roles.IsKnown(role))
                return (roles, Problems.Validation("unknown role", [new { path = $"$.roles[{i}]", message = $"must be one of: {string.Join(", ", Hosting.Access.Roles.All)}" }]));
            if (role == Hosting.Access.Roles.Owner && !caller.IsInRole(Hosting.Access.Roles.Owner))
                return (roles, Problems.Result(StatusCodes.Status403Forbidden, "Forbidden", "only an owner grants the owner role"));
            if (!roles.Contains(role)) roles.Add(role);
        }
        return (roles, null);
    }

    private static async Task<bool> IsOwnerAsync(UserManager<FlowUser> users, FlowUser user) => await users.IsInRoleAsync(user, Roles.Owner);

    private static ProblemHttpResult NoUser(string id) => Problems.Result(StatusCodes.Status404NotFound, "Not found", $"no user '{id}'");

    private static async Task<UserResponse> UserJsonAsync(UserManager<FlowUser> users, FlowUser user) => new(
        user.Id, user.UserName, user.Email,
        [.. (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal)],
        AccountState.IsDisabled(user),
        !AccountState.IsDisabled(user) && user.LockoutEnd is { } end ? end : null,
        user.SetupPending,
        [.. (await users.GetLoginsAsync(user)).Select(l => l.LoginProvider)],
        user.CreatedAt);

    private static KeyResponse KeyJson(AccessKeyRecord key, TimeProvider clock) => new(
        key.Id, key.Name, key.UserId, [.. key.Scopes], key.CreatedAt, key.ExpiresAt, key.RevokedAt, key.LastUsedAt,
        key.RevokedAt is not null ? "revoked" : key.ExpiresAt <= clock.GetUtcNow() ? "expired" : "active");
}
