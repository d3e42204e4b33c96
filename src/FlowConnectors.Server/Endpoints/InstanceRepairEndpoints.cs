using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Runtime;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Access;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Retry and repair of instances: retry a faulted instance from its failed node (same or latest published version, a
/// node mapping when the flow changed, <c>?confirmUnsafe=true</c> when unsafe nodes run again), preview a retry, retry
/// every faulted instance a filter selects, and alter a suspended one. The audit log records each call (who, what);
/// the instance's history records each change with who made it.
/// </summary>
internal static class InstanceRepairEndpoints
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api/instances").ProducesAccessProblems();
        api.MapGet("/{id}/retry-plan", async Task<Results<Ok<RetryPlanResponse>, ProblemHttpResult>> (string id, string? version, InstanceRepairs repairs,
            CancellationToken ct, [FromQuery] string[]? map = null) =>
        {
            if (ParseTarget(version is null ? null : JsonValue.Create(version)) is not { } target) return VersionProblem(version);
            var mapping = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in map ?? [])
            {
                var at = pair.IndexOf(':');
                if (at <= 0 || at == pair.Length - 1)
                    return Problems.Validation($"map '{pair}' must be oldNodeId:newNodeId", [new { path = "map", message = "not oldNodeId:newNodeId" }]);
                mapping[pair[..at]] = pair[(at + 1)..];
            }
            // The mapping came from the query's map=old:new values.
            return await Answer(async () => TypedResults.Ok(RetryPlanResponse.Of(await repairs.PlanAsync(id, target, mapping, ct))), _ => "map");
        }).RequirePermission(Permissions.InstancesRead)
            .WithName("PlanInstanceRetry")
            .WithSummary("Preview a retry: which nodes run again on which version (nothing changes)")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);

        api.MapPost("/{id}/retry", async Task<Results<Accepted<RetryStartedResponse>, ProblemHttpResult>> (string id, bool? confirmUnsafe, RetryRequest request,
            HttpContext context, InstanceRepairs repairs, CancellationToken ct) =>
            await Answer(async () => TypedResults.Accepted((string?)null,
                RetryStartedResponse.Of(await repairs.RetryAsync(id, request.Target, request.Mapping, confirmUnsafe == true, Who(context.User), ct)))))
            .RequirePermission(Permissions.RunsExecute)
            .WithName("RetryInstance")
            .WithSummary("Retry a faulted instance from its failed node (confirmUnsafe=true when unsafe nodes run again)")
            .ProducesBodyProblems()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);

        api.MapPost("/retry", async Task<Ok<RetryAllResponse>> (bool? confirmUnsafe, RetryAllRequest request, HttpContext context, InstanceRepairs repairs, CancellationToken ct) =>
        {
            var items = await repairs.RetryAllAsync(request.Selection, request.Target, request.Mapping, confirmUnsafe == true, Who(context.User), ct);
            return TypedResults.Ok(new RetryAllResponse(items.Count(i => i.Refused is null), items.Count(i => i.Refused is not null),
                items.Select(i => new RetryAllItemResponse(i.InstanceId, i.Refused is null ? "running" : "refused", i.Code, i.Refused, i.Plan?.ToJson())).ToList()));
        }).RequirePermission(Permissions.RunsExecute)
            .WithName("RetryAllFaulted")
            .WithSummary("Retry every faulted instance the filter selects, oldest first (each is retried or refused with its reason)")
            // Its 422 is the problem document every refusal of bad input is (errors: path and message), not the framework's map.
            .ProducesBodyProblems();

        api.MapPost("/{id}/alter", async Task<Results<Ok<AlterResponse>, ProblemHttpResult>> (string id, AlterRequest request, HttpContext context,
            InstanceRepairs repairs, CancellationToken ct) =>
            await Answer(async () =>
            {
                var status = await repairs.AlterAsync(id, request.Variables!, request.CancelWaits!, Who(context.User), ct);
                return TypedResults.Ok(new AlterResponse(id, status.ToString().ToLowerInvariant()));
            }))
            .RequirePermission(Permissions.RunsExecute)
            .WithName("AlterInstance")
            .WithSummary("Alter a suspended instance: set variables, cancel waits")
            .ProducesBodyProblems()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
    }

    /// <summary>Who makes a change: the signed-in user, or the owner of the API key used (and which key).</summary>
    public static string? Who(ClaimsPrincipal user)
    {
        var name = user.UserName() ?? user.UserId();
        if (name is null) return null;
        return user.KeyIdOf() is { } key ? $"{name} (API key {key})" : name;
    }

    internal static RetryTarget? ParseTarget(JsonNode? version) => version switch
    {
        null => RetryTarget.Same,
        JsonValue v when v.TryGetValue(out string? s) => s switch
        {
            "same" => RetryTarget.Same,
            "latest" => RetryTarget.LatestPublished,
            _ when int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 => new RetryTarget(n),
            _ => null,
        },
        JsonValue v when v.TryGetValue(out int n) && n > 0 => new RetryTarget(n),
        _ => null,
    };

    private static ProblemHttpResult VersionProblem(object? version) =>
        Problems.Validation($"version {version} must be \"same\", \"latest\" (the latest published version) or a version number",
            [new { path = "version", message = "must be same, latest or a version number" }]);

    /// <summary>A retry's node mapping (old node id → new node id), its problems added to <paramref name="errors"/>.</summary>
    internal static Dictionary<string, string>? ReadMapping(JsonNode? node, List<object> errors)
    {
        if (node is null) return null;
        if (node is not JsonObject map)
        {
            errors.Add(new { path = "$.mapping", message = "must be an object: { \"oldNodeId\": \"newNodeId\" }" });
            return null;
        }
        var mapping = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (from, to) in map)
            if (to is JsonValue v && v.TryGetValue(out string? id) && id.Length > 0) mapping[from] = id;
            else errors.Add(new { path = $"$.mapping.{from}", message = "must be the id of a node in the target version" });
        return mapping;
    }

    /// <summary>
    /// The answer, or the problem an expected refusal makes of it. A node mapping's problems are placed at
    /// <paramref name="mappingPath"/> of the node (the body's <c>$.mapping.{node}</c> unless given).
    /// </summary>
    private static async Task<Results<TAnswer, ProblemHttpResult>> Answer<TAnswer>(Func<Task<TAnswer>> action, Func<string, string>? mappingPath = null)
        where TAnswer : IResult
    {
        mappingPath ??= node => $"$.mapping.{node}";
        try
        {
            return await action();
        }
        catch (NotFoundException e) { return Problems.Result(404, "Not found", e.Message); }
        catch (InstanceBusyException e) { return Problems.Result(409, "Busy", e.Message); }
        catch (InstanceStateConflictException e) { return Problems.Result(409, "Conflict", e.Message); }
        catch (AlterationException e) { return Problems.Validation(e.Message, [new { path = "$." + e.Field, message = e.Message }]); }
        catch (FlowValidationException e) { return Problems.Result(409, "Conflict", $"the target version does not compile: {e.Message}"); }
        catch (UnsafeRetryException e)
        {
            var problem = new ProblemDetails
            {
                Status = 409, Title = "Confirmation required", Type = "https://httpstatuses.io/409", Detail = e.Message,
            };
            problem.Extensions["code"] = "UNSAFE_NOT_CONFIRMED";
            problem.Extensions["unsafeNodes"] = e.Plan.Unsafe.Select(u => u.ToJson()).ToList();
            problem.Extensions["plan"] = e.Plan.ToJson();
            return TypedResults.Problem(problem);
        }
        catch (RetryRefusedException e)
        {
            var status = e.Code is InstanceRetry.RefusedMappingRequired or InstanceRetry.RefusedMappingInvalid ? 422 : 409;
            var problem = new ProblemDetails
            {
                Status = status, Title = status == 422 ? "Node mapping needed" : "Cannot retry", Type = $"https://httpstatuses.io/{status}", Detail = e.Message,
            };
            problem.Extensions["code"] = e.Code;
            if (e.Nodes.Count > 0)
            {
                problem.Extensions["nodes"] = e.Nodes;
                problem.Extensions["errors"] = e.Problems.Select(p => new { path = mappingPath(p.NodeId), message = p.Message }).ToList();
            }
            return TypedResults.Problem(problem);
        }
    }
}
