using FlowConnectors.Persistence.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace FlowConnectors.Server.Hosting.Access;

/// <summary>
/// The fallback policy of every endpoint: an /api operation needs the permission <see cref="OperationRules"/> names
/// for it. Other paths (hooks, webhooks, callbacks, the OAuth callback, the designer's files) keep their own tokens
/// and signatures and pass here.
/// </summary>
internal sealed class OperationRequirement : IAuthorizationRequirement
{
    public static readonly AuthorizationPolicy Policy = new AuthorizationPolicyBuilder().AddRequirements(new OperationRequirement()).Build();
}

internal sealed class OperationAuthorizationHandler : AuthorizationHandler<OperationRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OperationRequirement requirement)
    {
        if (context.Resource is not HttpContext http) return Task.CompletedTask;
        var endpoint = http.GetEndpoint();
        if (!OperationRules.IsManagementPath(http.Request.Path) || endpoint?.Metadata.GetMetadata<AnonymousOperation>() is not null)
        {
            context.Succeed(requirement);
            return Task.CompletedTask;
        }
        var permission = OperationRules.PermissionFor(endpoint, http.Request.Method);
        http.Items[typeof(OperationRequirement)] = permission;
        if (AccessClaims.PermissionsOf(context.User).Contains(permission)) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

/// <summary>Answers a refused /api request as problem details (401 without valid credentials, 403 without the permission).</summary>
internal sealed class OperationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (!OperationRules.IsManagementPath(context.Request.Path) || result.Succeeded)
        {
            await _default.HandleAsync(next, context, policy, result);
            return;
        }
        if (context.User.Identity?.IsAuthenticated != true)
        {
            // The same words for an unknown, expired or revoked key: the answer never says which.
            var sent = ApiKeyAuthenticationHandler.KeyOf(context.Request) is not null;
            await Problems.Write(context, StatusCodes.Status401Unauthorized, "API key required",
                sent ? "the API key is not valid" : $"send an API key in the {ApiKeyAuthenticationHandler.Header} header, or sign in");
            return;
        }
        var permission = context.Items[typeof(OperationRequirement)] as string ?? Permissions.Unclassified;
        await Problems.Write(context, StatusCodes.Status403Forbidden, "Forbidden",
            context.User.KeyIdOf() is not null && Roles.PermissionsOf(context.User.FindAll(System.Security.Claims.ClaimTypes.Role).Select(c => c.Value)).Contains(permission)
                ? $"this API key's scopes do not include {permission}"
                : $"your roles do not allow {permission}");
    }
}

/// <summary>
/// Records every management action (an /api request that is not a read) and every refused request in the audit log:
/// who (user, and key when one was used), the operation, the answer's status and the request id (also sent back as
/// X-Request-Id).
/// </summary>
internal sealed class AuditMiddleware(RequestDelegate next, IAuditLog audit, TimeProvider clock, ILogger<AuditMiddleware> logger)
{
    // A full or unreachable database fails every audit write alike: one line per 30 s with the count, as the 503s are logged.
    private readonly ThrottledLog _storageFailureLog = new(clock);

    public async Task InvokeAsync(HttpContext context)
    {
        if (!OperationRules.IsManagementPath(context.Request.Path) && !context.Request.Path.StartsWithSegments("/auth"))
        {
            await next(context);
            return;
        }
        context.Response.Headers["X-Request-Id"] = context.TraceIdentifier;
        try
        {
            await next(context);
        }
        finally
        {
            var status = context.Response.StatusCode;
            var write = !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method));
            if (write || status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden)
                await RecordAsync(context, status);
        }
    }

    private async Task RecordAsync(HttpContext context, int status)
    {
        var endpoint = context.GetEndpoint() as RouteEndpoint;
        var route = endpoint?.RoutePattern.RawText is { } raw ? "/" + raw.TrimStart('/') : context.Request.Path.Value ?? "";
        var values = context.Request.RouteValues.Where(v => v.Value is not null).Select(v => $"{v.Key}={v.Value}").ToList();
        var user = context.User;
        var detail = status switch
        {
            StatusCodes.Status401Unauthorized => ApiKeyAuthenticationHandler.KeyOf(context.Request) is null ? "no credentials" : "invalid credentials",
            StatusCodes.Status403Forbidden => context.Items[typeof(OperationRequirement)] is string permission ? $"needs {permission}" : null,
            _ => null,
        };
        try
        {
            await audit.AppendAsync(new AuditRecord(clock.GetUtcNow(), $"{context.Request.Method} {route}", status, user.UserId(), user.UserName(),
                user.KeyIdOf(), context.TraceIdentifier, values.Count > 0 ? string.Join(' ', values) : null, detail), CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The action happened; a failed audit write is logged, not turned into a failed answer. A full or unreachable
            // database is named, without a stack trace: it is no bug, and every write fails alike until there is room.
            if (FlowConnectors.Persistence.StorageFailures.Describe(e) is { } storage)
            {
                if (_storageFailureLog.TryEnter(out var heldBack))
                    logger.LogWarning("could not write the audit entry for {Method} {Route} ({Status}): {Cause}; {HeldBack} more audit entries could not be written so since the last such line",
                        context.Request.Method, route, status, storage.Description, heldBack);
            }
            else
                logger.LogError(e, "could not write the audit entry for {Method} {Route} ({Status})", context.Request.Method, route, status);
        }
    }
}
