using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Import.Postman;

/// <summary>The result of writing an import: what changed and where it went.</summary>
public sealed record ImportWriteResult(string Folder, ImportChanges Changes, IReadOnlyList<FormatProblem> Warnings);

/// <summary>
/// Writes an imported connector as a folder, never half: the files go to a temporary folder next to the
/// target, are validated like <c>flowc validate</c>, and only then replace the target in one move.
/// </summary>
public static class ConnectorFolderWriter
{
    public static ImportWriteResult Write(ImportedConnector imported, string folder, FlowEngine validator)
    {
        var target = Path.GetFullPath(folder);
        if (File.Exists(target))
            throw new PostmanImportException("--out", $"'{folder}' is a file, not a folder");
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !ConnectorPackage.IsConnectorFolder(target))
            throw new PostmanImportException("--out", $"'{folder}' exists and is not a connector folder (no connector.json); choose an empty or new folder");
        var changes = ImportChanges.Compare(Directory.Exists(target) ? target : null, imported);
        var parent = Path.GetDirectoryName(target) ?? ".";
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            WriteFiles(imported, changes, staging);
            var (package, problems) = ConnectorPackage.Load(staging, validator);
            if (package is null)
                throw new InvalidOperationException("the imported connector does not validate: " +
                    string.Join("; ", problems.Where(p => p.IsError).Select(p => $"{p.File} {p.Path}: {p.Code} {p.Message}")));
            Swap(staging, target);
            return new ImportWriteResult(target, changes, problems);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Writes every file of the connector under <paramref name="folder"/> (which must not exist yet).</summary>
    public static void WriteFiles(ImportedConnector imported, string version, string folder) =>
        WriteFiles(imported, new ImportChanges(true, null, version, [], [], [], []), folder);

    /// <summary>Writes the files at the version <paramref name="changes"/> gives, with the settings it keeps.</summary>
    public static void WriteFiles(ImportedConnector imported, ImportChanges changes, string folder)
    {
        foreach (var (relative, text) in imported.Files(changes.Version, changes.KeptSettings))
        {
            var path = Path.Combine(folder, relative.Replace('/', Path.DirectorySeparatorChar));
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, text);
            }
            catch (PathTooLongException)
            {
                // Ids are capped, so only a deep target folder gets here: say which, never the raw exception.
                throw new PostmanImportException("--out", $"the connector folder is too deep for '{relative}' ({path.Length} characters); choose a shorter folder");
            }
        }
    }

    private static void Swap(string staging, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }
        var retired = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.old");
        Directory.Move(target, retired);
        try
        {
            Directory.Move(staging, target);
        }
        catch
        {
            Directory.Move(retired, target);
            throw;
        }
        Directory.Delete(retired, recursive: true);
    }
}
