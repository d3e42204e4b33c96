using System.ComponentModel;
using System.Reflection;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Runtime;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.Metadata;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// POST /api/instances/{id}/retry: which version the retry runs on and the node mapping when the flow changed. The body
/// may be left out (the same version, no mapping). Bound by <see cref="BindAsync"/>, which answers 422 naming every bad
/// member at once, as the endpoint always did; OpenAPI describes the body as this record.
/// </summary>
internal sealed record RetryRequest : IBindableFromHttpContext<RetryRequest>, IEndpointParameterMetadataProvider
{
    /// <summary>"same" (default), "latest" (the latest published version) or a version number.</summary>
    [Description("\"same\" (default), \"latest\" (the latest published version) or a version number")]
    public JsonNode? Version { get; init; }

    /// <summary>Old node id to its id in the target version, for nodes the target version lacks.</summary>
    public Dictionary<string, string>? Mapping { get; init; }

    internal RetryTarget Target { get; private init; } = RetryTarget.Same;

    public static async ValueTask<RetryRequest?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var options = context.RequestServices.GetRequiredService<ServerOptions>();
        var (body, problem) = await Problems.ReadJsonObjectAsync(context.Request, options.MaxBodyBytes, required: false);
        if (problem is not null) throw new RequestProblemException(problem);
        body ??= [];
        var errors = new List<object>();
        foreach (var (name, _) in body)
            if (name is not ("version" or "mapping" or "filter"))
                errors.Add(new { path = $"$.{name}", message = "unknown field; a retry has version and mapping (and filter, for retry all)" });
        var target = InstanceRepairEndpoints.ParseTarget(body["version"]);
        if (target is null) errors.Add(new { path = "$.version", message = "must be same, latest or a version number" });
        var mapping = InstanceRepairEndpoints.ReadMapping(body["mapping"], errors);
        if (errors.Count > 0) throw new RequestProblemException(Problems.Validation("the retry is not valid", errors));
        return new RetryRequest { Version = body["version"]?.DeepClone(), Mapping = mapping, Target = target! };
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new AcceptsMetadata(["application/json"], typeof(RetryRequest), isOptional: true));
}

/// <summary>
/// POST /api/instances/{id}/alter: variables to set and waits (node or bookmark ids) to cancel on a suspended instance;
/// at least one of them. Bound by <see cref="BindAsync"/>, which answers 422 naming every bad member at once.
/// </summary>
internal sealed record AlterRequest : IBindableFromHttpContext<AlterRequest>, IEndpointParameterMetadataProvider
{
    /// <summary>Variable names and the values to set them to.</summary>
    public Dictionary<string, JsonNode?>? Variables { get; init; }

    /// <summary>Node ids or bookmark ids of waits to cancel.</summary>
    public List<string>? CancelWaits { get; init; }

    public static async ValueTask<AlterRequest?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var options = context.RequestServices.GetRequiredService<ServerOptions>();
        var (body, problem) = await Problems.ReadJsonObjectAsync(context.Request, options.MaxBodyBytes);
        if (problem is not null) throw new RequestProblemException(problem);
        var errors = new List<object>();
        var variables = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var waits = new List<string>();
        foreach (var (name, _) in body!)
            if (name is not ("variables" or "cancelWaits"))
                errors.Add(new { path = $"$.{name}", message = "unknown field; an alteration has variables and cancelWaits" });
        if (body["variables"] is JsonObject given)
            foreach (var (name, value) in given) variables[name] = value?.DeepClone();
        else if (body["variables"] is not null) errors.Add(new { path = "$.variables", message = "must be an object of variable names and values" });
        if (body["cancelWaits"] is JsonArray list)
            foreach (var (item, index) in list.Select((w, i) => (w, i)))
                if (item is JsonValue v && v.TryGetValue(out string? wait) && wait.Length > 0) waits.Add(wait);
                else errors.Add(new { path = $"$.cancelWaits[{index}]", message = "must be a node id or bookmark id" });
        else if (body["cancelWaits"] is not null) errors.Add(new { path = "$.cancelWaits", message = "must be a list of node or bookmark ids" });
        if (errors.Count == 0 && variables.Count == 0 && waits.Count == 0)
            errors.Add(new { path = "$.variables", message = "nothing to change: give variables to set or cancelWaits" });
        if (errors.Count > 0) throw new RequestProblemException(Problems.Validation("the alteration is not valid", errors));
        return new AlterRequest { Variables = variables, CancelWaits = waits };
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new AcceptsMetadata(["application/json"], typeof(AlterRequest)));
}

/// <summary>One node a retry runs again: why, whether it may do its work twice (sideEffects), and its idempotency key.</summary>
internal sealed record RerunNodeResponse(string NodeId, string ActivityType, string SideEffects, string Iteration, string? IdempotencyKey, string Reason)
{
    internal static RerunNodeResponse Of(RerunNode node) =>
        new(node.NodeId, node.ActivityType, SideEffectNames.Of(node.SideEffects), node.Iteration, node.IdempotencyKey, node.Reason);
}

/// <summary>What a retry runs again, from which version on which; unsafeNodes must be confirmed (confirmUnsafe=true).</summary>
internal sealed record RetryPlanResponse(string InstanceId, string FlowId, int FromVersion, int ToVersion, IReadOnlyList<RerunNodeResponse> Rerun,
    IReadOnlyList<string> UnsafeNodes)
{
    internal static RetryPlanResponse Of(RetryPlan plan) => new(plan.InstanceId, plan.FlowId, plan.FromVersion, plan.ToVersion,
        plan.Rerun.Select(RerunNodeResponse.Of).ToList(), plan.Unsafe.Select(u => u.NodeId).ToList());
}

/// <summary>A retry accepted: its plan, and the instance's status ("running").</summary>
internal sealed record RetryStartedResponse(string InstanceId, string FlowId, int FromVersion, int ToVersion, IReadOnlyList<RerunNodeResponse> Rerun,
    IReadOnlyList<string> UnsafeNodes, string Status)
{
    internal static RetryStartedResponse Of(RetryPlan plan)
    {
        var view = RetryPlanResponse.Of(plan);
        return new(view.InstanceId, view.FlowId, view.FromVersion, view.ToVersion, view.Rerun, view.UnsafeNodes, "running");
    }
}

/// <summary>An alteration made: the instance and its status after it.</summary>
internal sealed record AlterResponse(string InstanceId, string Status);
