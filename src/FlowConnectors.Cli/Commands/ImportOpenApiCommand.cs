using System.CommandLine;
using FlowConnectors.Import.OpenApi;
using FlowConnectors.Import.Postman;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Cli.Commands;

/// <summary>
/// <c>flowc import-openapi &lt;spec.yaml|json&gt; --out &lt;dir&gt; [--name &lt;name&gt;]</c>: maps an OpenAPI 3.0/3.1
/// description (YAML or JSON; Swagger 2.0 converted) to a connector folder that passes <c>flowc validate</c>.
/// Re-importing into the same folder shows the semantic diff and the version bump the catalog's rules give,
/// and keeps settings edited since the last import. Exit 0 written, 2 bad input.
/// </summary>
internal sealed class ImportOpenApiCommand
{
    private readonly CliOutput _output;
    private readonly WorkingDirectory _directory;
    private readonly Argument<string> _collection = new("spec") { Description = "An OpenAPI 3.0 or 3.1 description (YAML or JSON) on disk; Swagger 2.0 is converted." };
    private readonly Option<string> _out = new("--out") { Description = "The connector folder to write (created, or updated when it holds an earlier import).", Required = true };
    private readonly Option<string?> _name = new("--name") { Description = "The connector's name (and key); default: the collection's name." };

    public ImportOpenApiCommand(CliOutput output, WorkingDirectory directory)
    {
        _output = output;
        _directory = directory;
        Command = new Command("import-openapi", "Imports an OpenAPI 3 description as a connector folder (one action card per operation).") { _collection, _out, _name };
        Command.SetAction(parsed => Execute(parsed.GetRequiredValue(_collection), parsed.GetRequiredValue(_out), parsed.GetValue(_name)));
    }

    public Command Command { get; }

    private int Execute(string collectionFile, string outFolder, string? name)
    {
        if (!File.Exists(_directory.Resolve(collectionFile))) throw new CliException($"no such file: {collectionFile}");
        ImportedConnector imported;
        ImportWriteResult written;
        try
        {
            imported = OpenApiImporter.Import(File.ReadAllText(_directory.Resolve(collectionFile)), name);
            written = ConnectorFolderWriter.Write(imported, _directory.Resolve(outFolder), new FlowEngine(new FlowEngineOptions { Registry = CliActivities.Create() }));
        }
        catch (PostmanImportException e)
        {
            throw new CliException(e.Path == "--out" || e.Path == "name" ? $"{e.Path}: {e.Reason}" : $"{collectionFile}: {e.Path}: {e.Reason}");
        }
        foreach (var warning in imported.Warnings) _output.Err.WriteLine($"warning: {collectionFile}: {CliOutput.OneLine(warning.ToString())}");
        var o = _output.Out;
        o.WriteLine($"Imported '{imported.Name}' (key {imported.Key}) into {outFolder}");
        o.WriteLine($"  base URL: {imported.BaseUrl}");
        o.WriteLine($"  auth: {imported.AuthKind}{(imported.ConnectionParameters.Count > 0 ? " — connection parameters: " + string.Join(", ", imported.ConnectionParameters.Select(p => $"{p.Name} ({p.Type})")) : "")}");
        if (imported.AdditionalAuth.Count > 0) o.WriteLine($"  additional auth: {string.Join(", ", imported.AdditionalAuth)}");
        foreach (var preset in imported.Presets) o.WriteLine($"  connection preset '{preset.Name}': {string.Join(", ", preset.Values.Keys)}");
        o.WriteLine($"  {CliOutput.Count(imported.Actions.Count, "action")}:");
        foreach (var a in imported.Actions)
            o.WriteLine($"    {a.Method,-7} {a.Path,-40} {a.Id}{(a.Group.Length > 0 ? $"  [{a.Group}]" : "")}{(a.Auth is { } auth ? $"  (auth: {auth})" : "")}{(a.Examples > 0 ? $"  ({CliOutput.Count(a.Examples, "example")} → fixtures)" : "")}");
        o.WriteLine("  changes:");
        foreach (var line in written.Changes.Lines()) o.WriteLine("    " + line);
        if (imported.Warnings.Count > 0) o.WriteLine($"  {CliOutput.Count(imported.Warnings.Count, "warning")} (on stderr)");
        return ExitCodes.Ok;
    }
}
