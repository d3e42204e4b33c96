using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Values;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.Json.Serialization;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// The Workspace ONE Intelligence app-approval requests (flows/app-approvals): one request by its
/// RequestId, and the list an operator filters and pages. Each request is an instance of the
/// app-approval flow correlated by its RequestId; its record is the flow's variables.
/// </summary>
internal static class AppApprovalEndpoints
{
    public const string FlowId = "app-approval";

    /// <summary>Statuses as Intelligence names them (vars.status), with the Hub's name UEM is told.</summary>
    private static readonly (string Status, string? Hub)[] Statuses =
    [
        ("Received", null), ("Pending Approval", "Pending"), ("Install Command Dispatched", "Installing"),
        ("Installed", "Installed"), ("Rejected", "Rejected"), ("Expired", "Expired"), ("Error", "Error"),
    ];

    // The list filters on the requests' variables, so it reads instances page by page up to this many.
    private const int MaxScanned = 5000;
    private const int ScanPage = 200;

    public static void MapAppApprovals(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/app-approvals").WithTags("App approvals");
        group.MapGet("", ListAsync).WithName("ListAppApprovals").ProducesProblem(422);
        group.MapGet("/{requestId}", async Task<Results<Ok<AppApprovalResponse>, ProblemHttpResult>> (string requestId, IInstanceStore instances, CancellationToken ct) =>
        {
            var list = await instances.ListAsync(new InstanceQuery(null, FlowId, requestId, 0, 20), ct);
            // The live request when there is one; a request refused as invalid (faulted) only when it is all there is.
            var chosen = list.FirstOrDefault(s => s.Status is not (FlowStatus.Faulted or FlowStatus.Cancelled)) ?? list.FirstOrDefault();
            if (chosen is null || await instances.GetAsync(chosen.InstanceId, ct) is not { } stored)
                return Problems.Result(404, "Not found", $"no app-approval request '{requestId}'");
            return TypedResults.Ok(Typed(Describe(stored.State, chosen, detailed: true)));
        }).WithName("GetAppApproval").ProducesProblem(404);
    }

    /// <summary>The described request as its record (built as JSON first: the list filters on it).</summary>
    private static AppApprovalResponse Typed(JsonObject item) => item.Deserialize<AppApprovalResponse>(JsonSerializerOptions.Web)!;

    private static async Task<Results<Ok<AppApprovalPage>, ProblemHttpResult>> ListAsync(string? status, string? deviceId, string? appId, string? user, int? skip, int? take,
        IInstanceStore instances, CancellationToken ct)
    {
        string? wanted = null;
        if (!string.IsNullOrWhiteSpace(status))
        {
            var match = Statuses.FirstOrDefault(s => string.Equals(s.Status, status.Trim(), StringComparison.OrdinalIgnoreCase) ||
                                                     string.Equals(s.Hub, status.Trim(), StringComparison.OrdinalIgnoreCase));
            if (match.Status is null)
                return Problems.Validation($"status '{status}' is not one of {string.Join(", ", Statuses.Select(s => s.Status))} (or the Hub's {string.Join(", ", Statuses.Where(s => s.Hub is not null).Select(s => s.Hub))})",
                    [new { path = "status", message = "unknown status" }]);
            wanted = match.Status;
        }
        if (Paging.Refusal(skip, take, maxTake: 500) is { } refusal) return refusal;
        var first = skip ?? 0;
        var count = take ?? 50;

        var items = new List<AppApprovalResponse>();
        var total = 0;
        var scanned = 0;
        var truncated = false;
        for (var offset = 0; ; offset += ScanPage)
        {
            var page = await instances.ListAsync(new InstanceQuery(null, FlowId, null, offset, ScanPage), ct);
            foreach (var summary in page)
            {
                if (++scanned > MaxScanned) { truncated = true; break; }
                if (await instances.GetAsync(summary.InstanceId, ct) is not { } stored) continue;
                var item = Describe(stored.State, summary, detailed: false);
                if (!Matches(item, wanted, deviceId, appId, user)) continue;
                if (total >= first && items.Count < count) items.Add(Typed(item));
                total++;
            }
            if (truncated || page.Count < ScanPage) break;
        }
        // Only the newest MaxScanned requests are searched (truncated); an older one is found by its RequestId.
        return TypedResults.Ok(new AppApprovalPage([.. items], first, count, total, truncated));
    }

    private static bool Matches(JsonObject item, string? status, string? deviceId, string? appId, string? user)
    {
        if (status is not null && (string?)item["status"] != status) return false;
        if (!string.IsNullOrWhiteSpace(deviceId) && (string?)item["device"]?["id"] != deviceId.Trim()) return false;
        if (!string.IsNullOrWhiteSpace(appId) && (string?)item["app"]?["id"] != appId.Trim()) return false;
        if (!string.IsNullOrWhiteSpace(user))
        {
            var u = item["user"];
            var who = user.Trim();
            if (!new[] { "id", "userName", "email" }.Any(f => string.Equals((string?)u?[f], who, StringComparison.OrdinalIgnoreCase))) return false;
        }
        return true;
    }

    /// <summary>
    /// A device, app or user with the members its record has, as text (the id "" and the others null when missing): the
    /// flow is editable, so what it stored may lack a member or hold another type, and the answer stays the record's shape.
    /// </summary>
    private static JsonObject? Part(JsonNode? stored, params string[] members) =>
        stored is JsonObject o
            ? new JsonObject(members.Select(m => KeyValuePair.Create(m, m == "id" || !JsonValues.IsNull(o[m]) ? (JsonNode?)JsonValues.ToText(o[m]) : null)))
            : null;

    /// <summary>A time or a name the flow stored, as text (null when it stored none): the flow is editable, so it may hold another type.</summary>
    private static string? Text(JsonNode? stored) => JsonValues.IsNull(stored) ? null : JsonValues.ToText(stored);

    /// <summary>A request as the API shows it, from its instance's variables (older flow versions may lack some).</summary>
    private static JsonObject Describe(FlowInstanceState state, InstanceSummary summary, bool detailed)
    {
        var vars = state.Variables;
        var status = JsonValues.ToText(vars.GetValueOrDefault("status"));
        var approval = vars.GetValueOrDefault("approval") as JsonObject;
        var decision = vars.GetValueOrDefault("decision") as JsonObject;
        var error = vars.GetValueOrDefault("error") is { } e && JsonValues.ToText(e) is { Length: > 0 } text ? text : null;
        var item = new JsonObject
        {
            ["requestId"] = (string?)approval?["requestId"] ?? state.CorrelationId,
            ["status"] = status,
            ["hubStatus"] = Statuses.FirstOrDefault(s => s.Status == status).Hub,
            ["instanceId"] = state.InstanceId,
            ["instanceStatus"] = state.Status.ToString().ToLowerInvariant(),
            ["device"] = Part(approval?["device"], "id", "name", "udid", "platform"),
            ["app"] = Part(approval?["app"], "id", "name", "packageId", "version", "platform"),
            ["user"] = Part(approval?["user"], "id", "userName", "firstName", "lastName", "email"),
            ["requestedAt"] = Text(approval?["requestedAt"]) ?? JsonSerializer.Serialize(summary.CreatedAt, JsonSerializerOptions.Web).Trim('"'),
            ["expiresAt"] = Text(approval?["expiresAt"]),
            ["decidedAt"] = Text(decision?["receivedAt"]),
            ["decidedBy"] = Text(decision?["updatedBy"]),
            ["updatedAt"] = summary.UpdatedAt,
            // Why it is in Error (or why the request was refused): never a bare null beside a hidden reason.
            ["fault"] = state.Fault?.Message ?? (status == "Error" ? error : null),
        };
        if (detailed)
        {
            item["decision"] = decision?.DeepClone();
            item["notified"] = vars.GetValueOrDefault("notified")?.DeepClone();
            item["notifyUrl"] = approval?["notifyUrl"]?.DeepClone();
            item["error"] = error;
        }
        return item;
    }
}

/// <summary>The device a request is for, as the app-approval flow stores it from Intelligence's DeviceId and DeviceProperties.</summary>
internal sealed record AppApprovalDevice(string Id, string? Name, string? Udid, string? Platform);

/// <summary>The app a request is for, from Intelligence's CatalogItem.</summary>
internal sealed record AppApprovalApp(string Id, string? Name, string? PackageId, string? Version, string? Platform);

/// <summary>The user a request is for, from Intelligence's RequestFor.</summary>
internal sealed record AppApprovalUser(string Id, string? UserName, string? FirstName, string? LastName, string? Email);

/// <summary>An app-approval request as the API shows it (the Workspace ONE Hub's statuses beside ours); the detailed view adds decision, notifications and error.</summary>
internal sealed record AppApprovalResponse(string? RequestId, string? Status, string? HubStatus, string InstanceId, string InstanceStatus, AppApprovalDevice? Device,
    AppApprovalApp? App, AppApprovalUser? User, string? RequestedAt, string? ExpiresAt, string? DecidedAt, string? DecidedBy, DateTimeOffset UpdatedAt, string? Fault,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? Decision = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? Notified = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? NotifyUrl = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

internal sealed record AppApprovalPage(AppApprovalResponse[] Items, int Skip, int Take, int Total, bool Truncated);
