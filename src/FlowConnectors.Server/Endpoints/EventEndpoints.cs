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

/// <summary>Events under /api/events.</summary>
internal static class EventEndpoints
{
    /// <summary>Events: resume every Wait for Event bookmark with this name and correlation id.</summary>
    public static RouteGroupBuilder MapEvents(this RouteGroupBuilder api)
    {
        // (every instance waiting when the event is processed; kept for EventRetention when none waits)
        api.MapPost("/events", async Task<Results<Accepted<EventAccepted>, ProblemHttpResult>> (EventRequest request, IInboxStore inbox, BackgroundWorkers workers,
            ServerOptions options, TimeProvider clock, CancellationToken ct) =>
        {
            if (StimulusCheck.Problem(request.Payload, options.MaxPayloadDepth, options.MaxBodyBytes) is { } invalid)
                return Problems.Validation(invalid.Message, [new { path = invalid.Path, message = invalid.Message }]);
            var stimulus = new EventStimulus(request.Event!, request.CorrelationId);
            var id = await inbox.AddAsync(new InboxMessage
            {
                Kind = stimulus.Name,
                Hash = stimulus.Hash,
                Payload = request.Payload?.DeepClone(),
                ReceivedAt = clock.GetUtcNow(),
            }, ct);
            workers.Wake();
            return TypedResults.Accepted((string?)null, new EventAccepted(true, id));
        }).WithTags("Events").WithName("SendEvent").ProducesBodyProblems();

        return api;
    }
}
