using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Server.Hosting.Contracts;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// A connection as the caller may see it. With the manage right: its values (never secrets: only which are set), sign-in,
/// status, origin and token expiry; with the use right only: id, connector, name, status, health and access.
/// </summary>
internal sealed record ConnectionResponse(
    string Id,
    string Connector,
    string Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Dictionary<string, string>? Values,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string[]? SecretsSet,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? SignedIn,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? StatusReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Origin,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? LastTestedAt,
    string Health,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? TokenExpiresAt,
    /// <summary>use or manage: what the caller may do with it.</summary>
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Access)
{
    public static ConnectionResponse Of(Connection c, DateTimeOffset? now, string? access = null) => new(
        c.Id, c.ConnectorKey, c.Name,
        c.Values.OrderBy(v => v.Key, StringComparer.Ordinal).ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal),
        [.. c.Secrets.Keys.Order(StringComparer.Ordinal)], c.Tokens is not null, Connection.StatusName(c.Status), c.StatusReason, c.Origin, c.LastTestedAt,
        Connection.HealthName(c.HealthAt(now ?? DateTimeOffset.UtcNow)), c.Tokens?.ExpiresAt, access);

    /// <summary>What a user with the use right only sees.</summary>
    public static ConnectionResponse UseOnly(Connection c, DateTimeOffset now, string access) => new(
        c.Id, c.ConnectorKey, c.Name, null, null, null, Connection.StatusName(c.Status), null, null, null, Connection.HealthName(c.HealthAt(now)), null, access);
}

/// <summary>POST /api/connections: values of the connector's connection parameters; the id is chosen by the server when left out.</summary>
internal sealed record ConnectionCreateRequest : JsonRequest<ConnectionCreateRequest>
{
    public string? Id { get; init; }
    public string? Connector { get; init; }
    public string? Name { get; init; }
    public JsonObject? Values { get; init; }
}

/// <summary>PUT /api/connections/{id}: a new name and the parameter values to change.</summary>
internal sealed record ConnectionUpdateRequest : JsonRequest<ConnectionUpdateRequest>
{
    public JsonNode? Name { get; init; }
    public JsonObject? Values { get; init; }
}

/// <summary>What uses a connection: automations (by their connection or a node of their flow) and flows.</summary>
internal sealed record ConnectionUsage(string ConnectionId, ConnectionUsageAutomation[] Automations, string[] Flows);

internal sealed record ConnectionUsageAutomation(string Id, string FlowId, bool Active, string? DisabledReason);

internal sealed record ConnectionTestResult(bool Ok, string? Reason);

/// <summary>A deauthorized connection: whether the vendor revoked its tokens, and the automations and flows switched off.</summary>
internal sealed record ConnectionDeauthorized(string ConnectionId, string Status, bool Revoked, string? RevokeError, string[] DisabledAutomations, string[] DisabledFlows);
