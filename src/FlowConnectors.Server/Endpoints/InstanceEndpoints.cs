using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using FlowConnectors.Server.Hosting.Access;
using FlowConnectors.Server.Runtime;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Server.Endpoints;

/// <summary>Instances under /api/instances and the inbox's dead letters (retry and repair: InstanceRepairEndpoints).</summary>
internal static class InstanceEndpoints
{
    /// <summary>Instances: list, read, journal, cancel; and the inbox's dead letters.</summary>
    public static RouteGroupBuilder MapInstances(this RouteGroupBuilder api)
    {
        api.MapGet("/instances", async Task<Results<Ok<InstanceSummaryResponse[]>, ProblemHttpResult>> (string? status, string? flowId, string? correlationId, int? skip, int? take,
            IInstanceStore instances, CancellationToken ct) =>
        {
            FlowStatus? filter = null;
            if (status is not null)
            {
                if (!Enum.TryParse<FlowStatus>(status, ignoreCase: true, out var parsed))
                    return Problems.Validation($"status '{status}' is not one of running, suspended, finished, faulted, cancelled",
                        [new { path = "status", message = "unknown status" }]);
                filter = parsed;
            }
            if (Paging.Refusal(skip, take, maxTake: 1000) is { } refusal) return refusal;
            var list = await instances.ListAsync(new InstanceQuery(filter, flowId, correlationId, skip ?? 0, take ?? 100), ct);
            return TypedResults.Ok(list.Select(InstanceSummaryResponse.Of).ToArray());
        }).WithTags("Instances").WithName("ListInstances").ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/instances/{id}", async Task<Results<Ok<InstanceDetails>, ProblemHttpResult>> (string id, IInstanceStore instances, IFlowStore flows, ActivityRegistry registry, CancellationToken ct) =>
        {
            if (await instances.GetAsync(id, ct) is not { } stored) return Problems.NotFound($"instance '{id}' does not exist");
            if (WorkflowHost.DraftOf(stored.State, stored.FlowVersion) is { } draft) return TypedResults.Ok(InstanceDetails.Of(stored, draft, registry));
            var flow = await flows.GetAsync(stored.State.FlowId, stored.FlowVersion, ct);
            return TypedResults.Ok(InstanceDetails.Of(stored, flow is null ? null : FlowJson.Load(flow.Json).Flow, registry));
        }).WithTags("Instances").WithName("GetInstance").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/instances/{id}/journal", async Task<Results<Ok<IReadOnlyList<JournalEntry>>, ProblemHttpResult>> (string id, IInstanceStore instances, CancellationToken ct) =>
            await instances.GetAsync(id, ct) is null
                ? Problems.NotFound($"instance '{id}' does not exist")
                : TypedResults.Ok(await instances.GetJournalAsync(id, ct)))
            .WithTags("Instances").WithName("GetInstanceJournal").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/instances/{id}/cancel", async Task<Results<Ok<InstanceCancelled>, ProblemHttpResult>> (string id, HttpContext context, WorkflowHost host, CancellationToken ct) =>
            await host.CancelAsync(id, ct, InstanceRepairEndpoints.Who(context.User)) switch
        {
            CancelOutcome.Cancelled => TypedResults.Ok(new InstanceCancelled(id, "cancelled")),
            CancelOutcome.NotFound => Problems.NotFound($"instance '{id}' does not exist"),
            _ => Problems.Conflict($"instance '{id}' has already ended"),
        }).WithTags("Instances").WithName("CancelInstance").ProducesProblems(404, 409);
        // Stored stimuli given up on: too many failed attempts, or refused as undeliverable. Newest first.
        api.MapGet("/inbox/dead-letters", async Task<Results<Ok<DeadLetter[]>, ProblemHttpResult>> (int? skip, int? take, IInboxStore inbox, CancellationToken ct) =>
            Paging.Refusal(skip, take, maxTake: 1000) is { } refusal
                ? refusal
                : TypedResults.Ok((await inbox.ListDeadLettersAsync(skip ?? 0, take ?? 100, ct)).Select(DeadLetter.Of).ToArray()))
            .WithTags("Instances").WithName("ListDeadLetters").ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return api;
    }
}
