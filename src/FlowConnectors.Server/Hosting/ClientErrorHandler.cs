using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// The last resort for exceptions that are the client's doing: a request Kestrel or parameter binding
/// rejects (<see cref="BadHttpRequestException"/>: a body over the limit, a broken chunk, a parameter that
/// does not bind) and <see cref="InputException"/>. They are answered with their 4xx as a problem detail.
/// Anything else is a server bug and is left to the default handler: logged with its stack trace, answered
/// 500 with a trace id and nothing of the exception. JsonException is deliberately not mapped: bodies are
/// checked whole by <see cref="JsonInput"/> before use, so one that reaches here comes from the server
/// (state that no longer serializes) and must stay a visible 500.
/// </summary>
internal sealed class ClientErrorHandler(IProblemDetailsService problems, ILogger<ClientErrorHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails problem;
        switch (exception)
        {
            case Contracts.RequestProblemException refused:
                // A typed body the server's JSON reader refused (415, 413, 400 with its JSON path, 422 for a non-object).
                await refused.Problem.ExecuteAsync(context);
                return true;
            case BadHttpRequestException bad:
                // Kestrel's and binding's messages describe the request ("Request body too large. The max request body size is 1048576 bytes.");
                // a query or route value that did not bind is named in the API's words.
                problem = ParameterProblems.Describe(context, bad)
                    ?? new ProblemDetails { Status = bad.StatusCode, Title = TitleOf(bad.StatusCode), Detail = bad.Message };
                break;
            case InputException input:
                problem = new ProblemDetails { Status = StatusCodes.Status422UnprocessableEntity, Title = "Invalid input", Detail = $"{input.Path} {input.Message}" };
                problem.Extensions["errors"] = new[] { new { path = input.Path, message = input.Message } };
                break;
            default:
                return false;
        }
        logger.LogInformation("{Method} {Route} refused with {Status}: {Detail}", context.Request.Method, FailedRoute.PatternOf(context), problem.Status, problem.Detail);
        problem.Type = $"https://httpstatuses.io/{problem.Status}";
        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static string TitleOf(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "Body too large",
        StatusCodes.Status408RequestTimeout => "Request timeout",
        StatusCodes.Status431RequestHeaderFieldsTooLarge => "Headers too large",
        _ => "Bad request",
    };
}
