using System.Text.Json.Nodes;
using FlowConnectors.Import.Postman;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Runtime;

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
        var api = app.MapGroup(prefix);
        api.MapPost("/preview", async (HttpRequest request, ConnectorInstaller installer, ConnectorRuntime runtime, ServerOptions options) =>
        {
            var (imported, problem) = await read(request, options);
            if (problem is not null) return problem;
            var json = Json(imported!, ImportUploads.Changes(imported!, installer), installed: false);
            if (ImportUploads.ReplacesLoaded(imported!, installer, runtime) is { } warning)
                json["warnings"]!.AsArray().Insert(0, new JsonObject { ["path"] = "$.name", ["message"] = warning });
            return Results.Json(json);
        });
        api.MapPost("/import", async (HttpRequest request, ConnectorInstaller installer, ServerOptions options, CancellationToken ct) =>
        {
            var (imported, problem) = await read(request, options);
            if (problem is not null) return problem;
            var changes = ImportUploads.Changes(imported!, installer);
            if (await ImportUploads.InstallAsync(imported!, changes, installer, ct) is { } refused) return refused;
            return Results.Json(Json(imported!, changes, installed: true), statusCode: changes.IsNew ? 201 : 200);
        });
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

    private static JsonObject Json(ImportedConnector imported, ImportChanges changes, bool installed) => new()
    {
        ["key"] = imported.Key,
        ["name"] = imported.Name,
        ["baseUrl"] = imported.BaseUrl,
        ["auth"] = imported.Manifest["auth"]?.DeepClone(),
        ["connectionParameters"] = new JsonArray(imported.ConnectionParameters.Select(p => (JsonNode?)new JsonObject
        {
            ["name"] = p.Name, ["type"] = p.Type, ["default"] = p.Default, ["source"] = p.Source, ["required"] = p.Required,
        }).ToArray()),
        ["additionalAuth"] = imported.Manifest["additionalAuth"]?.DeepClone(),
        ["connectionPresets"] = imported.Manifest["connectionPresets"]?.DeepClone(),
        ["actions"] = new JsonArray(imported.Actions.Select(a => (JsonNode?)new JsonObject
        {
            ["id"] = a.Id, ["label"] = a.Label, ["group"] = a.Group, ["method"] = a.Method, ["path"] = a.Path,
            ["inputs"] = new JsonArray(a.Inputs.Select(i => (JsonNode?)i).ToArray()),
            ["outputs"] = new JsonArray(a.Outputs.Select(i => (JsonNode?)i).ToArray()),
            ["examples"] = a.Examples, ["source"] = a.Source, ["auth"] = a.Auth,
        }).ToArray()),
        ["warnings"] = new JsonArray(imported.Warnings.Select(w => (JsonNode?)new JsonObject { ["path"] = w.Path, ["message"] = w.Message }).ToArray()),
        ["changes"] = new JsonObject
        {
            ["isNew"] = changes.IsNew,
            ["previousVersion"] = changes.PreviousVersion,
            ["version"] = changes.Version,
            ["added"] = new JsonArray(changes.Added.Select(a => (JsonNode?)a).ToArray()),
            ["removed"] = new JsonArray(changes.Removed.Select(a => (JsonNode?)a).ToArray()),
            ["changed"] = new JsonArray(changes.Changed.Select(c => (JsonNode?)new JsonObject
            {
                ["id"] = c.Id, ["label"] = c.Label, ["what"] = new JsonArray(c.What.Select(w => (JsonNode?)w).ToArray()),
            }).ToArray()),
            ["connector"] = new JsonArray(changes.Connector.Select(a => (JsonNode?)a).ToArray()),
            ["kept"] = new JsonArray(changes.Kept.Select(a => (JsonNode?)a).ToArray()),
            ["diff"] = changes.Diff?.ToJson(),
            ["lines"] = new JsonArray(changes.Lines().Select(a => (JsonNode?)a).ToArray()),
        },
        ["installed"] = installed,
    };
}
