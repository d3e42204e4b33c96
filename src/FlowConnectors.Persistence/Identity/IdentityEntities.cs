namespace FlowConnectors.Persistence.Identity;

internal sealed class AccessKeyEntity
{
    public required string Id { get; set; }
    public required string UserId { get; set; }
    public required string Name { get; set; }
    public required string KeyHash { get; set; }
    /// <summary>Permissions separated by spaces; empty: all of the user's.</summary>
    public required string Scopes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
}

internal sealed class AuditEntryEntity
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Action { get; set; }
    public int Status { get; set; }
    public string? UserId { get; set; }
    public string? UserName { get; set; }
    public string? KeyId { get; set; }
    public string? RequestId { get; set; }
    public string? Target { get; set; }
    public string? Detail { get; set; }
}

internal sealed class CatalogSubmitterEntity
{
    public required string ConnectorKey { get; set; }
    public required string Version { get; set; }
    public required string UserId { get; set; }
    public DateTimeOffset SubmittedAt { get; set; }
}

/// <summary>A row of the single-key era's ApiKeys table (owned by the main context's migrations; read here only).</summary>
internal sealed class LegacyApiKeyRow
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string KeyHash { get; set; }
}

/// <summary>Who last put a flow to work (published it or switched it on): its runs use connections on that user's rights.</summary>
internal sealed class FlowPublisherEntity
{
    public required string FlowId { get; set; }
    public required string UserId { get; set; }
    public DateTimeOffset At { get; set; }
}

internal sealed class ConnectionOwnerEntity
{
    public required string ConnectionId { get; set; }
    public required string OwnerId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class ConnectionShareEntity
{
    public required string ConnectionId { get; set; }
    /// <summary><c>user</c> or <c>role</c>.</summary>
    public required string Kind { get; set; }
    /// <summary>The user's id or the role's name.</summary>
    public required string Principal { get; set; }
    /// <summary><c>use</c> or <c>manage</c>.</summary>
    public required string Right { get; set; }
}
