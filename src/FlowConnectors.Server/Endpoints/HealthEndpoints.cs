using FlowConnectors.Persistence;
using FlowConnectors.Runtime;
using FlowConnectors.Server.Hosting;

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
        var health = app.MapGroup("/health").ExcludeFromDescription();
        health.MapGet("/live", (NodeIdentity node) => Results.Json(new { status = "live", node = node.NodeId }));
        health.MapGet("/ready", async (IServiceProvider services, NodeIdentity node, CancellationToken ct) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            string? problem;
            try { problem = await PersistenceHealth.ProblemAsync(services, timeout.Token); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { problem = "the database did not answer within 5 s"; }
            return problem is null
                ? Results.Json(new { status = "ready", node = node.NodeId })
                : Problems.Result(StatusCodes.Status503ServiceUnavailable, "Not ready", $"node {node.NodeId}: {problem}");
        });
    }
}
