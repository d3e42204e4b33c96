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

/// <summary>Installed connectors under /api/connectors.</summary>
internal static class ConnectorEndpoints
{
    /// <summary>Installed connectors.</summary>
    public static RouteGroupBuilder MapConnectors(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/connectors").WithTags("Connectors");
        group.MapGet("", (ConnectorRuntime runtime) => TypedResults.Ok(runtime.Installed.Connectors.Select(c => ConnectorJson(c, withFlows: false)).ToArray()))
            .WithName("ListConnectors");
        group.MapGet("/{key}", Results<Ok<ConnectorResponse>, ProblemHttpResult> (string key, ConnectorRuntime runtime) =>
            runtime.Installed.Connectors.FirstOrDefault(c => c.Manifest.Key == key) is { } package
                ? TypedResults.Ok(ConnectorJson(package, withFlows: true))
                : Problems.Result(404, "Not found", $"connector '{key}' is not installed"))
            .WithName("GetConnector").ProducesProblem(404);
        return api;
    }

    private static ConnectorResponse ConnectorJson(Connectors.Manifest.ConnectorPackage package, bool withFlows)
    {
        var m = package.Manifest;
        return new ConnectorResponse(m.Key, m.Name, m.Version, m.Description, m.AccentColor, m.DocumentationUrl, Connectors.Manifest.AuthSettings.WireName(m.Auth.Kind),
            [.. m.ConnectionParameters.Select(p => new ConnectorParameterResponse(p.Name, p.Label, p.Type.ToString().ToLowerInvariant(), p.Required, p.Description, p.Default,
                [.. p.Options.Select(o => new ConnectorParameterOption(o.Label, o.Value))]))],
            withFlows
                ? [.. package.Flows.Values.OrderBy(f => f.Definition.Id, StringComparer.Ordinal)
                    .Select(f => new ConnectorFlowResponse(f.Definition.Id, f.Definition.Name, f.Definition.Extensions.GetValueOrDefault("card")?.DeepClone()))]
                : null);
    }
}
