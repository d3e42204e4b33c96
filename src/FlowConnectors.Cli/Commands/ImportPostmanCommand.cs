using System.CommandLine;
using FlowConnectors.Import.Postman;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Cli.Commands;

/// <summary>
/// <c>flowc import-postman &lt;collection.json&gt; --out &lt;dir&gt; [--name &lt;name&gt;]</c>: maps a Postman
/// Collection (v2.1 or v2.0) to a connector folder that passes <c>flowc validate</c>. Re-importing into
/// the same folder updates it and lists what changed. Warnings (scripts, unsupported body modes or auth
/// types, removed auth headers) name their place in the collection. Exit 0 written, 2 bad input.
/// </summary>
internal sealed class ImportPostmanCommand
{
    private readonly CliOutput _output;
    private readonly WorkingDirectory _directory;
    private readonly Argument<string> _collection = new("collection") { Description = "A Postman Collection v2.1 or v2.0 JSON file." };
    private readonly Option<string> _out = new("--out") { Description = "The connector folder to write (created, or updated when it holds an earlier import).", Required = true };
    private readonly Option<string?> _name = new("--name") { Description = "The connector's name (and key); default: the collection's name." };
    private readonly Option<string[]> _environments = new("--environment") { Description = "A Postman environment (*.postman_environment.json) to import as a connection preset; repeat for more.", AllowMultipleArgumentsPerToken = false };

    public ImportPostmanCommand(CliOutput output, WorkingDirectory directory)
    {
        _output = output;
        _directory = directory;
        Command = new Command("import-postman", "Imports a Postman collection as a connector folder (one action card per request).") { _collection, _out, _name, _environments };
        Command.SetAction(parsed => Execute(parsed.GetRequiredValue(_collection), parsed.GetRequiredValue(_out), parsed.GetValue(_name), parsed.GetValue(_environments) ?? []));
    }

    public Command Command { get; }

    private int Execute(string collectionFile, string outFolder, string? name, string[] environmentFiles)
    {
        if (!File.Exists(_directory.Resolve(collectionFile))) throw new CliException($"no such file: {collectionFile}");
        foreach (var file in environmentFiles)
            if (!File.Exists(_directory.Resolve(file))) throw new CliException($"no such file: {file}");
        ImportedConnector imported;
        ImportWriteResult written;
        try
        {
            imported = PostmanImporter.Import(File.ReadAllText(_directory.Resolve(collectionFile)), name, environmentFiles.Select(f => File.ReadAllText(_directory.Resolve(f))).ToList());
            written = ConnectorFolderWriter.Write(imported, _directory.Resolve(outFolder), new FlowEngine(new FlowEngineOptions { Registry = CliActivities.Create() }));
        }
        catch (PostmanImportException e)
        {
            var where = e.Path.StartsWith("environment[", StringComparison.Ordinal) && int.TryParse(e.Path[12..e.Path.IndexOf(']')], out var index)
                ? $"{environmentFiles[index]}: {e.Path[(e.Path.IndexOf(']') + 1)..].TrimStart('.')}"
                : null;
            throw new CliException(e.Path == "--out" || e.Path == "name" ? $"{e.Path}: {e.Reason}" : where is not null ? $"{where}: {e.Reason}" : $"{collectionFile}: {e.Path}: {e.Reason}");
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
