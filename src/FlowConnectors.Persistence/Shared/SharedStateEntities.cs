namespace FlowConnectors.Persistence.Shared;

/// <summary>
/// One version of a connector installed through the API: its folder's files as a zip. <see cref="Current"/> marks the
/// installed version; the others are earlier versions kept for automations pinned to them.
/// </summary>
internal sealed class InstalledConnectorEntity
{
    public string Key { get; set; } = "";
    public string Version { get; set; } = "";
    public bool Current { get; set; }
    /// <summary><c>sha256:</c> of the files (paths and contents), so a node knows whether its copy is this one.</summary>
    public string Digest { get; set; } = "";
    public byte[] Files { get; set; } = [];
    public DateTimeOffset InstalledAt { get; set; }
}

/// <summary>A one-time state (an OAuth sign-in's state, a sign-in link): taken once, by any node, before it expires.</summary>
internal sealed class OneTimeStateEntity
{
    public string Purpose { get; set; } = "";
    /// <summary>The SHA-256 of the token: the token itself is never stored.</summary>
    public string Id { get; set; } = "";
    public string Subject { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>A secret every node must share (the callback signing key), protected with the shared key ring.</summary>
internal sealed class ClusterSecretEntity
{
    public string Name { get; set; } = "";
    public string Value { get; set; } = "";
}

/// <summary>A connector in the shared catalog (every node's; it used to be <c>&lt;data&gt;/catalog</c> on one node).</summary>
internal sealed class CatalogConnectorEntity
{
    public string Key { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }
}

/// <summary>One published catalog version: its review status and its package (the .fcpkg zip, checked against the digest on every read).</summary>
internal sealed class CatalogVersionEntity
{
    public string Key { get; set; } = "";
    public string Version { get; set; } = "";
    public string Digest { get; set; } = "";
    public string Status { get; set; } = "";
    public string? Reason { get; set; }
    public byte[] Package { get; set; } = [];
    public DateTimeOffset PublishedAt { get; set; }
}
