using System.Security.Cryptography;

namespace FlowConnectors.Runtime;

/// <summary>
/// Who this node is across restarts: its id (configured, or kept in the data folder) and the secret its
/// callback tokens are derived from. Leases are owned by <c>{NodeId}/{process}</c>, so a restarted node
/// knows which leases its previous process held and takes them back at once.
/// </summary>
public sealed class NodeIdentity
{
    public NodeIdentity(RuntimeOptions options)
    {
        NodeId = options.NodeId is { Length: > 0 } configured ? configured : ReadOrCreate(Path.Combine(options.DataFolder, DataFiles.NodeId),
            () => "node-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        var secret = options.CallbackSecret is { Length: > 0 } key ? key : ReadOrCreate(Path.Combine(options.DataFolder, DataFiles.CallbackSecret),
            () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        try { CallbackSecret = Convert.FromBase64String(secret); }
        catch (FormatException) { throw new InvalidOperationException("FlowConnectors:CallbackSecret must be base64"); }
        if (CallbackSecret.Length < 32) throw new InvalidOperationException("FlowConnectors:CallbackSecret must hold at least 32 bytes");
        LeaseOwner = $"{NodeId}/{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
    }

    public string NodeId { get; }
    /// <summary>The lease owner of this process: the node id, then what tells this process from earlier ones.</summary>
    public string LeaseOwner { get; }
    public byte[] CallbackSecret { get; }

    private static string ReadOrCreate(string path, Func<string> create)
    {
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } existing) return existing;
        var value = create();
        var temporary = path + ".tmp";
        using (var writer = new StreamWriter(temporary, System.Text.Encoding.UTF8, DataFiles.PrivateFileOptions())) writer.Write(value);
        // Renamed into place: a crash while writing never leaves a half-written id.
        File.Move(temporary, path, overwrite: true);
        return value;
    }
}
