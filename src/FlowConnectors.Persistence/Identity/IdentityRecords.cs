namespace FlowConnectors.Persistence.Identity;

/// <summary>
/// A per-user API key: only the SHA-256 hash of the key is stored (the key itself is shown once). Its scopes are
/// permissions, a subset of its user's; an empty list means all of the user's permissions.
/// </summary>
public sealed record AccessKeyRecord(
    string Id,
    string UserId,
    string Name,
    IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt = null,
    DateTimeOffset? LastUsedAt = null);

/// <summary>One management action or refused request: who (user and key), what, the answer's status and the request id.</summary>
public sealed record AuditRecord(
    DateTimeOffset At,
    string Action,
    int Status,
    string? UserId,
    string? UserName,
    string? KeyId,
    string? RequestId,
    string? Target = null,
    string? Detail = null)
{
    /// <summary>Assigned by the store; 0 for a record not yet stored.</summary>
    public long Id { get; init; }
}

/// <summary>Filters for reading the audit log, newest first.</summary>
public sealed record AuditQuery(string? UserId = null, string? Action = null, int? Status = null, int Skip = 0, int Take = 100);

/// <summary>The per-user API keys.</summary>
public interface IAccessKeyStore
{
    Task AddAsync(AccessKeyRecord key, string keyHash, CancellationToken ct = default);
    Task<AccessKeyRecord?> FindByHashAsync(string keyHash, CancellationToken ct = default);
    Task<AccessKeyRecord?> GetAsync(string id, CancellationToken ct = default);
    Task<bool> AnyAsync(CancellationToken ct = default);
    /// <summary>Keys of one user, or of every user when <paramref name="userId"/> is null; newest first.</summary>
    Task<IReadOnlyList<AccessKeyRecord>> ListAsync(string? userId, CancellationToken ct = default);
    /// <summary>False when the key does not exist; revoking a revoked key keeps its first revocation time.</summary>
    Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken ct = default);
    Task TouchAsync(string id, DateTimeOffset at, CancellationToken ct = default);
    /// <summary>The keys of the single-key era (table ApiKeys): name and hash, to carry over to the owner.</summary>
    Task<IReadOnlyList<(string Name, string KeyHash)>> LegacyKeysAsync(CancellationToken ct = default);
}

/// <summary>The audit log of management actions and refused requests.</summary>
public interface IAuditLog
{
    Task AppendAsync(AuditRecord entry, CancellationToken ct = default);
    Task<IReadOnlyList<AuditRecord>> ListAsync(AuditQuery query, CancellationToken ct = default);
}

/// <summary>Who submitted a catalog version through the API, so that person cannot approve it.</summary>
public interface ICatalogSubmitterStore
{
    Task RecordAsync(string connectorKey, string version, string userId, DateTimeOffset at, CancellationToken ct = default);
    Task<string?> FindAsync(string connectorKey, string version, CancellationToken ct = default);
}
