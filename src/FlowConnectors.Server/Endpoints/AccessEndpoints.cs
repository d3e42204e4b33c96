using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Persistence.Identity;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Access;
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
        var api = app.MapGroup("/api");

        api.MapGet("/roles", () => Results.Json(Roles.All.Select(role => new { name = role, permissions = Roles.PermissionsOf([role]).Order(StringComparer.Ordinal) })))
            .RequirePermission(Permissions.UsersManage);

        api.MapGet("/users", async (UserManager<FlowUser> users, CancellationToken ct) =>
        {
            var list = new JsonArray();
            foreach (var user in users.Users.OrderBy(u => u.UserName).ToList()) list.Add(await UserJsonAsync(users, user));
            return Results.Json(list);
        });

        api.MapGet("/users/{id}", async (string id, UserManager<FlowUser> users) =>
            await users.FindByIdAsync(id) is { } user ? Results.Json(await UserJsonAsync(users, user)) : NoUser(id));

        api.MapPost("/users", async (HttpContext context, UserManager<FlowUser> users, ServerOptions options, TimeProvider clock) =>
        {
            var (body, problem) = await Problems.ReadJsonObjectAsync(context.Request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            var userName = JsonFields.Text(body!, "userName");
            if (string.IsNullOrWhiteSpace(userName)) return Problems.Validation("a user needs a userName", [new { path = "$.userName", message = "required" }]);
            var password = JsonFields.Text(body!, "password");
            var (roles, rolesProblem) = ReadRoles(body!, context.User);
            if (rolesProblem is not null) return rolesProblem;
            var user = new FlowUser { UserName = userName.Trim(), Email = JsonFields.Text(body!, "email"), CreatedAt = clock.GetUtcNow(), LockoutEnabled = true };
            var created = password is null ? await users.CreateAsync(user) : await users.CreateAsync(user, password);
            if (!created.Succeeded)
                return Problems.Validation("the user cannot be created", created.Errors.Select(e => new
                {
                    path = e.Code.Contains("Password", StringComparison.Ordinal) ? "$.password" : "$.userName",
                    message = e.Description,
                }));
            await users.AddToRolesAsync(user, roles);
            return Results.Json(await UserJsonAsync(users, user), statusCode: StatusCodes.Status201Created);
        });

        api.MapPut("/users/{id}/roles", async (string id, HttpContext context, UserManager<FlowUser> users, ServerOptions options) =>
        {
            if (await users.FindByIdAsync(id) is not { } user) return NoUser(id);
            var (body, problem) = await Problems.ReadJsonObjectAsync(context.Request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            var (roles, rolesProblem) = ReadRoles(body!, context.User);
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
            return Results.Json(await UserJsonAsync(users, user));
        });

        api.MapPost("/users/{id}/password", async (string id, HttpContext context, UserManager<FlowUser> users, ServerOptions options) =>
        {
            if (await users.FindByIdAsync(id) is not { } user) return NoUser(id);
            if (await IsOwnerAsync(users, user) && !context.User.IsInRole(Roles.Owner))
                return Problems.Result(StatusCodes.Status403Forbidden, "Forbidden", "only an owner sets an owner's password");
            var (body, problem) = await Problems.ReadJsonObjectAsync(context.Request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            var password = JsonFields.Text(body!, "password");
            if (string.IsNullOrEmpty(password)) return Problems.Validation("a new password is required", [new { path = "$.password", message = "required" }]);
            var token = await users.GeneratePasswordResetTokenAsync(user);
            var reset = await users.ResetPasswordAsync(user, token, password);
            if (!reset.Succeeded) return Problems.Validation("the password is not accepted", reset.Errors.Select(e => new { path = "$.password", message = e.Description }));
            await users.SetLockoutEndDateAsync(user, null);
            await users.ResetAccessFailedCountAsync(user);
            return Results.NoContent();
        });

        api.MapPost("/users/{id}/disable", async (string id, HttpContext context, UserManager<FlowUser> users) =>
        {
            if (await users.FindByIdAsync(id) is not { } user) return NoUser(id);
            if (user.Id == context.User.UserId()) return Problems.Result(StatusCodes.Status409Conflict, "Not yourself", "you cannot disable your own account");
            if (await IsOwnerAsync(users, user) && !context.User.IsInRole(Roles.Owner))
                return Problems.Result(StatusCodes.Status403Forbidden, "Forbidden", "only an owner disables an owner");
            await users.SetLockoutEnabledAsync(user, true);
            await users.SetLockoutEndDateAsync(user, AccountState.DisabledUntil);
            await users.UpdateSecurityStampAsync(user); // ends open sessions
            return Results.Json(await UserJsonAsync(users, user));
        });

        api.MapPost("/users/{id}/enable", async (string id, UserManager<FlowUser> users) =>
        {
            if (await users.FindByIdAsync(id) is not { } user) return NoUser(id);
            await users.SetLockoutEndDateAsync(user, null);
            await users.ResetAccessFailedCountAsync(user);
            return Results.Json(await UserJsonAsync(users, user));
        });

        api.MapGet("/users/{id}/keys", async (string id, UserManager<FlowUser> users, IAccessKeyStore keys, TimeProvider clock, CancellationToken ct) =>
            await users.FindByIdAsync(id) is null ? NoUser(id) : Results.Json((await keys.ListAsync(id, ct)).Select(k => KeyJson(k, clock))));

        // Keys: everyone manages their own; users.manage sees and revokes anyone's through /api/users/{id}/keys and DELETE /api/keys/{id}.
        api.MapGet("/keys", async (HttpContext context, IAccessKeyStore keys, TimeProvider clock, CancellationToken ct) =>
            Results.Json((await keys.ListAsync(context.User.UserId()!, ct)).Select(k => KeyJson(k, clock))));

        api.MapPost("/keys", async (HttpContext context, IAccessKeyStore keys, ServerOptions options, TimeProvider clock, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonObjectAsync(context.Request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            var name = JsonFields.Text(body!, "name");
            if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
                return Problems.Validation("a key needs a name (at most 100 characters)", [new { path = "$.name", message = "required, at most 100 characters" }]);
            // A key can do at most what the caller can do now (with a key: that key's scopes), never more.
            var allowed = AccessClaims.PermissionsOf(context.User);
            var scopes = new List<string>();
            if (body!["scopes"] is { } scopesNode)
            {
                if (scopesNode is not JsonArray array) return Problems.Validation("scopes is a list of permissions", [new { path = "$.scopes", message = $"must be an array, not {JsonFields.KindOf(scopesNode)}" }]);
                for (var i = 0; i < array.Count; i++)
                {
                    var scope = array[i] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
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
            if (body["expiresAt"] is { } expiresNode)
            {
                if (expiresNode is not JsonValue ev || ev.GetValueKind() != JsonValueKind.String || !DateTimeOffset.TryParse(ev.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
                    return Problems.Validation("expiresAt is a date and time", [new { path = "$.expiresAt", message = "must be an ISO 8601 date and time, e.g. 2027-01-31T00:00:00Z" }]);
                if (at <= now) return Problems.Validation("the expiry is in the past", [new { path = "$.expiresAt", message = "must be in the future" }]);
                expiresAt = at;
            }
            else if (body["expiresInDays"] is { } daysNode)
            {
                if (daysNode is not JsonValue dv || !dv.TryGetValue(out int days) || days is < 1 or > 3650)
                    return Problems.Validation("expiresInDays is a whole number of days", [new { path = "$.expiresInDays", message = "must be a whole number from 1 to 3650" }]);
                expiresAt = now.AddDays(days);
            }
            var key = ApiKeyAuthenticationHandler.NewKey();
            var record = new AccessKeyRecord("key_" + Guid.NewGuid().ToString("N")[..16], context.User.UserId()!, name.Trim(), scopes, now, expiresAt);
            await keys.AddAsync(record, ApiKeyAuthenticationHandler.Hash(key), ct);
            var json = KeyJson(record, clock);
            json["key"] = key; // shown this once; only its hash is stored
            return Results.Json(json, statusCode: StatusCodes.Status201Created);
        });

        api.MapDelete("/keys/{id}", async (string id, HttpContext context, IAccessKeyStore keys, TimeProvider clock, CancellationToken ct) =>
        {
            var key = await keys.GetAsync(id, ct);
            // Another user's key looks absent unless the caller manages users.
            if (key is null || (key.UserId != context.User.UserId() && !AccessClaims.PermissionsOf(context.User).Contains(Permissions.UsersManage)))
                return Problems.Result(StatusCodes.Status404NotFound, "Not found", $"no API key '{id}'");
            await keys.RevokeAsync(id, clock.GetUtcNow(), ct);
            return Results.Json(KeyJson((await keys.GetAsync(id, ct))!, clock));
        });

        api.MapGet("/audit", async (string? userId, string? action, int? status, int? skip, int? take, IAuditLog audit, CancellationToken ct) =>
        {
            if (take is < 1 or > 1000) return Problems.Validation("take is from 1 to 1000", [new { path = "take", message = "must be from 1 to 1000" }]);
            if (skip is < 0) return Problems.Validation("skip is not negative", [new { path = "skip", message = "must be 0 or more" }]);
            var entries = await audit.ListAsync(new AuditQuery(userId, action, status, skip ?? 0, take ?? 100), ct);
            return Results.Json(entries.Select(e => new
            {
                id = e.Id, at = e.At, action = e.Action, status = e.Status, userId = e.UserId, userName = e.UserName, keyId = e.KeyId,
                requestId = e.RequestId, target = e.Target, detail = e.Detail,
            }));
        });
    }

    private static (List<string> Roles, IResult? Problem) ReadRoles(JsonObject body, ClaimsPrincipal caller)
    {
        var roles = new List<string>();
        if (body["roles"] is null) return (roles, null);
        if (body["roles"] is not JsonArray array)
            return (roles, Problems.Validation("roles is a list", [new { path = "$.roles", message = "must be an array of role names" }]));
        for (var i = 0; i < array.Count; i++)
        {
            var role = array[i] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
            if (role is null || !Hosting.Access.Roles.IsKnown(role))
                return (roles, Problems.Validation("unknown role", [new { path = $"$.roles[{i}]", message = $"must be one of: {string.Join(", ", Hosting.Access.Roles.All)}" }]));
            if (role == Hosting.Access.Roles.Owner && !caller.IsInRole(Hosting.Access.Roles.Owner))
                return (roles, Problems.Result(StatusCodes.Status403Forbidden, "Forbidden", "only an owner grants the owner role"));
            if (!roles.Contains(role)) roles.Add(role);
        }
        return (roles, null);
    }

    private static async Task<bool> IsOwnerAsync(UserManager<FlowUser> users, FlowUser user) => await users.IsInRoleAsync(user, Roles.Owner);

    private static IResult NoUser(string id) => Problems.Result(StatusCodes.Status404NotFound, "Not found", $"no user '{id}'");

    private static async Task<JsonObject> UserJsonAsync(UserManager<FlowUser> users, FlowUser user) => new()
    {
        ["id"] = user.Id,
        ["userName"] = user.UserName,
        ["email"] = user.Email,
        ["roles"] = new JsonArray((await users.GetRolesAsync(user)).Order(StringComparer.Ordinal).Select(r => (JsonNode)r).ToArray()),
        ["disabled"] = AccountState.IsDisabled(user),
        ["lockedOutUntil"] = !AccountState.IsDisabled(user) && user.LockoutEnd is { } end ? end : null,
        ["setupPending"] = user.SetupPending,
        ["logins"] = new JsonArray((await users.GetLoginsAsync(user)).Select(l => (JsonNode)l.LoginProvider).ToArray()),
        ["createdAt"] = user.CreatedAt,
    };

    private static JsonObject KeyJson(AccessKeyRecord key, TimeProvider clock) => new()
    {
        ["id"] = key.Id,
        ["name"] = key.Name,
        ["userId"] = key.UserId,
        ["scopes"] = new JsonArray(key.Scopes.Select(s => (JsonNode)s).ToArray()),
        ["createdAt"] = key.CreatedAt,
        ["expiresAt"] = key.ExpiresAt,
        ["revokedAt"] = key.RevokedAt,
        ["lastUsedAt"] = key.LastUsedAt,
        ["status"] = key.RevokedAt is not null ? "revoked" : key.ExpiresAt <= clock.GetUtcNow() ? "expired" : "active",
    };
}
