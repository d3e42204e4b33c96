using FlowConnectors.Persistence;
using FlowConnectors.Runtime;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Probes for a load balancer or orchestrator, anonymous and outside /api: <c>/health/live</c> answers while the
/// process serves requests; <c>/health/ready</c> only when this node can serve any request (the database answers,
/// every migration is applied, and on PostgreSQL it hears other nodes' changes), else 503 with the reason.
/// </summary>
internal static class HealthEndpoints
{
    public static void Map(WebApplication app)
    {
        var health = app.MapGroup("/health").WithTags("Health");
        health.MapGet("/live", (NodeIdentity node) => TypedResults.Ok(new HealthResponse("live", node.NodeId)))
            .WithName("Live")
            .WithSummary("Answers while the process serves requests")
            // Like every route, a query holding U+0000 is refused (NulGuard).
            .ProducesProblems(StatusCodes.Status400BadRequest);
        health.MapGet("/ready", async Task<Results<Ok<HealthResponse>, ProblemHttpResult>> (IServiceProvider services, NodeIdentity node, CancellationToken ct) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            string? problem;
            try { problem = await PersistenceHealth.ProblemAsync(services, timeout.Token); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { problem = "the database did not answer within 5 s"; }
            return problem is null
                ? TypedResults.Ok(new HealthResponse("ready", node.NodeId))
                : Problems.Result(StatusCodes.Status503ServiceUnavailable, "Not ready", $"node {node.NodeId}: {problem}");
        })
            .WithName("Ready")
            .WithSummary("Answers when this node can serve any request, else 503 with the reason")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary>A probe's answer: "live" or "ready", and which node answered.</summary>
internal sealed record HealthResponse(string Status, string Node);
