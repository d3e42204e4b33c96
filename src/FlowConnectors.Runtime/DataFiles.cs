namespace FlowConnectors.Runtime;

/// <summary>
/// The data folder holds the database, the API key and the key ring: on Unix it is 0700 and its files
/// 0600, readable by the server's user only, whatever the process umask. The same for a backup of it (flowc backup).
/// </summary>
public static class DataFiles
{
    /// <summary>The SQLite database of a server on the default database.</summary>
    public const string Database = "flowconnectors.db";
    /// <summary>The folder of Data Protection's key ring (and the callback signing key), without which stored secrets cannot be read.</summary>
    public const string KeyRing = "keys";
    /// <summary>The node's id (its leases and callback tokens name it), kept across restarts.</summary>
    public const string NodeId = "node-id";
    /// <summary>The key that signs callback tokens, kept across restarts.</summary>
    public const string CallbackSecret = "callback-secret";

    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder (and missing parents) and makes it 0700.</summary>
    public static void CreatePrivateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, OwnerOnlyFolder);
        File.SetUnixFileMode(path, OwnerOnlyFolder);
    }

    /// <summary>Makes an existing file 0600; nothing when it does not exist.</summary>
    public static void RestrictFile(string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path)) File.SetUnixFileMode(path, OwnerOnlyFile);
    }

    /// <summary>A new file (replacing one), created 0600 from its first byte on Unix.</summary>
    public static FileStreamOptions PrivateFileOptions()
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile;
        return options;
    }

    /// <summary>
    /// Writes a file created 0600 from its first byte, synchronously, for code that runs while services are built (CallbackSigner): blocking there on the
    /// async write, whose completion needs a thread-pool thread, deadlocked servers starting together on a starved pool.
    /// </summary>
    public static void WritePrivateText(string path, string text)
    {
        using (var stream = new FileStream(path, PrivateFileOptions()))
        using (var writer = new StreamWriter(stream))
            writer.Write(text);
        RestrictFile(path);
    }

    /// <summary>Writes a file created 0600 from its first byte.</summary>
    public static async Task WritePrivateTextAsync(string path, string text)
    {
        await using (var stream = new FileStream(path, PrivateFileOptions()))
        await using (var writer = new StreamWriter(stream))
            await writer.WriteAsync(text);
        RestrictFile(path);
    }

    /// <summary>
    /// The database and its WAL and shared-memory files 0600 (databases created by older versions included),
    /// right after the database is created or migrated. SQLite gives the -wal and -shm files it creates later
    /// the database file's mode, so they stay 0600; inside the 0700 folder nothing was ever reachable by others.
    /// </summary>
    public static void RestrictSqliteFiles(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" }) RestrictFile(file);
    }

    /// <summary>Every file directly in the key-ring folder 0600 (Data Protection writes them with the process umask).</summary>
    public static void RestrictFolderFiles(string folder)
    {
        if (!Directory.Exists(folder)) return;
        foreach (var file in Directory.GetFiles(folder)) RestrictFile(file);
    }
}
