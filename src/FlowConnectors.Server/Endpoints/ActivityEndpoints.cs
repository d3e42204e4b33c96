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

/// <summary>Activities under /api/activities.</summary>
internal static class ActivityEndpoints
{
    /// <summary>The activity palette: every activity's descriptor, generated from the runtime.</summary>
    public static RouteGroupBuilder MapActivities(this RouteGroupBuilder api)
    {
        api.MapGet("/activities", (ActivityRegistry registry) => TypedResults.Ok(registry.Descriptors.Select(ActivityResponse.Of).ToArray()))
            .WithTags("Flows").WithName("ListActivities");
        return api;
    }
}
