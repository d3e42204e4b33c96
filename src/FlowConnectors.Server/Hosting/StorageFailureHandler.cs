using FlowConnectors.Persistence;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// A request that failed because the database is full or cannot be written or reached (<see cref="StorageFailures"/>) is
/// answered 503 with Retry-After and the cause, not 500: nothing of it was acknowledged, and a webhook's sender or an
/// automation retries it once the operator has made room. Logged as one warning when it starts and then at most one line
/// per 30 seconds with the count, without a stack trace, so a full disk under load does not fill the log too.
/// </summary>
internal sealed class StorageFailureHandler(IProblemDetailsService problems, ILogger<StorageFailureHandler> logger, TimeProvider clock) : IExceptionHandler
{
    private readonly ThrottledLog _log = new(clock);

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (StorageFailures.Describe(exception) is not { } failure) return false;
        Log(context, failure);
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = failure.Kind == StorageFailureKind.Full ? "Storage full" : "Storage unavailable",
            Detail = $"{failure.Description}: the request was not stored; send it again later",
            Type = "https://httpstatuses.io/503",
        };
        // A full disk waits for an operator; a refused connection usually passes sooner.
        context.Response.Headers.RetryAfter = failure.Kind == StorageFailureKind.Full ? "60" : "10";
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private void Log(HttpContext context, StorageFailure failure)
    {
        if (!_log.TryEnter(out var heldBack)) return;
        logger.LogWarning("{Method} {Route} answered 503: {Cause}; {HeldBack} more requests were answered 503 for storage since the last such line",
            context.Request.Method, FailedRoute.PatternOf(context), failure.Description, heldBack);
    }
}
