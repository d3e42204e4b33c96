using System.Globalization;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Incidents: faulted instances grouped by flow, node and message, with how many, the first and last occurrence and
/// the latest instance. Instances that faulted since the last retention pass are counted before the answer.
/// </summary>
internal static class IncidentEndpoints
{
    public static IEndpointRouteBuilder MapIncidents(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Incidents").ProducesAccessProblems();
        api.MapGet("/incidents", async Task<Results<Ok<IncidentPage>, ProblemHttpResult>> (string? flowId, string? nodeId, string? since, string? q, int? skip, int? take,
            IRetentionStore store, RetentionWorker worker, CancellationToken ct) =>
        {
            DateTimeOffset? from = null;
            if (since is not null)
            {
                if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                    return Problems.Validation($"since '{since}' is not a date and time (ISO 8601, e.g. 2026-12-03T08:00:00Z)",
                        [new { path = "since", message = "not a date and time" }]);
                from = parsed;
            }
            if (Paging.Refusal(skip, take, maxTake: 1000) is { } refusal) return refusal;
            await worker.CollectIncidentsAsync(ct);
            var page = await store.ListIncidentsAsync(new IncidentQuery(flowId, nodeId, from, q, skip ?? 0, take ?? 100), ct);
            return TypedResults.Ok(page);
        }).WithName("ListIncidents").ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/incidents/{id}", async Task<Results<Ok<Incident>, ProblemHttpResult>> (string id, IRetentionStore store, RetentionWorker worker, CancellationToken ct) =>
        {
            await worker.CollectIncidentsAsync(ct);
            return await store.GetIncidentAsync(id, ct) is { } incident
                ? TypedResults.Ok(incident)
                : Problems.NotFound($"incident '{id}' does not exist");
        }).WithName("GetIncident").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}

