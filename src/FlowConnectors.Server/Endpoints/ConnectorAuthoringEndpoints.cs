using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowConnectors.Connectors.Cards;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Runtime;
using FlowConnectors.Engine.Formats;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Authoring connectors from the designer over HTTP: read a connector's whole source, scaffold a new one, change
/// its settings, add/replace/delete its flows (with their cards), and load dynamic dropdowns and inputs for a card.
/// The writes are <see cref="ConnectorAuthoring"/>'s; a write that does not validate changes nothing and answers 400
/// with each problem's file, JSON path and code.
/// </summary>
internal static class ConnectorAuthoringEndpoints
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api").WithTags("Connectors").ProducesAccessProblems();

        api.MapGet("/connectors/{key}/source", Results<Ok<ConnectorSource>, ProblemHttpResult> (string key, ConnectorAuthoring authoring) =>
            authoring.Find(key) is { } package ? TypedResults.Ok(SourceJson(package, authoring)) : NotInstalled(key))
            .WithName("GetConnectorSource").ProducesProblem(404);

        api.MapPost("/connectors", async Task<Results<Created<ConnectorSource>, Ok<ConnectorSource>, ProblemHttpResult>> (HttpRequest request, ConnectorAuthoring authoring,
            ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await ReadObjectAsync(request, options);
            if (problem is not null) return problem;
            return Answer(await authoring.CreateAsync(body!, ct), authoring);
        }).DocumentsBody<ConnectorCreateRequest>().WithName("CreateConnector").ProducesBodyProblems().ProducesProblem(409);

        api.MapPut("/connectors/{key}/settings", async Task<Results<Created<ConnectorSource>, Ok<ConnectorSource>, ProblemHttpResult>> (string key, HttpRequest request,
            ConnectorAuthoring authoring, ServerOptions options, CancellationToken ct) =>
        {
            if (authoring.Find(key) is null) return NotInstalled(key);
            var (body, problem) = await ReadObjectAsync(request, options);
            if (problem is not null) return problem;
            return Answer(await authoring.SaveSettingsAsync(key, body!, ct), authoring);
        // The body is part of a manifest (schemas/connector.schema.json): the members sent replace the manifest's, a null removes one.
        }).DocumentsFormatPatchBody(FormatMetadata.Connector).WithName("SaveConnectorSettings").ProducesBodyProblems().ProducesProblems(404, 409);

        api.MapPut("/connectors/{key}/flows/{flowId}", async Task<Results<Created<ConnectorSource>, Ok<ConnectorSource>, ProblemHttpResult>> (string key, string flowId,
            bool? confirm, HttpRequest request, ConnectorAuthoring authoring, ServerOptions options, CancellationToken ct) =>
        {
            if (authoring.Find(key) is null) return NotInstalled(key);
            if (ConnectorAuthoring.FlowIdRefusal(flowId) is { } badName) return Answer(badName, authoring);
            var (body, problem) = await ReadObjectAsync(request, options);
            if (problem is not null) return problem;
            return Answer(await authoring.SaveFlowAsync(key, flowId, body!, confirm == true, ct), authoring);
        }).DocumentsFormatBody(FormatMetadata.Flow).WithName("SaveConnectorFlow").ProducesBodyProblems().ProducesProblems(404, 409);

        api.MapDelete("/connectors/{key}/flows/{flowId}", async Task<Results<Created<ConnectorSource>, Ok<ConnectorSource>, ProblemHttpResult>> (string key, string flowId,
            ConnectorAuthoring authoring, CancellationToken ct) =>
            Answer(await authoring.DeleteFlowAsync(key, flowId, ct), authoring))
            .WithName("DeleteConnectorFlow").ProducesProblems(400, 404);

        ConnectorCardTestEndpoints.Map(api);

        // --- what people using the connectors see ----------------------------------------------
        api.MapGet("/connector-cards", (ConnectorRuntime runtime) => TypedResults.Ok(runtime.Installed.Connectors
            .SelectMany(package => package.Flows.Values
                .Where(f => f.Card is { Kind: CardKind.Action })
                .OrderBy(f => f.Card!.Label ?? f.Definition.Id, StringComparer.Ordinal)
                .Select(f => CardJson(package, f)))
            .ToArray())).WithName("ListConnectorCards");

        api.MapPost("/connectors/{key}/flows/{flowId}/fields/{field}/dropdown", async Task<Results<Ok<DropdownItems>, ProblemHttpResult>> (string key, string flowId, string field, HttpRequest request,
            ConnectorRuntime runtime, ServerOptions options, CancellationToken ct) =>
        {
            if (Find(runtime, key) is not { } package) return NotInstalled(key);
            if (package.FindFlow(flowId)?.Card?.Fields.GetValueOrDefault(field)?.Dropdown is null)
                return Problems.Result(404, "Not found", $"field '{field}' of '{key}/{flowId}' has no dynamic dropdown");
            var (connectionId, values, problem) = await ReadDynamicRequestAsync(request, options);
            if (problem is not null) return problem;
            try
            {
                return TypedResults.Ok(DropdownItems.Of(await runtime.Actions.LoadDropdownAsync(key, flowId, field, connectionId!, values!, ct)));
            }
            catch (ConnectorException e) { return DynamicFailure(e); }
        }).DocumentsBody<DynamicValuesRequest>().WithName("LoadDropdown").ProducesBodyProblems().ProducesProblems(404, 409, 502);

        api.MapPost("/connectors/{key}/flows/{flowId}/dynamic-inputs", async Task<Results<Ok<DynamicInputs>, ProblemHttpResult>> (string key, string flowId, HttpRequest request,
            ConnectorRuntime runtime, ServerOptions options, CancellationToken ct) =>
        {
            if (Find(runtime, key) is not { } package) return NotInstalled(key);
            if (package.FindFlow(flowId)?.Card?.DynamicInputs is null)
                return Problems.Result(404, "Not found", $"'{key}/{flowId}' has no dynamic inputs");
            var (connectionId, values, problem) = await ReadDynamicRequestAsync(request, options);
            if (problem is not null) return problem;
            try
            {
                return TypedResults.Ok(new DynamicInputs(await runtime.Actions.LoadDynamicInputsAsync(key, flowId, connectionId!, values!, ct)));
            }
            catch (ConnectorException e) { return DynamicFailure(e); }
        }).DocumentsBody<DynamicValuesRequest>().WithName("LoadDynamicInputs").ProducesBodyProblems().ProducesProblems(404, 409, 502);
    }

    /// <summary>The change's answer: the connector's source (201 when new), or its refusal as a problem.</summary>
    private static Results<Created<ConnectorSource>, Ok<ConnectorSource>, ProblemHttpResult> Answer(AuthoringResult result, ConnectorAuthoring authoring)
    {
        if (result.Refusal is { } refusal)
            return refusal.Kind switch
            {
                AuthoringRefusalKind.NotFound => Problems.Result(404, "Not found", refusal.Detail),
                AuthoringRefusalKind.Conflict => Problems.Result(409, "Conflict", refusal.Detail),
                AuthoringRefusalKind.InputsInUse => Problems.Result(409, "Inputs in use", refusal.Detail, refusal.Usages!.Select(u => (object)CardUsage.Json(u))),
                _ => Invalid(refusal.Detail, refusal.Problems ?? []),
            };
        var body = SourceJson(result.Package!, authoring) with { Warnings = [.. result.Warnings.Select(ProblemJson)] };
        return result.Created ? TypedResults.Created((string?)null, body) : TypedResults.Ok(body);
    }

    private static ConnectorPackage? Find(ConnectorRuntime runtime, string key) => runtime.Installed.Connectors.FirstOrDefault(c => c.Manifest.Key == key);

    /// <summary>Everything the designer edits: the manifest as written and every flow, canonical, with its card.</summary>
    private static ConnectorSource SourceJson(ConnectorPackage package, ConnectorAuthoring authoring) => new(
        package.Manifest.Key,
        authoring.IsInstalledCopy(package),
        ConnectorAuthoring.ReadManifestObject(package),
        IconDataUrl(package),
        [.. package.Flows.Values.OrderBy(f => f.Definition.Id, StringComparer.Ordinal).Select(f => JsonNode.Parse(FlowJson.Save(f.Definition))!.AsObject())]);

    private const int MaxIconBytes = 64 * 1024;

    /// <summary>
    /// The manifest's icon (a file in the connector folder) as a data: URL the designer shows on cards and in the palette
    /// (an image element never runs an SVG's scripts); null when there is none, it leaves the folder, or it is too large.
    /// </summary>
    internal static string? IconDataUrl(ConnectorPackage package)
    {
        if (package.Manifest.Icon is not { Length: > 0 } icon || icon.Contains("://", StringComparison.Ordinal)) return null;
        var root = Path.GetFullPath(package.Directory);
        var path = Path.GetFullPath(Path.Combine(root, icon));
        var type = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".svg" => "image/svg+xml", ".png" => "image/png", ".jpg" or ".jpeg" => "image/jpeg", ".gif" => "image/gif", ".webp" => "image/webp", _ => null,
        };
        if (type is null || !path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return null;
        var file = new FileInfo(path);
        if (!file.Exists || file.Length > MaxIconBytes) return null;
        return $"data:{type};base64,{Convert.ToBase64String(File.ReadAllBytes(path))}";
    }

    private static ConnectorCardResponse CardJson(ConnectorPackage package, ConnectorFlow flow)
    {
        var definition = JsonNode.Parse(FlowJson.Save(flow.Definition))!.AsObject();
        return new ConnectorCardResponse(package.Manifest.Key, package.Manifest.Name, package.Manifest.AccentColor, IconDataUrl(package), flow.Definition.Id,
            flow.Definition.Name, definition["inputs"]?.DeepClone().AsArray() ?? [], definition["outputs"]?.DeepClone().AsArray() ?? [], definition["card"]?.DeepClone());
    }

    private static async Task<(JsonObject? Body, ProblemHttpResult? Problem)> ReadObjectAsync(HttpRequest request, ServerOptions options)
    {
        var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
        if (problem is not null) return (null, problem);
        return body is JsonObject o ? (o, null) : (null, Problems.Result(400, "Invalid input", "the body must be a JSON object", [new { path = "$", message = "expected an object" }]));
    }

    private static async Task<(string? ConnectionId, JsonObject? Values, ProblemHttpResult? Problem)> ReadDynamicRequestAsync(HttpRequest request, ServerOptions options)
    {
        var (body, problem) = await ReadObjectAsync(request, options);
        if (problem is not null) return (null, null, problem);
        if (Str(body!["connectionId"]) is not { Length: > 0 } connectionId)
            return (null, null, Problems.Result(400, "Invalid input", "choose a connection: 'connectionId' is required", [new { path = "$.connectionId", message = "required" }]));
        if (!Connection.IsValidId(connectionId))
            return (null, null, Problems.Result(400, "Invalid input", $"connection '{connectionId}' does not exist", [new { path = "$.connectionId", message = Connection.IdRule }]));
        if (body["values"] is not (JsonObject or null))
            return (null, null, Problems.Result(400, "Invalid input", "'values' must be an object of the card's option and input values", [new { path = "$.values", message = "expected an object" }]));
        return (connectionId, body["values"] as JsonObject ?? [], null);
    }

    private static ProblemHttpResult DynamicFailure(ConnectorException e) => e.Message.Contains("does not exist", StringComparison.Ordinal)
        ? Problems.Result(400, "Invalid input", e.Message, [new { path = "$.connectionId", message = e.Message }])
        : e.Message.Contains("belongs to connector", StringComparison.Ordinal) || e.Message.Contains("deauthorized", StringComparison.Ordinal)
            ? Problems.Result(409, "Conflict", e.Message)
            : Problems.Result(502, "The helper flow failed", e.Message);

    private static string? Str(JsonNode? node) => ConnectorAuthoring.Str(node);

    private static ProblemHttpResult NotInstalled(string key) => Problems.Result(404, "Not found", $"connector '{key}' is not installed");

    private static ProblemHttpResult Invalid(string detail, IReadOnlyList<FormatProblem> problems) =>
        Problems.Result(400, "Invalid connector", detail, problems.Select(p => (object)ProblemJson(p)));

    private static FileProblemResponse ProblemJson(FormatProblem p) => new(p.File, p.Path, p.Code, p.Message, p.IsError ? "error" : "warning");
}
