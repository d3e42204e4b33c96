using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;

namespace FlowConnectors.Server.Hosting.Access;

/// <summary>
/// A browser session's state-changing request must carry the antiforgery token (<c>X-CSRF-Token</c>, from
/// <c>GET /auth/session</c>) besides its SameSite=Strict cookie. API-key requests carry no ambient credential and need none.
/// </summary>
internal sealed class CsrfCheck(RequestDelegate next, IAntiforgery antiforgery)
{
    public const string Header = "X-CSRF-Token";

    public async Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method;
        var safe = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
        if (!safe && context.User.Identity is { IsAuthenticated: true, AuthenticationType: var type } && type == IdentityConstants.ApplicationScheme
            && (OperationRules.IsManagementPath(context.Request.Path) || context.Request.Path.StartsWithSegments("/auth"))
            && !await antiforgery.IsRequestValidAsync(context))
        {
            await Problems.Write(context, StatusCodes.Status400BadRequest, "Antiforgery token required",
                $"a signed-in browser sends the token from GET /auth/session in the {Header} header with every change");
            return;
        }
        await next(context);
    }
}
