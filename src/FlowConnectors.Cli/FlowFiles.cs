using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Cli;

/// <summary>Finding and loading <c>*.flow.json</c> files for the commands.</summary>
internal static class FlowFiles
{
    public const string Pattern = "*.flow.json";

    /// <summary>Every flow file under a directory, recursively, in ordinal path order.</summary>
    public static IReadOnlyList<string> Find(string directory)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MatchType = MatchType.Simple };
        var files = Directory.EnumerateFiles(directory, Pattern, options)
            .Where(f => f.EndsWith(".flow.json", StringComparison.Ordinal))
            .ToList();
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>
    /// Loads and compiles the flow to run. An invalid flow prints its problems on stderr (like
    /// validate) and stops the command with exit code 2; warnings are printed and the run goes on.
    /// </summary>
    public static CompiledFlow LoadForRun(string path, WorkingDirectory directory, FlowEngine engine, CliOutput output)
    {
        var file = directory.Resolve(path);
        if (Directory.Exists(file)) throw new CliException($"'{path}' is a directory; give a flow file");
        if (!File.Exists(file)) throw new CliException($"flow file not found: {path}");
        var load = FlowJson.LoadFile(file);
        if (load.HasErrors || load.Flow is null)
        {
            var problems = load.Problems.ToList();
            if (load.Flow is not null) problems.AddRange(engine.Validate(load.Flow));
            CliOutput.WriteProblems(output.Err, path, problems);
            throw new CliException($"{path} is not a valid flow ({CliOutput.Count(problems.Count(p => p.IsError), "error")})");
        }
        try
        {
            var compiled = engine.Compile(load.Flow);
            CliOutput.WriteProblems(output.Err, path, load.Problems.Concat(compiled.Warnings));
            return compiled;
        }
        catch (FlowValidationException e)
        {
            CliOutput.WriteProblems(output.Err, path, load.Problems.Concat(e.Problems));
            throw new CliException($"{path} is not a valid flow ({CliOutput.Count(e.Problems.Count(p => p.IsError), "error")})");
        }
    }

    public static string ReadText(string path, WorkingDirectory directory, string what)
    {
        var file = directory.Resolve(path);
        if (Directory.Exists(file)) throw new CliException($"{what} '{path}' is a directory, not a file");
        if (!File.Exists(file)) throw new CliException($"{what} not found: {path}");
        try { return File.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {what} {path}: {e.Message}");
        }
    }
}

/// <summary>
/// The flows of a directory tree by id, for CallFlow. The tree is read once, on first use; files
/// that do not load are skipped (validate reports them), and the first file wins a duplicate id.
/// </summary>
internal sealed class DirectoryFlowProvider(string root) : IFlowProvider
{
    private readonly Lazy<Dictionary<string, FlowDefinition>> _index = new(() => Index(root));

    public IReadOnlyCollection<string> Ids => _index.Value.Keys;

    public ValueTask<FlowDefinition?> FindAsync(string flowId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_index.Value.GetValueOrDefault(flowId));

    private static Dictionary<string, FlowDefinition> Index(string root)
    {
        var flows = new Dictionary<string, FlowDefinition>(StringComparer.Ordinal);
        if (!Directory.Exists(root)) return flows;
        foreach (var file in FlowFiles.Find(root))
        {
            FlowLoadResult load;
            try { load = FlowJson.LoadFile(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (!load.HasErrors && load.Flow is { } flow) flows.TryAdd(flow.Id, flow);
        }
        return flows;
    }
}
