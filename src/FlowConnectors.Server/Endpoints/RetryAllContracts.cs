using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using FlowConnectors.Runtime;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.Metadata;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// POST /api/instances/retry: retry every faulted instance the filter selects, on the same, the latest published or a
/// given version, with a node mapping when the flow changed. Bound by <see cref="BindAsync"/>, which checks every
/// member at once and answers 422 naming each bad one (<c>filter.max</c>, <c>filter.colour</c>, <c>mapping.fetch</c>),
/// before the endpoint runs; OpenAPI describes the body as this record.
/// </summary>
internal sealed record RetryAllRequest : IBindableFromHttpContext<RetryAllRequest>, IEndpointParameterMetadataProvider
{
    /// <summary>Left out: every faulted instance (up to the default max).</summary>
    public RetryAllFilter Filter { get; init; } = new();

    /// <summary>"same" (default), "latest" (the latest published version) or a version number.</summary>
    [Description("\"same\" (default), \"latest\" (the latest published version) or a version number")]
    public JsonNode? Version { get; init; }

    /// <summary>Old node id to its id in the target version, for nodes the target version lacks.</summary>
    public Dictionary<string, string>? Mapping { get; init; }

    internal RetryTarget Target { get; private init; } = RetryTarget.Same;

    /// <summary>The store's selection and the checks made on each candidate's stored fault.</summary>
    internal FaultedFilter Selection => new(Filter.FlowId, Filter.NodeId, Filter.Message, Filter.From, Filter.To, Filter.Max ?? DefaultMax, Filter.FlowVersion,
        Filter.ActivityType);

    internal const int DefaultMax = 100;
    internal const int MaxMax = 1000;

    public static async ValueTask<RetryAllRequest?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var options = context.RequestServices.GetRequiredService<ServerOptions>();
        var (body, problem) = await Problems.ReadJsonObjectAsync(context.Request, options.MaxBodyBytes);
        if (problem is not null) throw new RequestProblemException(problem);
        var errors = new List<object>();
        var request = Read(body!, errors);
        if (errors.Count > 0) throw new RequestProblemException(Problems.Validation("the retry is not valid", errors));
        return request;
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new AcceptsMetadata(["application/json"], typeof(RetryAllRequest)));

    /// <summary>Reads the body, adding one error per bad member (<c>field</c>: its name, <c>message</c>: what is wrong).</summary>
    internal static RetryAllRequest? Read(JsonObject body, List<object> errors)
    {
        foreach (var (name, _) in body)
            if (name is not ("version" or "mapping" or "filter"))
                errors.Add(new { path = $"$.{name}", message = "unknown field; a retry has filter, version and mapping" });
        var target = InstanceRepairEndpoints.ParseTarget(body["version"]);
        if (target is null) errors.Add(new { path = "$.version", message = "must be same, latest or a version number" });
        var mapping = InstanceRepairEndpoints.ReadMapping(body["mapping"], errors);
        var filter = RetryAllFilter.Read(body["filter"], errors);
        return errors.Count > 0 || filter is null ? null : new RetryAllRequest { Filter = filter, Version = body["version"]?.DeepClone(), Mapping = mapping, Target = target! };
    }
}

/// <summary>
/// Which faulted instances "retry all" takes (all given conditions hold): the flow and its version, the node the instance
/// faulted at (exactly), the faulted node's activity type (case-insensitive), a text the fault message contains
/// (case-insensitive), and when it faulted (from/to, ISO 8601, inclusive); oldest first, at most max.
/// </summary>
internal sealed record RetryAllFilter
{
    public string? FlowId { get; init; }

    [Range(1, int.MaxValue)]
    public int? FlowVersion { get; init; }

    public string? NodeId { get; init; }

    public string? ActivityType { get; init; }

    public string? Message { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    [Range(1, RetryAllRequest.MaxMax)]
    public int? Max { get; init; }

    private static readonly string[] Names = ["flowId", "flowVersion", "nodeId", "activityType", "message", "from", "to", "max"];

    internal static RetryAllFilter? Read(JsonNode? node, List<object> errors)
    {
        if (node is null) return new RetryAllFilter();
        if (node is not JsonObject filter)
        {
            errors.Add(new { path = "$.filter", message = "must be an object" });
            return null;
        }
        var before = errors.Count;
        string? Text(string name)
        {
            if (filter[name] is null) return null;
            if (filter[name] is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0) return s;
            errors.Add(new { path = $"$.filter.{name}", message = "must be a non-empty string" });
            return null;
        }
        DateTimeOffset? Time(string name)
        {
            if (Text(name) is not { } text) return null;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at;
            errors.Add(new { path = $"$.filter.{name}", message = "not a date and time (ISO 8601)" });
            return null;
        }
        int? Whole(string name, int min, int max, string message)
        {
            if (filter[name] is not { } value) return null;
            if (value is JsonValue v && v.TryGetValue(out int n) && n >= min && n <= max) return n;
            errors.Add(new { path = $"$.filter.{name}", message });
            return null;
        }
        foreach (var (name, _) in filter)
            if (!Names.Contains(name, StringComparer.Ordinal))
                errors.Add(new { path = $"$.filter.{name}", message = $"unknown filter; use {string.Join(", ", Names)}" });
        var read = new RetryAllFilter
        {
            FlowId = Text("flowId"),
            FlowVersion = Whole("flowVersion", 1, int.MaxValue, "must be a version number (an integer from 1)"),
            NodeId = Text("nodeId"),
            ActivityType = Text("activityType"),
            Message = Text("message"),
            From = Time("from"),
            To = Time("to"),
            Max = Whole("max", 1, RetryAllRequest.MaxMax, $"must be an integer from 1 to {RetryAllRequest.MaxMax}"),
        };
        if (read.From is { } from && read.To is { } to && from > to)
            errors.Add(new { path = "$.filter.to", message = "must not be before filter.from" });
        return errors.Count > before ? null : read;
    }
}

/// <summary>What "retry all" did: how many instances it retried and refused, and each one's outcome.</summary>
internal sealed record RetryAllResponse(int Retried, int Refused, IReadOnlyList<RetryAllItemResponse> Items);

/// <summary>One instance of a "retry all": running again (with its plan), or refused with a stable code and the reason.</summary>
internal sealed record RetryAllItemResponse(string InstanceId, string Status, string? Code, string? Reason, JsonObject? Plan);
