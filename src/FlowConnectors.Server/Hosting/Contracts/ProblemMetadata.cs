namespace FlowConnectors.Server.Hosting.Contracts;

/// <summary>The problem answers an endpoint declares to OpenAPI, beside its typed success answers.</summary>
internal static class ProblemMetadata
{
    /// <summary>What any endpoint with a JSON body can answer: 400 (JSON the server cannot keep), 413, 415 and 422.</summary>
    public static RouteHandlerBuilder ProducesBodyProblems(this RouteHandlerBuilder builder) => builder
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    /// <summary>
    /// What every operation behind the API key can answer: 401 without credentials, 403 without the permission, and 503 with
    /// Retry-After when the storage it needs is full or cannot be reached (<c>StorageFailureHandler</c>; the key itself is
    /// checked against the database).
    /// </summary>
    public static RouteGroupBuilder ProducesAccessProblems(this RouteGroupBuilder group) => group
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <summary>As the group's, for an endpoint mapped outside an /api group.</summary>
    public static RouteHandlerBuilder ProducesAccessProblems(this RouteHandlerBuilder builder) => builder
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses) builder.ProducesProblem(status);
        return builder;
    }
}
