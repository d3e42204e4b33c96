using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace FlowConnectors.Server.Runtime;

/// <summary>
/// A connector folder as the database keeps it: its files (hidden ones left out, as <see cref="ConnectorInstaller.CopyFolder"/>
/// does) in a zip, and a digest of paths and contents that tells a node whether its copy is the stored one.
/// </summary>
internal static class ConnectorFiles
{
    public static (string Digest, byte[] Zip) Pack(string folder)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (relative, path) in FilesOf(folder))
            {
                var entry = zip.CreateEntry(relative, CompressionLevel.Optimal);
                using var target = entry.Open();
                using var source = File.OpenRead(path);
                source.CopyTo(target);
            }
        return (Digest(folder), buffer.ToArray());
    }

    /// <summary><c>sha256:</c> over each file's relative path and content hash, in path order; empty for a missing folder.</summary>
    public static string Digest(string folder)
    {
        if (!Directory.Exists(folder)) return "";
        var text = new StringBuilder();
        foreach (var (relative, path) in FilesOf(folder))
            text.Append(relative).Append('\n').Append(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))).Append('\n');
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Writes the zip's files into <paramref name="target"/> (created), refusing entries that would land outside it.</summary>
    public static void Extract(byte[] files, string target)
    {
        Directory.CreateDirectory(target);
        var root = Path.GetFullPath(target) + Path.DirectorySeparatorChar;
        using var zip = new ZipArchive(new MemoryStream(files), ZipArchiveMode.Read);
        foreach (var entry in zip.Entries)
        {
            if (entry.FullName.EndsWith('/')) continue;
            var destination = Path.GetFullPath(Path.Combine(target, entry.FullName));
            if (!destination.StartsWith(root, StringComparison.Ordinal)) throw new InvalidDataException($"a stored connector file '{entry.FullName}' lies outside its folder");
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            entry.ExtractToFile(destination, overwrite: true);
        }
    }

    private static IEnumerable<(string Relative, string Path)> FilesOf(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(path => (Relative: Path.GetRelativePath(folder, path).Replace(Path.DirectorySeparatorChar, '/'), Path: path))
            .Where(f => !f.Relative.Split('/').Any(part => part.StartsWith('.')))
            .OrderBy(f => f.Relative, StringComparer.Ordinal);
}
