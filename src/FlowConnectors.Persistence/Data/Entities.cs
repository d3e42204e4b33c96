namespace FlowConnectors.Persistence.Data;

/// <summary>One row per flow: its name and which versions are the latest and the published one.</summary>
internal sealed class FlowHeadEntity
{
    public required string FlowId { get; set; }
    public string? Name { get; set; }
    public int LatestVersion { get; set; }
    public int? PublishedVersion { get; set; }
    public string? ConnectorKey { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>Whether the published version's triggers (HTTP endpoint, schedule, event) start instances.</summary>
    public bool Active { get; set; } = true;
}

/// <summary>The flow as the designer edits it: not a version, never run by triggers; Publish turns it into one.</summary>
internal sealed class FlowDraftEntity
{
    public required string FlowId { get; set; }
    public required string Json { get; set; }
    /// <summary>Pinned node outputs (node id → { outputs, outcome }) as JSON: test runs use them instead of running the node.</summary>
    public string? Pins { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class FlowVersionEntity
{
    public required string FlowId { get; set; }
    public int Version { get; set; }
    public required string Json { get; set; }
    public bool Published { get; set; }
    public string? ConnectorKey { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class InstanceEntity
{
    public required string Id { get; set; }
    public required string FlowId { get; set; }
    public int FlowVersion { get; set; }
    public required string Status { get; set; }
    public string? CorrelationId { get; set; }
    public required string StateJson { get; set; }
    public string? Fault { get; set; }
    /// <summary>The node the instance faulted at (its structured fault's node id), for "retry all" to select by, with an index.</summary>
    public string? FaultNodeId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    /// <summary>
    /// Runs started on this instance since its state was last saved: a run that never saves (its process
    /// died) leaves it raised, so a crash loop is counted and stopped.
    /// </summary>
    public int RunAttempts { get; set; }
    /// <summary>Concurrency token: incremented by every state save, checked by the UPDATE.</summary>
    public long Revision { get; set; }
    /// <summary>
    /// True once a faulted instance has been counted in its incident (Retention/EfRetentionStore); retention
    /// never deletes a faulted instance before that.
    /// </summary>
    public bool IncidentCounted { get; set; }
    public List<BookmarkEntity> Bookmarks { get; set; } = [];
}

internal sealed class BookmarkEntity
{
    public required string InstanceId { get; set; }
    public required string Id { get; set; }
    public required string Hash { get; set; }
    public required string Name { get; set; }
    public required string NodeId { get; set; }
    public string? PayloadJson { get; set; }
    /// <summary>
    /// The bookmark's private data (<c>Bookmark.Data</c>, e.g. what a Wait for Callback accepts) as JSON, the text
    /// <c>null</c> when it has none, so a callback is checked without reading the instance's state. SQL NULL only on
    /// rows stored before the column existed: their data is in the state alone.
    /// </summary>
    public string? DataJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class JournalEntryEntity
{
    public long Id { get; set; }
    public required string InstanceId { get; set; }
    public int Sequence { get; set; }
    public required string NodeId { get; set; }
    public required string ActivityType { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public double DurationMs { get; set; }
    public string? InputsJson { get; set; }
    public string? OutputsJson { get; set; }
    public string? Outcome { get; set; }
    public string? Error { get; set; }
    /// <summary>The server node that ran this step (which node ran each segment of the instance).</summary>
    public string? RunBy { get; set; }
}

internal sealed class InboxMessageEntity : IClaimedRow<long>
{
    public long Id { get; set; }
    public required string Kind { get; set; }
    public required string Hash { get; set; }
    public required string HeadersJson { get; set; }
    public byte[] Body { get; set; } = [];
    public string? PayloadJson { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public required string Status { get; set; }
    public int Attempts { get; set; }
    public string? Error { get; set; }
    public string? InstanceId { get; set; }
    /// <summary>The process processing this message now (run queue claim); another may take it once <see cref="ClaimedUntil"/> passed.</summary>
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimedUntil { get; set; }
}

internal sealed class TimerEntity : IClaimedRow<string>
{
    public required string Id { get; set; }
    public DateTimeOffset DueAt { get; set; }
    public required string Kind { get; set; }
    public string? InstanceId { get; set; }
    public string? BookmarkId { get; set; }
    public string? TriggerId { get; set; }
    public string? DataJson { get; set; }
    /// <summary>The process firing this timer now: no other node fires it before <see cref="ClaimedUntil"/>.</summary>
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimedUntil { get; set; }
}

/// <summary>A row a process claims for a while (an inbox message, a timer): see <see cref="Stores.ClaimedRows"/>.</summary>
internal interface IClaimedRow<TKey>
{
    TKey Id { get; }
    string? ClaimedBy { get; }
    DateTimeOffset? ClaimedUntil { get; set; }
}

internal sealed class TriggerEntity
{
    public required string Id { get; set; }
    public required string FlowId { get; set; }
    public required string Kind { get; set; }
    public required string Hash { get; set; }
    public required string ConfigJson { get; set; }
    public bool Enabled { get; set; }
}

internal sealed class AutomationEntity
{
    public required string Id { get; set; }
    public required string FlowId { get; set; }
    public string? ConnectionId { get; set; }
    public bool Enabled { get; set; }
    public string? DisabledReason { get; set; }
    public required string SettingsJson { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class ApiKeyEntity
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string KeyHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class ConnectionEntity
{
    public required string Id { get; set; }
    public required string ConnectorKey { get; set; }
    public required string Name { get; set; }
    public required string ValuesJson { get; set; }
    /// <summary>A JSON object of parameter name to Data Protection ciphertext.</summary>
    public required string SecretsJson { get; set; }
    public string? TokensCiphertext { get; set; }
    public required string Status { get; set; }
    public string? StatusReason { get; set; }
    /// <summary>The scheme://host:port the connection was authorized for.</summary>
    public string? Origin { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? LastTestedAt { get; set; }
    /// <summary>Who refreshes the connection's tokens now (one node at a time), and until when.</summary>
    public string? RefreshLeaseOwner { get; set; }
    public DateTimeOffset? RefreshLeaseExpiresAt { get; set; }
}

/// <summary>
/// A rate-limit budget shared by every node: the grant times of its current window, a pause a vendor
/// asked for, and which priority lanes are waiting. Updated with optimistic concurrency on <see cref="Revision"/>.
/// </summary>
internal sealed class RateBudgetEntity
{
    public required string Key { get; set; }
    /// <summary>A JSON array of grant times (Unix milliseconds) inside the budget's window, oldest first.</summary>
    public required string GrantsJson { get; set; }
    public DateTimeOffset? PausedUntil { get; set; }
    /// <summary>A JSON object of lane name to the Unix millisecond time its waiting marker lapses.</summary>
    public string? WaitingJson { get; set; }
    public long Revision { get; set; }
}

internal sealed class CollectedUserEntity
{
    public required string ConnectorKey { get; set; }
    public required string VendorId { get; set; }
    public string? Email { get; set; }
    public string? Name { get; set; }
    public string? Department { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? CreatedAt { get; set; }
    public DateTimeOffset? LastActivityAt { get; set; }
    public string? Application { get; set; }
    public DateTimeOffset FirstSeenAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
}

internal sealed class CollectionRunEntity
{
    public required string Id { get; set; }
    public required string ConnectorKey { get; set; }
    public required string Trigger { get; set; }
    public required string Status { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public int Pages { get; set; }
    public int Records { get; set; }
    public int Inserted { get; set; }
    public int Updated { get; set; }
    public int Filtered { get; set; }
    public int Skipped { get; set; }
    public int Users { get; set; }
    public string? Warning { get; set; }
    public DateTimeOffset? ConfirmedAt { get; set; }
    public long DurationMs { get; set; }
    public string? Error { get; set; }
    public string? StoppedAt { get; set; }
}

internal sealed class CollectionSourceEntity
{
    public required string ConnectorKey { get; set; }
    public required string Name { get; set; }
    public required string Vendor { get; set; }
    public required string ConnectionId { get; set; }
    public bool ScheduleEnabled { get; set; }
    public required string ScheduleTime { get; set; }
    public required string TimeZone { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? AcceptedAt { get; set; }
    public int SuspiciousBelowPercent { get; set; } = FlowConnectors.Collection.CollectionSource.DefaultSuspiciousBelowPercent;
}

/// <summary>A verified webhook delivery remembered until <see cref="ExpiresAt"/> (replay protection).</summary>
internal sealed class WebhookDeliveryEntity
{
    /// <summary>SHA-256 (hex) of the trigger and the delivery id or signature.</summary>
    public required string Key { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    /// <summary>The inbox message that stored it; null while the delivery is being stored.</summary>
    public long? InboxId { get; set; }
}

/// <summary>Faulted instances grouped by flow, node and message: how many, first and last occurrence.</summary>
internal sealed class IncidentEntity
{
    /// <summary>SHA-256 (hex) of flow, node and message.</summary>
    public required string Id { get; set; }
    public required string FlowId { get; set; }
    /// <summary>Empty when the fault names no node (the host stopped the instance).</summary>
    public required string NodeId { get; set; }
    public string? ActivityType { get; set; }
    public required string Message { get; set; }
    public long Count { get; set; }
    public DateTimeOffset FirstAt { get; set; }
    public DateTimeOffset LastAt { get; set; }
    public required string LastInstanceId { get; set; }
}
