using System.CommandLine;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Cli.Commands;

/// <summary>
/// <c>flowc validate &lt;file|dir&gt;</c>: every structural and semantic problem of one flow or of every
/// flow under a directory, as <c>file: $.path: message</c> on stdout; a summary on stderr.
/// Exit 0 without errors (warnings allowed), 1 with any error, 2 when the path does not exist.
/// </summary>
internal sealed class ValidateCommand
{
    private readonly CliOutput _output;
    private readonly WorkingDirectory _directory;
    private readonly Argument<string> _path = new("path") { Description = "A *.flow.json file, or a directory searched recursively for them." };

    public ValidateCommand(CliOutput output, WorkingDirectory directory)
    {
        _output = output;
        _directory = directory;
        Command = new Command("validate", "Checks flow files and prints every problem with its JSON path.") { _path };
        Command.SetAction(parsed => Execute(parsed.GetRequiredValue(_path)));
    }

    public Command Command { get; }

    private int Execute(string path)
    {
        IReadOnlyList<string> files;
        string tree;
        bool isDirectory;
        var full = _directory.Resolve(path);
        if (Directory.Exists(full))
        {
            files = FlowFiles.Find(full);
            tree = full;
            isDirectory = true;
        }
        else if (File.Exists(full))
        {
            files = [full];
            tree = Path.GetDirectoryName(Path.GetFullPath(full))!;
            isDirectory = false;
        }
        else throw new CliException($"no such file or directory: {path}");

        var engine = new FlowEngine(new FlowEngineOptions { Registry = CliActivities.Create() });
        var callable = new DirectoryFlowProvider(tree);
        var invalid = 0;
        var warnings = 0;
        // Connector folders are validated as a whole (manifest, standard flows, cards); their flows
        // are not checked again as loose files.
        var connectors = isDirectory ? ConnectorFolders(full) : [];
        foreach (var folder in connectors)
        {
            var (_, problems) = ConnectorPackage.Load(folder, engine);
            var display = Path.Join(path, Path.GetRelativePath(full, folder));
            foreach (var problem in problems) _output.Out.WriteLine($"{Path.Join(display, problem.File)}: {problem.Path}: {(problem.IsError ? "" : "warning: ")}{problem.Code}: {problem.Message}");
            if (problems.Any(p => p.IsError)) invalid++;
            warnings += problems.Count(p => !p.IsError);
        }
        files = files.Where(f => !connectors.Any(c => Path.GetFullPath(f).StartsWith(c + Path.DirectorySeparatorChar, StringComparison.Ordinal))).ToList();
        foreach (var file in files)
        {
            var display = isDirectory ? Path.Join(path, Path.GetRelativePath(full, file)) : path;
            var problems = Check(file, engine, callable);
            CliOutput.WriteProblems(_output.Out, display, problems);
            if (problems.Any(p => p.IsError)) invalid++;
            warnings += problems.Count(p => !p.IsError);
        }
        var summary = $"{CliOutput.Count(files.Count, "file")}{(connectors.Count > 0 ? ", " + CliOutput.Count(connectors.Count, "connector") : "")}, {invalid} invalid";
        if (warnings > 0) summary += ", " + CliOutput.Count(warnings, "warning");
        if (files.Count == 0 && connectors.Count == 0) summary += $" (no {FlowFiles.Pattern} under {path})";
        _output.Note(summary);
        return invalid > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }

    /// <summary>The folder itself when it is a connector, else every connector folder below it.</summary>
    private static List<string> ConnectorFolders(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        if (ConnectorPackage.IsConnectorFolder(full)) return [full];
        return Directory.EnumerateFiles(full, ManifestReader.FileName, new EnumerationOptions { RecurseSubdirectories = true })
            .Select(f => Path.GetDirectoryName(f)!)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static List<FormatProblem> Check(string file, FlowEngine engine, DirectoryFlowProvider callable)
    {
        var load = FlowJson.LoadFile(file);
        var problems = load.Problems.ToList();
        if (load.Flow is not { } flow) return problems;
        problems.AddRange(engine.Validate(flow));
        problems.AddRange(CheckCallTargets(flow, callable));
        return problems;
    }

    /// <summary>A CallFlow with a literal flowId that no flow in the same tree has: a warning, since the host may provide it.</summary>
    private static IEnumerable<FormatProblem> CheckCallTargets(FlowDefinition flow, DirectoryFlowProvider callable)
    {
        for (var i = 0; i < flow.Nodes.Count; i++)
        {
            var node = flow.Nodes[i];
            if (node.Type != "CallFlow" || !node.Inputs.TryGetValue("flowId", out var target)) continue;
            if (target is not JsonValue value || !value.TryGetValue<string>(out var flowId) || flowId.Length == 0) continue;
            if (callable.Ids.Contains(flowId)) continue;
            yield return FormatProblem.Warning("UNKNOWN_FLOW", $"$.nodes[{i}].inputs.flowId",
                $"CallFlow target '{flowId}' is not among the flows in this directory tree", node.Id);
        }
    }
}
