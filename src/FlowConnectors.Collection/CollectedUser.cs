namespace FlowConnectors.Collection;

/// <summary>A user as collected from a vendor, keyed by the connector and the vendor's id.</summary>
public sealed record CollectedUser
{
    /// <summary>
    /// The longest id or department kept (UTF-16 code units): the store indexes both, and PostgreSQL's index entries hold
    /// at most 2,704 bytes; 500 characters are at most 1,500 bytes of UTF-8.
    /// </summary>
    public const int MaxIndexedLength = 500;

    public required string VendorId { get; init; }
    public string? Email { get; init; }
    public string? Name { get; init; }
    public string? Department { get; init; }
    public string? Status { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? LastActivityAt { get; init; }
    public string? Application { get; init; }
}

/// <summary>A stored user: the collected fields plus when it was first and last seen.</summary>
public sealed record StoredUser(CollectedUser User, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt);

/// <summary>What an upsert of one page did.</summary>
public readonly record struct UpsertResult(int Inserted, int Updated);

public static class CollectionRunStatus
{
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    /// <summary>Succeeded with far fewer users than the last good run: the previous data stays the visible one until it is confirmed.</summary>
    public const string Suspicious = "suspicious";
    /// <summary>Stopped by a user; keeps what it stored, like a failed run.</summary>
    public const string Cancelled = "cancelled";
}

/// <summary>One import: its counters while it runs, and its outcome and where it stopped afterwards.</summary>
public sealed record CollectionRun
{
    public required string Id { get; init; }
    public required string ConnectorKey { get; init; }
    /// <summary><c>manual</c>, <c>schedule</c>, <c>cli</c>.</summary>
    public required string Trigger { get; init; }
    public string Status { get; init; } = CollectionRunStatus.Running;
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public int Pages { get; init; }
    public int Records { get; init; }
    public int Inserted { get; init; }
    public int Updated { get; init; }
    /// <summary>Records the template's filters left out.</summary>
    public int Filtered { get; init; }
    /// <summary>Records without an id (not stored).</summary>
    public int Skipped { get; init; }
    /// <summary>Distinct users the run collected (counted in the store when it ends; 0 while it runs).</summary>
    public int Users { get; init; }
    public long DurationMs { get; init; }
    /// <summary>For a suspicious run: how it compares with the last good run, and how to confirm it.</summary>
    public string? Warning { get; init; }
    /// <summary>When a suspicious run was confirmed (and its data became the visible one).</summary>
    public DateTimeOffset? ConfirmedAt { get; init; }
    public string? Error { get; init; }
    /// <summary>For a failed run: the page it stopped at and what had been stored by then.</summary>
    public string? StoppedAt { get; init; }
}

/// <summary>A connector made from a template, with its connection and collection schedule.</summary>
public sealed record CollectionSource
{
    public required string ConnectorKey { get; init; }
    public required string Name { get; init; }
    public required string Vendor { get; init; }
    public required string ConnectionId { get; init; }
    /// <summary>False: manual imports only.</summary>
    public bool ScheduleEnabled { get; init; } = true;
    /// <summary>Local time of day, <c>HH:mm</c>.</summary>
    public string ScheduleTime { get; init; } = "23:00";
    /// <summary>IANA time zone of <see cref="ScheduleTime"/>.</summary>
    public string TimeZone { get; init; } = "UTC";
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>
    /// Start of the run whose data is the visible one (the last good or confirmed run): users first seen after it
    /// (by a run still going, failed or suspicious) are not shown yet, and users it did not see were removed. Null: no run yet, all shown.
    /// </summary>
    public DateTimeOffset? AcceptedAt { get; init; }
    /// <summary>A run collecting fewer users than this share (percent) of the last good run is suspicious; 0 turns the guard off.</summary>
    public int SuspiciousBelowPercent { get; init; } = DefaultSuspiciousBelowPercent;

    public const int DefaultSuspiciousBelowPercent = 50;
}

/// <summary>Sorting, filtering and paging of the users table.</summary>
public sealed record UserQuery
{
    /// <summary>email, name, department, status, created, lastActivity, vendorId.</summary>
    public string Sort { get; init; } = "name";
    public bool Descending { get; init; }
    /// <summary>Case-insensitive text matched against email, name and department.</summary>
    public string? Search { get; init; }
    public string? Department { get; init; }
    public string? Status { get; init; }
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = 50;

    public static readonly string[] SortFields = ["name", "email", "department", "status", "created", "lastActivity", "vendorId"];
}

public sealed record UserPage(IReadOnlyList<StoredUser> Items, int Total, int Page, int PageSize);

/// <summary>The indicators and chart series of a connector's collected users.</summary>
public sealed record CollectionSummary
{
    public int TotalUsers { get; init; }
    public int Active30Days { get; init; }
    public int Active90Days { get; init; }
    /// <summary>No activity in the last 90 days (or none recorded).</summary>
    public int Inactive { get; init; }
    /// <summary>First seen, or created at the vendor, since the first of this month (UTC).</summary>
    public int NewThisMonth { get; init; }
    public IReadOnlyList<(string Department, int Users)> ByDepartment { get; init; } = [];
    /// <summary>Users whose last activity falls in each of the last 12 months (UTC), oldest first: ("2026-11", n).</summary>
    public IReadOnlyList<(string Month, int Users)> ActivityByMonth { get; init; } = [];
}

/// <summary>Storage of collected users, runs and sources (EF Core in FlowConnectors.Persistence).</summary>
public interface ICollectionStore
{
    /// <summary>Inserts or updates users keyed by (connector, vendor id) in one transaction.</summary>
    Task<UpsertResult> UpsertUsersAsync(string connectorKey, IReadOnlyList<CollectedUser> users, DateTimeOffset now, CancellationToken ct = default);
    /// <summary>
    /// A writer for one import: its connection and statements are kept for every page it upserts (each page
    /// still in one transaction of its own), instead of being set up again for each page.
    /// </summary>
    Task<ICollectedUserWriter> OpenUserWriterAsync(string connectorKey, DateTimeOffset now, CancellationToken ct = default);
    Task<UserPage> QueryUsersAsync(string connectorKey, UserQuery query, CancellationToken ct = default);
    Task<CollectionSummary> SummarizeAsync(string connectorKey, DateTimeOffset now, CancellationToken ct = default);
    Task DeleteUsersAsync(string connectorKey, CancellationToken ct = default);
    /// <summary>How many of the connector's users were last seen at this time (by the run that started then).</summary>
    Task<int> CountSeenAsync(string connectorKey, DateTimeOffset seenAt, CancellationToken ct = default);
    /// <summary>
    /// Makes the run that started at <paramref name="runStartedAt"/> the visible data: removes the users it did not see and
    /// shows the ones it found first (the source's <see cref="CollectionSource.AcceptedAt"/>).
    /// </summary>
    Task AcceptRunAsync(string connectorKey, DateTimeOffset runStartedAt, CancellationToken ct = default);

    Task SaveRunAsync(CollectionRun run, CancellationToken ct = default);
    Task<CollectionRun?> GetRunAsync(string runId, CancellationToken ct = default);
    /// <summary>Newest first.</summary>
    Task<IReadOnlyList<CollectionRun>> ListRunsAsync(string connectorKey, int limit, CancellationToken ct = default);

    Task SaveSourceAsync(CollectionSource source, CancellationToken ct = default);
    Task<CollectionSource?> GetSourceAsync(string connectorKey, CancellationToken ct = default);
    Task<IReadOnlyList<CollectionSource>> ListSourcesAsync(CancellationToken ct = default);
    Task DeleteSourceAsync(string connectorKey, CancellationToken ct = default);
}

/// <summary>Upserts pages of one connector's users through a connection kept open until disposed; one page at a time.</summary>
public interface ICollectedUserWriter : IAsyncDisposable
{
    /// <summary>Inserts or updates the page's users in one transaction; the last of a repeated vendor id wins.</summary>
    Task<UpsertResult> UpsertAsync(IReadOnlyList<CollectedUser> users, CancellationToken ct = default);

    /// <summary>
    /// Several pages at once (a store may write them in one transaction); each page is counted as <see cref="UpsertAsync"/>
    /// counts it, so a user delivered again on a later page is one more update however the pages were batched.
    /// </summary>
    async Task<UpsertResult> UpsertPagesAsync(IReadOnlyList<IReadOnlyList<CollectedUser>> pages, CancellationToken ct = default)
    {
        int inserted = 0, updated = 0;
        foreach (var page in pages)
        {
            var result = await UpsertAsync(page, ct);
            inserted += result.Inserted;
            updated += result.Updated;
        }
        return new UpsertResult(inserted, updated);
    }
}

/// <summary>Where the <c>Collection.StoreUsers</c> node hands each page during an import run.</summary>
public interface ICollectionSink
{
    ValueTask StorePageAsync(string runId, int pageNumber, int records, int filtered, int skipped, IReadOnlyList<CollectedUser> users, CancellationToken ct);
}
