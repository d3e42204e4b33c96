using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Import.Postman;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Runtime;

namespace FlowConnectors.Server.Endpoints;

/// <summary>An import upload: the source (a collection or a description) as text, and the connector name asked for.</summary>
/// <param name="Body">The whole request body, for fields only one importer reads (Postman's environments).</param>
internal sealed record ImportUpload(string Source, string? Name, JsonObject Body);

/// <summary>
/// What the Postman and OpenAPI import APIs share: reading the upload (the source as JSON or as its text, an optional
/// name), a refused source as a 422 naming its place, the preview's comparison with what is installed, and installing
/// through a staging folder that is validated and swapped in whole.
/// </summary>
internal static class ImportUploads
{
    /// <summary>The upload, or a problem: a body that is not an object, no <paramref name="sourceField"/>, a name that is not text.</summary>
    public static async Task<(ImportUpload? Upload, IResult? Problem)> ReadAsync(HttpRequest request, ServerOptions options, string sourceField, string sourceDescription)
    {
        var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
        if (problem is not null) return (null, problem);
        if (body is not JsonObject o)
            return (null, Problems.Validation($"the body must be an object: {{ \"{sourceField}\": …, \"name\": … }}", [new { path = "$", message = "expected an object" }]));
        if (o[sourceField] is not { } source)
            return (null, Problems.Validation($"the body needs '{sourceField}': {sourceDescription}", [new { path = "$." + sourceField, message = "required" }]));
        string? name = null;
        if (o["name"] is { } given)
        {
            if (given is not JsonValue value || !value.TryGetValue(out string? text))
                return (null, Problems.Validation($"the body does not match {{ {sourceField}, name }}", [new { path = "$.name", message = "wrong type" }]));
            name = text.Trim() is { Length: > 0 } trimmed ? trimmed : null;
        }
        // The source as it was written (JSON or YAML text), or the JSON the client sent.
        var sourceText = source is JsonValue v && v.TryGetValue(out string? raw) ? raw : source.ToJsonString();
        return (new ImportUpload(sourceText, name, o), null);
    }

    /// <summary>The importer's result, or its refusal as a 422 naming the place in the source.</summary>
    public static (ImportedConnector? Imported, IResult? Problem) Import(Func<ImportedConnector> import, string what)
    {
        try
        {
            return (import(), null);
        }
        catch (PostmanImportException e)
        {
            var path = e.Path == "name" ? "$.name" : e.Path;
            return (null, Problems.Validation($"the {what} cannot be imported: {e.Message}", [new { path, message = e.Reason }]));
        }
    }

    /// <summary>What saving would change against the connector installed with the same key (new when there is none).</summary>
    public static ImportChanges Changes(ImportedConnector imported, ConnectorInstaller installer) =>
        ImportChanges.Compare(installer.IsInstalledHere(imported.Key) ? installer.FolderOf(imported.Key) : null, imported);

    /// <summary>The preview's warning when saving would replace a connector the server started with (a sample), else null.</summary>
    public static string? ReplacesLoaded(ImportedConnector imported, ConnectorInstaller installer, ConnectorRuntime runtime) =>
        runtime.Installed.IsInstalled(imported.Key) && !installer.IsInstalledHere(imported.Key)
            ? $"the connector '{imported.Key}' is already loaded (a sample or a folder the server started with); saving replaces it while the server runs — give another name to keep both"
            : null;

    /// <summary>Writes the connector to a staging folder and installs it; a problem when it does not validate, else null.</summary>
    public static async Task<IResult?> InstallAsync(ImportedConnector imported, ImportChanges changes, ConnectorInstaller installer, CancellationToken ct)
    {
        var staging = Path.Combine(Path.GetTempPath(), $"flowconnectors-import-{Guid.NewGuid():N}");
        try
        {
            ConnectorFolderWriter.WriteFiles(imported, changes, staging);
            var result = await installer.InstallAsync(staging, ct);
            return result.Succeeded
                ? null
                : Problems.Validation($"the imported connector '{imported.Key}' does not validate",
                    result.Problems.Where(p => p.IsError).Select(p => (object)new { path = $"{p.File} {p.Path}", message = $"{p.Code}: {p.Message}" }));
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }
}
