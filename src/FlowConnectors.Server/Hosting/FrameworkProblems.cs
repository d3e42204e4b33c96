using Microsoft.AspNetCore.Http.Metadata;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// Problems ASP.NET Core writes without a word of why (routing's 404 and 405, the 415 of an endpoint's declared content
/// type, the 400 of a query value that does not parse): given the detail the server's own problems have, and the same kind
/// of type link.
/// </summary>
internal static class FrameworkProblems
{
    public static void Describe(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var request = context.HttpContext.Request;
        if (problem.Status is { } status && (problem.Type is null || problem.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal)))
            problem.Type = $"https://httpstatuses.io/{status}";
        if (problem.Detail is not null) return;
        if (problem.Status == StatusCodes.Status400BadRequest && ParameterProblems.FindUnparsable(context.HttpContext) is { } unparsable)
        {
            problem.Title = unparsable.Title;
            problem.Detail = unparsable.Detail;
            problem.Extensions["errors"] = unparsable.Extensions["errors"];
            return;
        }
        problem.Detail = problem.Status switch
        {
            StatusCodes.Status404NotFound when context.HttpContext.GetEndpoint() is null => $"nothing is served at {request.Method} {request.Path}",
            StatusCodes.Status405MethodNotAllowed => $"{request.Path} does not take {request.Method}"
                + (context.HttpContext.Response.Headers.Allow is { Count: > 0 } allow ? $"; it takes {allow}" : ""),
            StatusCodes.Status415UnsupportedMediaType => $"send {Accepted(context.HttpContext)}, not {request.ContentType ?? "no content type"}",
            _ => null,
        };
    }

    private static string Accepted(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is { ContentTypes.Count: > 0 } accepts
            ? string.Join(" or ", accepts.ContentTypes)
            : "application/json";
}
