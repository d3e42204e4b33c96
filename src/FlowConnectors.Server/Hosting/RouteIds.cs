using FlowConnectors.Connectors.Connections;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// Ids in a URL checked before the endpoint runs. The connection stores refuse an id that could escape their
/// folder or key space with ArgumentException, a guard against programming errors; an id from a URL that breaks
/// the rule is the client's mistake and is answered as one (400 naming the route parameter), not as a 500.
/// </summary>
internal static class RouteIds
{
    /// <summary>The route value <paramref name="parameter"/> must be a connection id.</summary>
    public static RouteHandlerBuilder RequireConnectionId(this RouteHandlerBuilder route, string parameter = "id") =>
        route.AddEndpointFilter(async (context, next) =>
        {
            if (context.HttpContext.Request.RouteValues[parameter] is string id && !Connection.IsValidId(id))
                return Problems.Result(StatusCodes.Status400BadRequest, "Invalid connection id", $"connection id '{id}' {Connection.IdRule}",
                    [new { path = parameter, message = Connection.IdRule }]);
            return await next(context);
        });
}
