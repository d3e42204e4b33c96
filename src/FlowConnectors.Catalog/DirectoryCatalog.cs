using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Catalog;

public static class ReviewStatus
{
    public const string Submitted = "submitted";
    public const string Approved = "approved";
    public const string Rejected = "rejected";

    public static bool IsValid(string? status) => status is Submitted or Approved or Rejected;
}

/// <summary>One published version as the index records it.</summary>
public sealed record CatalogVersion(string Key, string Version, string Digest, string Status, string? Reason);

/// <summary>A connector in the index: its name and every published version, lowest first.</summary>
public sealed record CatalogEntry(string Key, string Name, string? Description, IReadOnlyList<CatalogVersion> Versions)
{
    public CatalogVersion? Latest(bool approvedOnly) => Versions.LastOrDefault(v => !approvedOnly || v.Status == ReviewStatus.Approved);
}

/// <summary>What a publish did: <see cref="Created"/> is false when the identical version was already there.</summary>
public sealed record PublishResult(CatalogVersion Version, bool Created, string? Previous, ConnectorDiff? Diff);

/// <summary>
/// A catalog kept as a folder, laid out for git and review in a pull request:
/// <code>
/// index.json                    every connector, its versions, digests and review status
/// &lt;key&gt;/&lt;version&gt;/package.json  key, version, digest, each file's SHA-256
/// &lt;key&gt;/&lt;version&gt;/connector.json, flows/*.flow.json, tests/*.json, icon, templates/…
/// </code>
/// Published versions are immutable (the rules are <see cref="ConnectorCatalog"/>'s). Every change is made under a lock
/// file and lands whole: the version folder is staged and moved in, then the index is replaced (temporary file +
/// rename), so a refused publish or a crash leaves the catalog as it was.
/// </summary>
public sealed class DirectoryCatalog(string root) : ICatalogStore
{
    public const string IndexFile = "index.json";
    public const int Format = 1;
    private const string LockFile = ".lock";

    public string Root { get; } = Path.GetFullPath(root);
    public string IndexPath => Path.Combine(Root, IndexFile);

    public string FolderOf(string key, string version) => Path.Combine(Root, key, version);

    public IReadOnlyList<CatalogEntry> List() => ReadIndex().Values.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();

    public CatalogEntry? Find(string key) => ReadIndex().GetValueOrDefault(key);

    // The folder's own operations complete synchronously, so the command line and tests use them without async.

    /// <inheritdoc cref="ConnectorCatalog.PublishAsync"/>
    public PublishResult Publish(CatalogPackage package, string status, Action<CatalogPackage>? validate = null) =>
        new ConnectorCatalog(this).PublishAsync(package, status, validate).GetAwaiter().GetResult();

    /// <inheritdoc cref="ConnectorCatalog.ReviewAsync"/>
    public CatalogVersion Review(string key, string version, string status, string? reason) =>
        new ConnectorCatalog(this).ReviewAsync(key, version, status, reason).GetAwaiter().GetResult();

    /// <inheritdoc cref="ConnectorCatalog.GetAsync"/>
    public CatalogPackage Get(string key, string? version, bool approvedOnly = true) =>
        new ConnectorCatalog(this).GetAsync(key, version, approvedOnly).GetAwaiter().GetResult();

    Task<IReadOnlyList<CatalogEntry>> ICatalogStore.ListAsync(CancellationToken ct) => Task.FromResult(List());

    Task<CatalogEntry?> ICatalogStore.FindAsync(string key, CancellationToken ct) => Task.FromResult(Find(key));

    Task<CatalogPackage> ICatalogStore.ReadAsync(CatalogVersion version, CancellationToken ct) => Task.FromResult(ReadVersion(version));

    Task<T> ICatalogStore.UpdateAsync<T>(string key, Func<CatalogEntry?, Func<CatalogVersion, Task<CatalogPackage>>, Task<CatalogUpdate<T>>> decide, CancellationToken ct) =>
        Task.FromResult(WithLock(() =>
        {
            var index = ReadIndex();
            var update = decide(index.GetValueOrDefault(key), v => Task.FromResult(ReadVersion(v))).GetAwaiter().GetResult();
            if (update.Entry is null) return update.Result;
            string? target = null;
            if (update.Added is { } package)
            {
                target = FolderOf(package.Key, package.Version);
                var staging = Path.Combine(Root, $".staging-{Guid.NewGuid():N}");
                package.WriteTo(staging);
                // A folder the index does not list is what a crash between the two steps left behind.
                if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                Directory.Move(staging, target);
            }
            index[key] = update.Entry;
            try
            {
                WriteIndex(index);
            }
            catch
            {
                if (target is not null) Directory.Delete(target, recursive: true);
                throw;
            }
            return update.Result;
        }));

    private CatalogPackage ReadVersion(CatalogVersion version)
    {
        var folder = FolderOf(version.Key, version.Version);
        if (!Directory.Exists(folder)) throw new CatalogException(CatalogErrorKind.CorruptCatalog, $"catalog {Root} is corrupt: {IndexFile} lists {version.Key}@{version.Version} but {folder} is missing");
        CatalogPackage package;
        try
        {
            package = CatalogPackage.ReadFolder(folder);
        }
        catch (CatalogException e) when (e.Kind == CatalogErrorKind.InvalidPackage)
        {
            throw new CatalogException(CatalogErrorKind.CorruptCatalog, $"catalog {Root} is corrupt: {e.Message}", e.Details);
        }
        if (package.Digest != version.Digest || package.Key != version.Key || package.Version != version.Version)
            throw new CatalogException(CatalogErrorKind.CorruptCatalog,
                $"catalog {Root} is corrupt: {version.Key}@{version.Version} hashes to {package.Digest} but {IndexFile} records {version.Digest} (digest mismatch)");
        return package;
    }

    // --- the index ---------------------------------------------------------------------------

    private Dictionary<string, CatalogEntry> ReadIndex()
    {
        var entries = new Dictionary<string, CatalogEntry>(StringComparer.Ordinal);
        if (!File.Exists(IndexPath)) return entries;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(IndexPath));
        }
        catch (JsonException e)
        {
            throw Corrupt("$", $"not valid JSON ({e.Message})");
        }
        if (root is not JsonObject o) throw Corrupt("$", "must be a JSON object");
        if (o["format"] is not JsonValue f || !f.TryGetValue(out int format) || format != Format) throw Corrupt("$.format", $"must be {Format}");
        if (o["connectors"] is not JsonObject connectors) throw Corrupt("$.connectors", "must be an object of connectors by key");
        foreach (var (key, node) in connectors)
        {
            var path = JsonPath.Property("$.connectors", key);
            if (node is not JsonObject c) throw Corrupt(path, "must be an object");
            if ((string?)Text(c, "name", path) is not { } name) throw Corrupt(JsonPath.Property(path, "name"), "is required");
            if (c["versions"] is not JsonObject versionsNode) throw Corrupt(JsonPath.Property(path, "versions"), "must be an object of versions");
            var versions = new List<CatalogVersion>();
            foreach (var (version, v) in versionsNode)
            {
                var vpath = JsonPath.Property(JsonPath.Property(path, "versions"), version);
                if (!VersionRules.IsSemver(version)) throw Corrupt(vpath, $"'{version}' is not a semantic version");
                if (v is not JsonObject vo) throw Corrupt(vpath, "must be an object");
                var digest = Text(vo, "digest", vpath);
                if (digest is null || !digest.StartsWith("sha256:", StringComparison.Ordinal) || digest.Length != 71) throw Corrupt(JsonPath.Property(vpath, "digest"), "must be sha256:<64 hex digits>");
                var status = Text(vo, "status", vpath);
                if (!ReviewStatus.IsValid(status)) throw Corrupt(JsonPath.Property(vpath, "status"), "must be submitted, approved or rejected");
                versions.Add(new CatalogVersion(key, version, digest, status!, Text(vo, "reason", vpath)));
            }
            entries[key] = new CatalogEntry(key, name, Text(c, "description", path), versions.OrderBy(v => v.Version, Comparer<string>.Create(VersionRules.Compare)).ToList());
        }
        return entries;
    }

    private string? Text(JsonObject o, string field, string path)
    {
        var node = o[field];
        if (node is null) return null;
        if (node is JsonValue v && v.TryGetValue(out string? text)) return text;
        throw Corrupt(JsonPath.Property(path, field), "must be a string");
    }

    private CatalogException Corrupt(string path, string message) =>
        new(CatalogErrorKind.CorruptCatalog, $"catalog index {IndexPath} is corrupt: {path}: {message}; nothing was changed");

    private void WriteIndex(Dictionary<string, CatalogEntry> index)
    {
        var connectors = new JsonObject();
        foreach (var entry in index.Values.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var versions = new JsonObject();
            foreach (var v in entry.Versions)
            {
                var vo = new JsonObject { ["digest"] = v.Digest, ["status"] = v.Status };
                if (v.Reason is not null) vo["reason"] = v.Reason;
                versions[v.Version] = vo;
            }
            var c = new JsonObject { ["name"] = entry.Name, ["versions"] = versions };
            if (entry.Description is not null) c["description"] = entry.Description;
            connectors[entry.Key] = c;
        }
        // Keys sorted, except versions, which stay in version order for a readable index.
        var text = CanonicalJsonKeepingVersionOrder(new JsonObject { ["format"] = Format, ["connectors"] = connectors });
        var temp = Path.Combine(Root, $".{IndexFile}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temp, text);
        File.Move(temp, IndexPath, overwrite: true);
    }

    private static string CanonicalJsonKeepingVersionOrder(JsonObject index)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentSize = 2, NewLine = "\n", Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("format", Format);
            writer.WriteStartObject("connectors");
            foreach (var (key, node) in (JsonObject)index["connectors"]!)
            {
                var c = (JsonObject)node!;
                writer.WriteStartObject(key);
                if (c["description"] is { } description) { writer.WritePropertyName("description"); CanonicalJson.WriteValue(writer, description); }
                writer.WriteString("name", (string?)c["name"]);
                writer.WriteStartObject("versions");
                foreach (var (version, v) in (JsonObject)c["versions"]!)
                {
                    writer.WritePropertyName(version);
                    CanonicalJson.WriteValue(writer, v);
                }
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private T WithLock<T>(Func<T> action)
    {
        Directory.CreateDirectory(Root);
        var ignore = Path.Combine(Root, ".gitignore");
        if (!File.Exists(ignore)) File.WriteAllText(ignore, $"{LockFile}\n.staging-*\n.*.tmp\n");
        var lockPath = Path.Combine(Root, LockFile);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            FileStream? handle = null;
            try
            {
                handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
                continue;
            }
            using (handle)
            {
                return action();
            }
        }
    }
}
