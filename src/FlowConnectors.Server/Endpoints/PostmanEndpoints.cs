using System.Text.Json.Nodes;
using FlowConnectors.Import.Postman;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Contracts;
using FlowConnectors.Server.Runtime;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Postman collection import: <c>POST /api/postman/preview</c> maps a collection and shows the actions,
/// connection parameters, warnings and — when a connector with the same key is installed — what a save
/// would change; <c>POST /api/postman/import</c> writes the connector to a temporary folder and installs
/// it (validated, swapped in whole). Body: <c>{ "collection": &lt;the collection, as JSON or as text&gt;, "name": "optional", "environments": [optional Postman environments] }</c>.
/// </summary>
internal static class PostmanEndpoints
{
    public static void Map(WebApplication app)
    {
        MapImport(app, "/api/postman", ReadAsync);
        // OpenAPI 3 (and Swagger 2.0, converted): typed endpoints of their own, OpenApiImportEndpoints.
        OpenApiImportEndpoints.Map(app);
    }

    private static void MapImport(WebApplication app, string prefix, Func<HttpRequest, ServerOptions, Task<(ImportedConnector? Imported, IResult? Problem)>> read)
    {
        var api = app.MapGroup(prefix).WithTags("Import").ProducesAccessProblems();
        api.MapPost("/preview", async Task<Results<Ok<PostmanImportResponse>, ProblemHttpResult>> (HttpRequest request, ConnectorInstaller installer,
            ConnectorRuntime runtime, ServerOptions options) =>
        {
            var (imported, problem) = await read(request, options);
            if (problem is not null) return AsProblem(problem);
            var warnings = new List<ImportWarningView>();
            if (ImportUploads.ReplacesLoaded(imported!, installer, runtime) is { } warning) warnings.Add(new("$.name", warning));
            return TypedResults.Ok(View(imported!, ImportUploads.Changes(imported!, installer), installed: false, warnings));
        })
            .WithName("PreviewPostmanImport")
            .WithSummary("Map a Postman collection to a connector and show what a save would change (nothing is saved)")
            .Accepts<PostmanImportRequest>("application/json")
            .ProducesBodyProblems();
        api.MapPost("/import", async Task<Results<Ok<PostmanImportResponse>, Created<PostmanImportResponse>, ProblemHttpResult>> (HttpRequest request,
            ConnectorInstaller installer, ServerOptions options, CancellationToken ct) =>
        {
            var (imported, problem) = await read(request, options);
            if (problem is not null) return AsProblem(problem);
            var changes = ImportUploads.Changes(imported!, installer);
            if (await ImportUploads.InstallAsync(imported!, changes, installer, ct) is { } refused) return AsProblem(refused);
            var view = View(imported!, changes, installed: true, []);
            // No Location: the answer has always been the import itself, and 201 only says the connector is new.
            return changes.IsNew ? TypedResults.Created((string?)null, view) : TypedResults.Ok(view);
        })
            .WithName("ImportPostman")
            .WithSummary("Import a Postman collection as a connector and install it (validated, swapped in whole)")
            .Accepts<PostmanImportRequest>("application/json")
            .ProducesBodyProblems();
    }

    private static async Task<(ImportedConnector? Imported, IResult? Problem)> ReadAsync(HttpRequest request, ServerOptions options)
    {
        var (upload, problem) = await ImportUploads.ReadAsync(request, options, "collection", "the Postman collection (as JSON or as its text)");
        if (problem is not null) return (null, problem);
        // Postman environments (optional): each becomes a connection preset.
        var environments = new List<string>();
        if (upload!.Body["environments"] is JsonArray list)
        {
            foreach (var environment in list)
                if (environment is not null) environments.Add(environment is JsonValue ev && ev.TryGetValue(out string? envText) ? envText : environment.ToJsonString());
        }
        else if (upload.Body["environments"] is not null)
            return (null, Problems.Validation("'environments' must be a list of Postman environments", [new { path = "$.environments", message = "must be a list" }]));
        return ImportUploads.Import(() => PostmanImporter.Import(upload.Source, upload.Name, environments), "collection");
    }

    /// <summary>Problems.* answers problem details through Results.Problem; typed here for the endpoint's declared results.</summary>
    private static ProblemHttpResult AsProblem(IResult result) =>
        result as ProblemHttpResult ?? TypedResults.Problem(title: "Invalid input", statusCode: StatusCodes.Status422UnprocessableEntity);

    private static PostmanImportResponse View(ImportedConnector imported, ImportChanges changes, bool installed, List<ImportWarningView> extraWarnings)
    {
        var common = OpenApiImportEndpoints.View(imported, changes, installed, extraWarnings);
        return new(common.Key, common.Name, common.BaseUrl, common.Auth, common.ConnectionParameters, imported.Manifest["additionalAuth"]?.DeepClone(),
            imported.Manifest["connectionPresets"]?.DeepClone(), common.Actions, common.Warnings, common.Changes, common.Installed);
    }
}

/// <summary>What <c>POST /api/postman/preview</c> and <c>/api/postman/import</c> take.</summary>
/// <param name="Collection">The Postman collection (v2.0/v2.1): as a JSON object, or as its text.</param>
/// <param name="Name">The connector's name; the collection's name when left out.</param>
/// <param name="Environments">Postman environments (as JSON or as their text); each becomes a connection preset.</param>
internal sealed record PostmanImportRequest(JsonNode? Collection, string? Name = null, IReadOnlyList<JsonNode>? Environments = null);

/// <summary>A preview (nothing saved) or an import (installed): the connector the collection becomes and what it changes.</summary>
internal sealed record PostmanImportResponse(string Key, string Name, string BaseUrl, JsonObject? Auth, IReadOnlyList<ImportParameterView> ConnectionParameters,
    JsonNode? AdditionalAuth, JsonNode? ConnectionPresets, IReadOnlyList<ImportActionView> Actions, IReadOnlyList<ImportWarningView> Warnings,
    ImportChangesView Changes, bool Installed);
