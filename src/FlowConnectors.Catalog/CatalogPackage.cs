using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Catalog;

/// <summary>
/// A connector package: the files of a connector folder (manifest, icon, flows with their cards,
/// templates, test fixtures) plus <c>package.json</c> naming its key, semver version, each file's
/// SHA-256 and the digest of them all. As a file it is a zip with entries in ordinal order and fixed
/// timestamps, so packing the same folder twice gives identical bytes.
/// </summary>
public sealed class CatalogPackage
{
    public const string MetadataFile = "package.json";
    public const string Extension = ".fcpkg";
    public const int Format = 1;
    public const long MaxBytes = 16 * 1024 * 1024;
    private const int MaxFiles = 1000;
    private static readonly DateTimeOffset FixedTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private CatalogPackage(string key, string version, string name, SortedDictionary<string, byte[]> files)
    {
        Key = key;
        Version = version;
        Name = name;
        Files = files;
        FileHashes = new SortedDictionary<string, string>(files.ToDictionary(f => f.Key, f => Hex(SHA256.HashData(f.Value))), StringComparer.Ordinal);
        Digest = ComputeDigest(FileHashes);
    }

    public string Key { get; }
    public string Version { get; }
    public string Name { get; }
    /// <summary>Path (with '/') → content, ordinal order; never holds package.json itself.</summary>
    public IReadOnlyDictionary<string, byte[]> Files { get; }
    public IReadOnlyDictionary<string, string> FileHashes { get; }
    /// <summary><c>sha256:&lt;hex&gt;</c> of the lines <c>&lt;file sha256&gt;  &lt;path&gt;\n</c> in path order (what <c>sha256sum</c> prints).</summary>
    public string Digest { get; }

    public string Reference => $"{Key}@{Version}";

    public string DefaultFileName => $"{Key}-{Version}{Extension}";

    /// <summary>The files a package takes from a connector folder: everything a connector is made of, nothing else (no dot files, no connections).</summary>
    public static SortedDictionary<string, byte[]> CollectFiles(ConnectorPackage connector)
    {
        var root = connector.Directory;
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [ManifestReader.FileName] = Normalize(File.ReadAllBytes(Path.Combine(root, ManifestReader.FileName))),
        };
        foreach (var flow in connector.Flows.Values)
            files[flow.File] = Encoding.UTF8.GetBytes(FlowJson.Save(flow.Definition));
        foreach (var fixture in connector.FixtureFiles)
            files[Relative(root, fixture)] = Normalize(File.ReadAllBytes(fixture));
        if (connector.Manifest.Icon is { Length: > 0 } icon && !icon.Contains("://", StringComparison.Ordinal))
        {
            var path = Path.GetFullPath(Path.Combine(root, icon));
            if (!path.StartsWith(Path.GetFullPath(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new CatalogException(CatalogErrorKind.InvalidPackage, $"{ManifestReader.FileName}: $.icon: '{icon}' points outside the connector folder");
            if (!File.Exists(path))
                throw new CatalogException(CatalogErrorKind.InvalidPackage, $"{ManifestReader.FileName}: $.icon: file '{icon}' does not exist");
            files[Relative(root, path)] = Normalize(File.ReadAllBytes(path));
        }
        var templates = Path.Combine(root, "templates");
        if (System.IO.Directory.Exists(templates))
            foreach (var file in System.IO.Directory.EnumerateFiles(templates, "*", SearchOption.AllDirectories))
            {
                var relative = Relative(root, file);
                if (relative.Split('/').Any(part => part.StartsWith('.'))) continue;
                files[relative] = Normalize(File.ReadAllBytes(file));
            }
        return files;
    }

    /// <summary>Builds a package from files already checked (see <see cref="Packer"/>).</summary>
    public static CatalogPackage FromFiles(SortedDictionary<string, byte[]> files)
    {
        if (files.ContainsKey(MetadataFile)) throw new CatalogException(CatalogErrorKind.InvalidPackage, $"a connector may not hold its own {MetadataFile}");
        var manifest = ReadManifest(files);
        foreach (var path in files.Keys)
            if (!BelongsToConnector(path, manifest))
                throw new CatalogException(CatalogErrorKind.InvalidPackage,
                    $"'{path}' is not part of a connector (connector.json, its icon, flows/*.flow.json, tests/*.json, templates/…)");
        return new CatalogPackage(manifest.Key, manifest.Version, manifest.Name, files);
    }

    /// <summary>The metadata file's text: key, version, name, digest and each file's hash.</summary>
    public string MetadataText()
    {
        var metadata = new JsonObject
        {
            ["format"] = Format,
            ["key"] = Key,
            ["version"] = Version,
            ["name"] = Name,
            ["digest"] = Digest,
            ["files"] = new JsonObject(FileHashes.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value))),
        };
        return CanonicalJson.WriteIndented(metadata);
    }

    /// <summary>The package as zip bytes: package.json first, then the files in ordinal order, all dated 1980-01-01.</summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, MetadataFile, Encoding.UTF8.GetBytes(MetadataText()));
            foreach (var (path, content) in Files) Add(zip, path, content);
        }
        return buffer.ToArray();

        static void Add(ZipArchive zip, string path, byte[] content)
        {
            var entry = zip.CreateEntry(path, CompressionLevel.Optimal);
            entry.LastWriteTime = FixedTime;
            entry.ExternalAttributes = 0;
            using var stream = entry.Open();
            stream.Write(content);
        }
    }

    /// <summary>Reads package bytes and checks them: every file against its hash, the digest, the manifest, and secrets.</summary>
    public static CatalogPackage Read(byte[] bytes, string source)
    {
        if (bytes.Length > MaxBytes) throw Invalid(source, $"is {bytes.Length} bytes; a package may be at most {MaxBytes} bytes");
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        byte[]? metadataBytes = null;
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
            if (zip.Entries.Count > MaxFiles) throw Invalid(source, $"holds {zip.Entries.Count} entries; at most {MaxFiles}");
            long total = 0;
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.EndsWith('/')) continue;
                CheckPath(entry.FullName, source);
                total += entry.Length;
                if (total > MaxBytes) throw Invalid(source, $"unpacks to more than {MaxBytes} bytes");
                using var stream = entry.Open();
                using var content = new MemoryStream();
                stream.CopyTo(content);
                if (entry.FullName == MetadataFile) metadataBytes = content.ToArray();
                else if (!files.TryAdd(entry.FullName, content.ToArray())) throw Invalid(source, $"holds '{entry.FullName}' twice");
            }
        }
        catch (InvalidDataException e)
        {
            throw Invalid(source, $"is not a connector package (a zip): {e.Message}");
        }
        if (metadataBytes is null) throw Invalid(source, $"has no {MetadataFile}");
        return Verify(Encoding.UTF8.GetString(metadataBytes), files, source);
    }

    /// <summary>Reads an unpacked package (a catalog version folder) and checks it like <see cref="Read(byte[], string)"/>.</summary>
    public static CatalogPackage ReadFolder(string folder)
    {
        var metadataPath = Path.Combine(folder, MetadataFile);
        if (!File.Exists(metadataPath)) throw new CatalogException(CatalogErrorKind.CorruptCatalog, $"{metadataPath} is missing");
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in System.IO.Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var relative = Relative(folder, file);
            if (relative == MetadataFile) continue;
            files[relative] = File.ReadAllBytes(file);
        }
        return Verify(File.ReadAllText(metadataPath), files, folder);
    }

    private static CatalogPackage Verify(string metadataText, SortedDictionary<string, byte[]> files, string source)
    {
        JsonObject metadata;
        try
        {
            metadata = JsonNode.Parse(metadataText) as JsonObject ?? throw Invalid(source, $"{MetadataFile} must be a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw Invalid(source, $"{MetadataFile} is not valid JSON: {e.Message}");
        }
        if (metadata["files"] is not JsonObject listed) throw Invalid(source, $"{MetadataFile}: $.files is missing");
        foreach (var (path, hash) in listed)
        {
            if (!files.TryGetValue(path, out var content)) throw Invalid(source, $"lists '{path}' in {MetadataFile} but does not hold it (digest mismatch)");
            if ((string?)hash != Hex(SHA256.HashData(content))) throw Invalid(source, $"'{path}' does not match its SHA-256 in {MetadataFile}: the package was changed after it was packed (digest mismatch)");
        }
        foreach (var path in files.Keys)
            if (!listed.ContainsKey(path)) throw Invalid(source, $"holds '{path}', which {MetadataFile} does not list (digest mismatch)");
        var package = FromFilesChecked(files, source);
        if ((string?)metadata["digest"] != package.Digest)
            throw Invalid(source, $"digest mismatch: {MetadataFile} says {(string?)metadata["digest"] ?? "nothing"} but the contents hash to {package.Digest}");
        if ((string?)metadata["key"] != package.Key || (string?)metadata["version"] != package.Version)
            throw Invalid(source, $"{MetadataFile} names {(string?)metadata["key"]}@{(string?)metadata["version"]} but connector.json is {package.Reference}");
        var secrets = SecretScanner.Scan(files);
        if (secrets.Count > 0) throw new CatalogException(CatalogErrorKind.InvalidPackage, $"{source}: refused: it holds {secrets.Count} secret-looking value(s)", secrets);
        return package;
    }

    private static CatalogPackage FromFilesChecked(SortedDictionary<string, byte[]> files, string source)
    {
        try
        {
            return FromFiles(files);
        }
        catch (CatalogException e) when (e.Kind == CatalogErrorKind.InvalidPackage)
        {
            throw new CatalogException(e.Kind, $"{source}: {e.Message}", e.Details);
        }
    }

    private static ConnectorManifest ReadManifest(IReadOnlyDictionary<string, byte[]> files)
    {
        if (!files.TryGetValue(ManifestReader.FileName, out var manifestBytes))
            throw new CatalogException(CatalogErrorKind.InvalidPackage, $"{ManifestReader.FileName} is missing");
        var (manifest, problems) = ManifestReader.Read(Encoding.UTF8.GetString(manifestBytes));
        var errors = problems.Where(p => p.IsError).Select(p => $"{ManifestReader.FileName}: {p.Path}: {p.Message}").ToList();
        if (manifest is null || errors.Count > 0)
            throw new CatalogException(CatalogErrorKind.InvalidPackage, $"{ManifestReader.FileName} is malformed", errors.Count > 0 ? errors : [$"{ManifestReader.FileName}: $: not a connector manifest"]);
        return manifest;
    }

    /// <summary>Writes the files (and package.json) into an empty folder.</summary>
    public void WriteTo(string folder)
    {
        System.IO.Directory.CreateDirectory(folder);
        foreach (var (path, content) in Files)
        {
            var target = Path.Combine(folder, path.Replace('/', Path.DirectorySeparatorChar));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, content);
        }
        File.WriteAllText(Path.Combine(folder, MetadataFile), MetadataText());
    }

    public static string ComputeDigest(IReadOnlyDictionary<string, string> fileHashes)
    {
        var text = new StringBuilder();
        foreach (var (path, hash) in fileHashes.OrderBy(f => f.Key, StringComparer.Ordinal)) text.Append(hash).Append("  ").Append(path).Append('\n');
        return "sha256:" + Hex(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static bool BelongsToConnector(string path, ConnectorManifest manifest)
    {
        var parts = path.Split('/');
        return path == ManifestReader.FileName
               || path == manifest.Icon?.Replace('\\', '/').TrimStart('.', '/')
               || parts is ["flows", var flow] && flow.EndsWith(".flow.json", StringComparison.Ordinal)
               || parts is ["tests", var test] && test.EndsWith(".json", StringComparison.Ordinal)
               || parts.Length > 1 && parts[0] == "templates";
    }

    private static void CheckPath(string path, string source)
    {
        if (path.Length == 0 || path.StartsWith('/') || path.Contains('\\') || path.Contains(':') ||
            path.Split('/').Any(part => part is "" or "." or ".." || part.StartsWith('.')))
            throw Invalid(source, $"holds an unsafe path '{path}'");
    }

    private static CatalogException Invalid(string source, string message) => new(CatalogErrorKind.InvalidPackage, $"{source}: {message}");

    private static string Relative(string root, string file) => Path.GetRelativePath(root, file).Replace('\\', '/');

    private static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    /// <summary>Text files get <c>\n</c> line ends, so a checkout on Windows packs to the same bytes.</summary>
    private static byte[] Normalize(byte[] content)
    {
        if (Array.IndexOf(content, (byte)0) >= 0 || Array.IndexOf(content, (byte)'\r') < 0) return content;
        return Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(content).Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
