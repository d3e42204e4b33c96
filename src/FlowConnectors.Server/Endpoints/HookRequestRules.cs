using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Values;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Runtime;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// The request rules an HTTP endpoint trigger declares, applied before an instance starts:
/// <c>required</c> paths (a request missing one answers 422 naming it, and starts nothing) and
/// <c>dedupe</c> (a request whose correlation id already has a live instance answers that instance's
/// state instead of starting another, as a vendor's retry of the same request expects).
/// </summary>
internal static class HookRequestRules
{
    // Correlation ids whose first request is being started in this process right now (the instance
    // is persisted only when it ends, suspends or outlasts the wait), per running server.
    private static readonly ConditionalWeakTable<WorkflowHost, ConcurrentDictionary<(string, string), string>> Starting = new();

    /// <summary>422 naming every required path the request lacks (null, absent or empty text); null when none is missing.</summary>
    public static IResult? CheckRequired(JsonObject config, JsonObject payload, string? correlationPath, bool dedupe)
    {
        var paths = (config["required"] as JsonArray ?? []).Select(p => (string?)p).OfType<string>().ToList();
        if (dedupe && correlationPath is not null && !paths.Contains(correlationPath)) paths.Insert(0, correlationPath);
        var missing = paths.Where(p => JsonValues.GetPath(payload, p) is not { } value || JsonValues.IsNull(value) || JsonValues.ToText(value).Trim().Length == 0)
            .Select(Display).ToList();
        return missing.Count == 0
            ? null
            : Problems.Validation($"the request lacks {string.Join(", ", missing)}", missing.Select(p => new { path = p, message = "required" }));
    }

    /// <summary>422 when the value at the trigger's <c>correlationPath</c> cannot be a correlation id (too long), naming the path.</summary>
    public static IResult? CheckCorrelation(string correlationPath, string correlation) =>
        Engine.Runtime.RunOptions.CorrelationIdProblem(correlation) is { } problem
            ? Problems.Validation($"{Display(correlationPath)} (the flow's correlationPath) {problem}", [new { path = Display(correlationPath), message = problem }])
            : null;

    /// <summary>
    /// With dedupe on: the answer for a request whose correlation id already has an instance that is
    /// not faulted or cancelled (a failed start may be retried), or a claim on the id that the caller
    /// releases once its start has been persisted. Without it: neither.
    /// </summary>
    public static async Task<(IResult? Answer, Claim? Claim)> ClaimAsync(WorkflowHost host, IInstanceStore instances, string flowId, string correlation,
        string? statusVariable, DateTimeOffset now, CancellationToken ct)
    {
        var starting = Starting.GetValue(host, _ => new ConcurrentDictionary<(string, string), string>());
        var key = (flowId, correlation);
        var instanceId = InstanceIds.New(now);
        if (!starting.TryAdd(key, instanceId))
            return (Results.Json(new JsonObject { ["instanceId"] = starting.GetValueOrDefault(key), ["duplicate"] = true, ["status"] = "accepted" }, statusCode: 202), null);
        var claim = new Claim(starting, key, instanceId);
        try
        {
            foreach (var summary in await instances.ListAsync(new InstanceQuery(null, flowId, correlation, 0, 20), ct))
            {
                if (summary.Status is FlowStatus.Faulted or FlowStatus.Cancelled) continue;
                var stored = await instances.GetAsync(summary.InstanceId, ct);
                if (stored is null) continue;
                var state = stored.State;
                var instanceStatus = state.Status.ToString().ToLowerInvariant();
                var status = statusVariable is null ? instanceStatus : JsonValues.ToText(state.Variables.GetValueOrDefault(statusVariable));
                claim.Dispose();
                return (Duplicate(state.InstanceId, instanceStatus, status, state.Status == FlowStatus.Finished ? new JsonObject(state.Output.Select(o => KeyValuePair.Create(o.Key, o.Value?.DeepClone()))) : null), null);
            }
        }
        catch
        {
            claim.Dispose();
            throw;
        }
        return (null, claim);
    }

    private static IResult Duplicate(string instanceId, string instanceStatus, string? status, JsonObject? outputs) => Results.Json(new JsonObject
    {
        ["instanceId"] = instanceId,
        ["duplicate"] = true,
        ["status"] = status ?? instanceStatus,
        ["instanceStatus"] = instanceStatus,
        ["outputs"] = outputs,
    });

    // "body.CatalogItem.Id" is the body's "$.CatalogItem.Id"; other request parts keep their name.
    private static string Display(string path) => path.StartsWith("body.", StringComparison.Ordinal) ? "$." + path["body.".Length..] : path;

    /// <summary>A correlation id this request is starting; disposing releases it.</summary>
    public sealed class Claim(ConcurrentDictionary<(string, string), string> starting, (string, string) key, string instanceId) : IDisposable
    {
        public string InstanceId { get; } = instanceId;
        public void Dispose() => starting.TryRemove(KeyValuePair.Create(key, InstanceId));
    }
}
