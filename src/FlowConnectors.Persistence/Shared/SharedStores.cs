namespace FlowConnectors.Persistence;

/// <summary>A stored version of an installed connector (without its files).</summary>
public sealed record InstalledConnectorRecord(string Key, string Version, bool Current, string Digest, DateTimeOffset InstalledAt);

/// <summary>Connectors installed through the API, shared by every node: the database is where they live, a node's folder is its copy.</summary>
public interface IInstalledConnectorStore
{
    /// <summary>Every stored version (of one connector when <paramref name="key"/> is given), by key then version.</summary>
    Task<IReadOnlyList<InstalledConnectorRecord>> ListAsync(string? key = null, CancellationToken ct = default);
    /// <summary>A version's files as a zip; null when it is not stored.</summary>
    Task<byte[]?> GetFilesAsync(string key, string version, CancellationToken ct = default);
    /// <summary>
    /// Makes this version the installed one. The version it replaces is kept (not current) for pinned automations;
    /// a stored copy of the same version is replaced. With <paramref name="current"/> false the version is only kept
    /// (an earlier version for pinned automations) and the installed one stays.
    /// </summary>
    Task SaveAsync(string key, string version, string digest, byte[] files, bool current = true, CancellationToken ct = default);
    /// <summary>Removes every version of the connector; false when none was stored.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken ct = default);
}

/// <summary>One-time states any node can take exactly once (OAuth sign-in states, sign-in links), stored as hashes.</summary>
public interface IOneTimeStates
{
    Task AddAsync(string purpose, string tokenHash, string subject, DateTimeOffset expiresAt, CancellationToken ct = default);
    /// <summary>The subject, removing the state; null when it is unknown, already taken or expired.</summary>
    Task<string?> TakeAsync(string purpose, string tokenHash, CancellationToken ct = default);
}

/// <summary>Secrets every node must share; the first node to ask creates each one.</summary>
public interface IClusterSecrets
{
    /// <summary>The stored value, or <paramref name="create"/>'s, stored when none was (the first writer wins on a race).</summary>
    Task<string> GetOrAddAsync(string name, Func<string> create, CancellationToken ct = default);
}
