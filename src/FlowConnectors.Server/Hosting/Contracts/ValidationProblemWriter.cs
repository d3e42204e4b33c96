using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace FlowConnectors.Server.Hosting.Contracts;

/// <summary>
/// Answers the minimal-API validation's failures (AddValidation, DataAnnotations on request records) the way every
/// other invalid input is answered here: 422 "Invalid input" with an <c>errors</c> list of JSON paths and messages,
/// instead of the framework's 400 with a dictionary keyed by member names.
/// </summary>
internal sealed class ValidationProblemWriter : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => context.ProblemDetails is HttpValidationProblemDetails { Errors.Count: > 0 };

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var validation = (HttpValidationProblemDetails)context.ProblemDetails;
        var errors = validation.Errors
            .SelectMany(pair => pair.Value.Select(message => new ValidationError(PathOf(pair.Key), message)))
            .ToList();
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "Invalid input",
            Type = "https://httpstatuses.io/422",
            Detail = string.Join("; ", errors.Select(e => $"{e.Path} {e.Message}")),
        };
        problem.Extensions["errors"] = errors;
        return new ValueTask(response.WriteAsJsonAsync(problem, ProblemJson.Options, "application/problem+json"));
    }

    /// <summary>"Event.Connector" or "event.connector" as the JSON path "$.event.connector".</summary>
    internal static string PathOf(string key)
    {
        if (key.Length == 0) return "$";
        var segments = key.Split('.').Select(s => s.Length > 0 && char.IsUpper(s[0]) ? JsonNamingPolicy.CamelCase.ConvertName(s) : s);
        return "$." + string.Join('.', segments);
    }
}

/// <summary>One invalid member of a request: its JSON path and what is wrong.</summary>
internal sealed record ValidationError(string Path, string Message);

internal static class ProblemJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
