namespace FlowConnectors.Cli;

/// <summary>
/// Where the relative paths of one command line resolve. flowc itself runs in the process's current directory and
/// opens paths as given; a host that runs command lines in-process (the CLI tests) gives each its own directory,
/// so several can run side by side in one process. Messages show paths as the user wrote them either way.
/// </summary>
internal sealed class WorkingDirectory
{
    private readonly string? _root;

    private WorkingDirectory(string? root) => _root = root;

    /// <summary>The process's current directory: paths are opened as given.</summary>
    public static WorkingDirectory Current { get; } = new(null);

    public static WorkingDirectory At(string directory) => new(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar));

    /// <summary>The path to open for <paramref name="path"/> as given on the command line.</summary>
    public string Resolve(string path) => _root is null || Path.IsPathRooted(path) ? path : Path.Join(_root, path);

    /// <summary>A path found under a resolved one (a file of a directory given), shown the way the given path was written.</summary>
    public string Show(string path) =>
        _root is not null && path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? path[(_root.Length + 1)..] : path;
}
