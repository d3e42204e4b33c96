using FlowConnectors.Server.Hosting.Contracts;
using System.Text.Json.Nodes;
using FlowConnectors.Catalog;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Import.OpenApi;
using FlowConnectors.Import.Postman;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Runtime;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowConnectors.Server.Endpoints;

/// <summary>What <c>POST /api/openapi/preview</c> and <c>/api/openapi/import</c> take: the description and an optional connector name.</summary>
/// <param name="Spec">The OpenAPI 3.0/3.1 (or Swagger 2.0) description: as a JSON object, or as its YAML or JSON text.</param>
/// <param name="Name">The connector's name; the description's title when left out.</param>
internal sealed record OpenApiImportRequest(JsonNode? Spec, string? Name = null);

internal sealed record ImportParameterView(string Name, string Type, string? Default, string Source, bool Required);
internal sealed record ImportActionView(string Id, string Label, string Group, string Method, string Path, IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs, int Examples, string Source, string? Auth);
internal sealed record ImportWarningView(string Path, string Message);
internal sealed record ImportChangedActionView(string Id, string Label, IReadOnlyList<string> What);
internal sealed record ImportChangesView(bool IsNew, string? PreviousVersion, string Version, IReadOnlyList<string> Added, IReadOnlyList<string> Removed,
    IReadOnlyList<ImportChangedActionView> Changed, IReadOnlyList<string> Connector, IReadOnlyList<string> Kept, DiffView? Diff, IReadOnlyList<string> Lines);

/// <summary>A preview (nothing saved) or an import (installed): the connector the description becomes and what it changes.</summary>
internal sealed record OpenApiImportResponse(string Key, string Name, string BaseUrl, JsonObject? Auth, IReadOnlyList<ImportParameterView> ConnectionParameters,
    IReadOnlyList<ImportActionView> Actions, IReadOnlyList<ImportWarningView> Warnings, ImportChangesView Changes, bool Installed);

/// <summary>
/// OpenAPI import through the API (the designer's Import tab, <c>flowc import-openapi</c>'s twin): preview shows the actions,
/// warnings and — for a re-import — the semantic diff and the semver bump it implies; import installs the connector.
/// </summary>
internal static class OpenApiImportEndpoints
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api/openapi").WithTags("Import").ProducesAccessProblems();
        api.MapPost("/preview", PreviewAsync)
            .Accepts<OpenApiImportRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/import", ImportAsync)
            .Accepts<OpenApiImportRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    private static async Task<Results<Ok<OpenApiImportResponse>, ProblemHttpResult>> PreviewAsync(HttpRequest request, ConnectorInstaller installer,
        ConnectorRuntime runtime, ServerOptions options)
    {
        var (imported, problem) = await ReadAsync(request, options);
        if (problem is not null) return problem;
        var warnings = new List<ImportWarningView>();
        if (ImportUploads.ReplacesLoaded(imported!, installer, runtime) is { } warning) warnings.Add(new("$.name", warning));
        return TypedResults.Ok(View(imported!, ImportUploads.Changes(imported!, installer), installed: false, warnings));
    }

    private static async Task<Results<Ok<OpenApiImportResponse>, Created<OpenApiImportResponse>, ProblemHttpResult>> ImportAsync(HttpRequest request,
        ConnectorInstaller installer, ServerOptions options, CancellationToken ct)
    {
        var (imported, problem) = await ReadAsync(request, options);
        if (problem is not null) return problem;
        var changes = ImportUploads.Changes(imported!, installer);
        if (await ImportUploads.InstallAsync(imported!, changes, installer, ct) is { } refused) return AsProblem(refused);
        var view = View(imported!, changes, installed: true, []);
        return changes.IsNew ? TypedResults.Created($"/api/connectors/{imported!.Key}", view) : TypedResults.Ok(view);
    }

    /// <summary>The body is an <see cref="OpenApiImportRequest"/>, read by the reader the Postman import shares.</summary>
    private static async Task<(ImportedConnector? Imported, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, ServerOptions options)
    {
        var (upload, problem) = await ImportUploads.ReadAsync(request, options, "spec", "the OpenAPI description (as JSON, or as its YAML or JSON text)");
        if (problem is not null) return (null, AsProblem(problem));
        var (imported, refused) = ImportUploads.Import(() => OpenApiImporter.Import(upload!.Source, upload.Name), "description");
        return (imported, refused is null ? null : AsProblem(refused));
    }

    /// <summary>Problems.* answers problem details through Results.Problem; typed here for the endpoint's declared results.</summary>
    private static ProblemHttpResult AsProblem(IResult result) =>
        result as ProblemHttpResult ?? TypedResults.Problem(title: "Invalid input", statusCode: StatusCodes.Status422UnprocessableEntity);

    internal static OpenApiImportResponse View(ImportedConnector imported, ImportChanges changes, bool installed, List<ImportWarningView> extraWarnings) => new(
        imported.Key,
        imported.Name,
        imported.BaseUrl,
        imported.Manifest["auth"]?.DeepClone() as JsonObject,
        imported.ConnectionParameters.Select(p => new ImportParameterView(p.Name, p.Type, p.Default, p.Source, p.Required)).ToList(),
        imported.Actions.Select(a => new ImportActionView(a.Id, a.Label, a.Group, a.Method, a.Path, a.Inputs, a.Outputs, a.Examples, a.Source, a.Auth)).ToList(),
        extraWarnings.Concat(imported.Warnings.Select(w => new ImportWarningView(w.Path, w.Message))).ToList(),
        new ImportChangesView(changes.IsNew, changes.PreviousVersion, changes.Version, changes.Added, changes.Removed,
            changes.Changed.Select(c => new ImportChangedActionView(c.Id, c.Label, c.What)).ToList(), changes.Connector, changes.Kept,
            changes.Diff is { } diff ? DiffView.Of(diff) : null, changes.Lines().ToList()),
        installed);
}
