using FlowConnectors.Server.Hosting.Contracts;

namespace FlowConnectors.Server.Endpoints;

/// <summary>A role and the permissions it grants.</summary>
internal sealed record RoleResponse(string Name, string[] Permissions);

/// <summary>A user: roles, whether disabled or locked out, and the sign-in providers linked to the account.</summary>
internal sealed record UserResponse(string Id, string? UserName, string? Email, string[] Roles, bool Disabled, DateTimeOffset? LockedOutUntil,
    bool SetupPending, string[] Logins, DateTimeOffset CreatedAt);

/// <summary>POST /api/users: a user without a password signs in through OpenID Connect only.</summary>
internal sealed record UserCreateRequest : JsonRequest<UserCreateRequest>
{
    public string? UserName { get; init; }
    public string? Password { get; init; }
    public string? Email { get; init; }
    public string?[]? Roles { get; init; }
}

/// <summary>PUT /api/users/{id}/roles: the user's roles from now on.</summary>
internal sealed record UserRolesRequest : JsonRequest<UserRolesRequest>
{
    public string?[]? Roles { get; init; }
}

/// <summary>POST /api/users/{id}/password.</summary>
internal sealed record UserPasswordRequest : JsonRequest<UserPasswordRequest>
{
    public string? Password { get; init; }
}

/// <summary>An API key as listed: never the key itself, only what it may do and when it ends.</summary>
internal sealed record KeyResponse(string Id, string Name, string UserId, string[] Scopes, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, string Status);

/// <summary>A new API key with the key itself, shown this once.</summary>
internal sealed record KeyCreated(string Id, string Name, string UserId, string[] Scopes, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, string Status, string Key)
{
    public static KeyCreated Of(KeyResponse k, string key) => new(k.Id, k.Name, k.UserId, k.Scopes, k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt, k.Status, key);
}

/// <summary>POST /api/keys: scopes default to all of the caller's permissions; expiresAt or expiresInDays, or no expiry.</summary>
internal sealed record KeyCreateRequest : JsonRequest<KeyCreateRequest>
{
    public string? Name { get; init; }
    public string?[]? Scopes { get; init; }
    /// <summary>An ISO 8601 date and time in the future.</summary>
    public string? ExpiresAt { get; init; }
    /// <summary>A whole number of days from 1 to 3650.</summary>
    public double? ExpiresInDays { get; init; }
}

/// <summary>One audit log entry.</summary>
internal sealed record AuditEntryResponse(long Id, DateTimeOffset At, string Action, int Status, string? UserId, string? UserName, string? KeyId,
    string? RequestId, string? Target, string? Detail);
