using System.Text.Json.Nodes;
using FlowConnectors.Engine;

namespace FlowConnectors.Runtime;

/// <summary>One saved version of a flow. A running instance keeps the version it started on.</summary>
public sealed record StoredFlow(string FlowId, int Version, string Json, bool Published, string? ConnectorKey, DateTimeOffset CreatedAt);

public sealed record FlowSummary(string FlowId, string? Name, int LatestVersion, int? PublishedVersion, string? ConnectorKey, DateTimeOffset UpdatedAt,
    bool Active = true, bool HasDraft = false);

/// <summary>
/// The designer's working copy of a flow (not a version; triggers never run it) and its pinned node outputs, with the
/// flow's latest version when it was read or saved (null: the flow has none yet).
/// </summary>
public sealed record StoredDraft(string FlowId, string Json, string? Pins, DateTimeOffset UpdatedAt, int? LatestVersion = null);

/// <summary>What an edit of a draft started from: the flow's latest version then and its draft's save time (null: none).</summary>
public sealed record DraftBaseline(int? LatestVersion, DateTimeOffset? DraftUpdatedAt)
{
    /// <summary>
    /// Whether the flow is still as the edit found it. Save times match to the microsecond: drafts are stored at whole
    /// microseconds, PostgreSQL's precision, so a time read back is the time a save answered.
    /// </summary>
    public bool Holds(int? latestVersion, DateTimeOffset? draftUpdatedAt) =>
        latestVersion == LatestVersion && draftUpdatedAt is null == DraftUpdatedAt is null
        && (draftUpdatedAt is not { } now || (now - DraftUpdatedAt!.Value).Duration() < TimeSpan.FromMicroseconds(1));
}

/// <summary>A draft save refused because the flow changed since the edit's <see cref="DraftBaseline"/>: what is there now.</summary>
public sealed class DraftChangedException(string flowId, int? latestVersion, StoredDraft? current)
    : Exception($"flow '{flowId}' changed since the edit's base (latest version {latestVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, " +
                $"{(current is null ? "no draft" : "a draft saved at " + current.UpdatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture))})")
{
    public int? LatestVersion { get; } = latestVersion;
    public StoredDraft? Current { get; } = current;
}

/// <summary>Flow definitions with versions. Saving never overwrites: each save is a new version.</summary>
public interface IFlowStore
{
    /// <summary>Stores <paramref name="json"/> (canonical flow JSON) as the next version of its flow and returns it.</summary>
    Task<StoredFlow> SaveVersionAsync(string flowId, string? name, string json, string? connectorKey, CancellationToken ct = default);
    /// <summary>A given version, or the latest when <paramref name="version"/> is null.</summary>
    Task<StoredFlow?> GetAsync(string flowId, int? version = null, CancellationToken ct = default);
    Task<StoredFlow?> GetPublishedAsync(string flowId, CancellationToken ct = default);
    /// <summary>Marks one version as the published one (unpublishing the previous); false when the version does not exist.</summary>
    Task<bool> PublishAsync(string flowId, int version, CancellationToken ct = default);
    Task<IReadOnlyList<FlowSummary>> ListAsync(CancellationToken ct = default);
    Task<IReadOnlyList<StoredFlow>> ListVersionsAsync(string flowId, CancellationToken ct = default);
    Task<StoredDraft?> GetDraftAsync(string flowId, CancellationToken ct = default);
    /// <summary>
    /// Replaces the flow's draft (a flow may have only a draft, before its first version). With <paramref name="baseline"/>,
    /// only while the flow is as that edit found it, checked and written in one transaction that new versions and other
    /// saves of the flow wait for (other requests' and other nodes'); else <see cref="DraftChangedException"/>.
    /// </summary>
    Task<StoredDraft> SaveDraftAsync(string flowId, string json, string? pins, DraftBaseline? baseline = null, CancellationToken ct = default);
    Task DeleteDraftAsync(string flowId, CancellationToken ct = default);
    /// <summary>Whether the published version's triggers run; null when the flow has no version.</summary>
    Task<bool?> GetActiveAsync(string flowId, CancellationToken ct = default);
    /// <summary>Switches the flow's triggers on or off; false when the flow has no version.</summary>
    Task<bool> SetActiveAsync(string flowId, bool active, CancellationToken ct = default);
}

public sealed record InstanceSummary(string InstanceId, string FlowId, int FlowVersion, FlowStatus Status, string? CorrelationId,
    string? Fault, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record InstanceQuery(FlowStatus? Status = null, string? FlowId = null, string? CorrelationId = null, int Skip = 0, int Take = 100);

/// <summary>
/// Faulted instances for "retry all", oldest fault first: by flow and version, the node they faulted at (an instance
/// stored before that column existed has none and is included, for the caller to check its state), and when they
/// faulted (from/to, inclusive). Served by an index on status, flow, fault node and time.
/// </summary>
public sealed record FaultedInstanceQuery(string? FlowId = null, int? FlowVersion = null, string? NodeId = null, DateTimeOffset? From = null,
    DateTimeOffset? To = null, int Skip = 0, int Take = 100);

/// <summary>
/// An instance as stored. <see cref="RunAttempts"/> counts the runs started on it since its state was last
/// saved: more than one means earlier runs never finished (their process died).
/// </summary>
public sealed record StoredInstance(FlowInstanceState State, int FlowVersion, string? LeaseOwner, DateTimeOffset? LeaseExpiresAt, int RunAttempts = 0);

/// <summary>
/// The state of an instance was saved as finished, faulted or cancelled while a worker still ran it (it was
/// cancelled through the API, or faulted by the host): that end is final and the worker's result is dropped.
/// </summary>
public sealed class InstanceEndedException(string instanceId, string status)
    : InvalidOperationException($"instance '{instanceId}' has already ended ({status}); its state is final");

/// <summary>
/// A worker's save was refused because the instance's lease is no longer its own: another node took it over (the
/// lease ran out here, say under load) or it was handed back. That node runs the instance from its last save, so
/// this worker's result is dropped instead of overwriting it.
/// </summary>
public sealed class LeaseLostException(string instanceId, string? holder)
    : InvalidOperationException($"instance '{instanceId}' is no longer leased to this worker ({(holder is null ? "its lease was handed back" : $"{holder} holds it now")}); this run's result is dropped");

/// <summary>A bookmark found by its stimulus hash: which instance, which bookmark.</summary>
public sealed record BookmarkMatch(string InstanceId, string BookmarkId, string Name, string NodeId);

/// <summary>
/// What a stimulus for one bookmark hash finds at one instance (<see cref="IInstanceStore.CheckBookmarkAsync"/>): the instance's
/// status, whether one of its bookmarks has that hash, and that bookmark's private data (<see cref="Bookmark.Data"/>) and id
/// (null when the store does not say: the stimulus then goes through the inbox worker's lookup).
/// </summary>
public sealed record BookmarkCheck(FlowStatus Status, bool Waiting, JsonNode? Data, string? BookmarkId = null)
{
    /// <summary>The check read from a stored instance's state (null when there is none).</summary>
    public static BookmarkCheck? Of(FlowInstanceState? state, string hash)
    {
        if (state is null) return null;
        var bookmark = state.Bookmarks.Find(b => b.Hash == hash);
        return new BookmarkCheck(state.Status, bookmark is not null, bookmark?.Data, bookmark?.Id);
    }
}

/// <summary>
/// Instances, their bookmarks (indexed by hash for O(1) lookup) and journals. <see cref="SaveAsync"/>
/// writes state, bookmarks and new journal entries in one transaction.
/// </summary>
public interface IInstanceStore
{
    /// <summary>
    /// Stores a new instance, with its bookmarks, its journal and a timer for each Delay bookmark, in one
    /// transaction. With <paramref name="leaseOwner"/> it is created already leased (and counted as one
    /// run attempt), so no other worker (nor crash recovery) takes it before its creator runs it.
    /// <paramref name="outbox"/> (a pending error-flow start) is added to the inbox in the same transaction.
    /// </summary>
    Task CreateAsync(FlowInstanceState state, int flowVersion, IReadOnlyList<JournalEntry> journal, CancellationToken ct = default,
        string? leaseOwner = null, DateTimeOffset? leaseExpiresAt = null, InboxMessage? outbox = null);
    /// <summary>
    /// Replaces the state and the instance's bookmarks (none once it is finished, faulted or cancelled),
    /// keeps the timers of its Delay bookmarks in step (added for new ones, removed for gone ones) and
    /// appends <paramref name="newJournalEntries"/>, all or nothing; the run attempts count starts again
    /// from zero. The instance must exist. Throws <see cref="InstanceEndedException"/> when the stored
    /// instance has already ended: an end is final. <paramref name="outbox"/> (a pending error-flow start) is added to
    /// the inbox in the same transaction, so a fault is never on disk without it.
    /// <para>With <paramref name="leaseOwner"/> (a worker saving its run) the save is fenced: it throws
    /// <see cref="LeaseLostException"/> unless that owner still holds the lease, and releases the lease in the same
    /// statement when the state is no longer running (suspended or ended).</para>
    /// <para>With <paramref name="processedMessageId"/> that stored stimulus (the one the run consumed) is marked processed
    /// in the same transaction, so a resume is never on disk without its stimulus acknowledged, nor the other way round.</para>
    /// </summary>
    Task SaveAsync(FlowInstanceState state, IReadOnlyList<JournalEntry> newJournalEntries, CancellationToken ct = default, InboxMessage? outbox = null, string? leaseOwner = null,
        long? processedMessageId = null);
    Task<StoredInstance?> GetAsync(string instanceId, CancellationToken ct = default);
    /// <summary>Newest first (by creation time).</summary>
    Task<IReadOnlyList<InstanceSummary>> ListAsync(InstanceQuery query, CancellationToken ct = default);
    /// <summary>Faulted instances the query selects, oldest fault first (<see cref="FaultedInstanceQuery"/>).</summary>
    Task<IReadOnlyList<InstanceSummary>> ListFaultedAsync(FaultedInstanceQuery query, CancellationToken ct = default);
    Task<IReadOnlyList<JournalEntry>> GetJournalAsync(string instanceId, CancellationToken ct = default);
    Task<IReadOnlyList<BookmarkMatch>> FindBookmarksAsync(string hash, CancellationToken ct = default);
    /// <summary>
    /// Whether instance <paramref name="instanceId"/> waits for <paramref name="hash"/>, with its status and that bookmark's data;
    /// null when the instance does not exist. The callback endpoint asks this for every callback: a store that keeps the
    /// bookmarks apart answers from its index without reading (and decoding) the instance's state.
    /// </summary>
    async Task<BookmarkCheck?> CheckBookmarkAsync(string instanceId, string hash, CancellationToken ct = default) =>
        BookmarkCheck.Of((await GetAsync(instanceId, ct))?.State, hash);

    /// <summary>
    /// Takes the instance's lease when it is free or expired (one worker at a time); false when
    /// another owner holds an unexpired lease. With <paramref name="countAttempt"/> the same statement
    /// raises <see cref="StoredInstance.RunAttempts"/>, so the attempt is on disk before the run starts.
    /// </summary>
    Task<bool> TryAcquireLeaseAsync(string instanceId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken ct = default,
        bool countAttempt = false);
    /// <summary>
    /// <see cref="TryAcquireLeaseAsync"/> and <see cref="GetAsync"/> together: the instance as stored once leased, or null
    /// when another owner holds an unexpired lease (or it does not exist). A store may do it in one statement.
    /// </summary>
    async Task<StoredInstance?> TryLeaseAndGetAsync(string instanceId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken ct = default,
        bool countAttempt = false) =>
        await TryAcquireLeaseAsync(instanceId, owner, now, duration, ct, countAttempt) ? await GetAsync(instanceId, ct) : null;
    /// <summary>
    /// Frees the lease if <paramref name="owner"/> holds it. With <paramref name="forgetAttempt"/> the run attempt it
    /// counted is taken back: the run was stopped on purpose (its node hands its work back), it did not die.
    /// </summary>
    Task ReleaseLeaseAsync(string instanceId, string owner, CancellationToken ct = default, bool forgetAttempt = false);
    /// <summary>
    /// Frees the leases held by earlier processes of node <paramref name="nodeId"/> (owners named
    /// <c>nodeId/…</c> other than <paramref name="currentOwner"/>): a node that starts again calls it before it
    /// runs anything, so the instances its previous process held are recovered at once. Returns how many.
    /// </summary>
    Task<int> ReleaseLeasesOfAsync(string nodeId, string currentOwner, CancellationToken ct = default);
    /// <summary>
    /// Extends the leases <paramref name="owner"/> holds on <paramref name="instanceIds"/> to
    /// <paramref name="expiresAt"/>, and returns those it no longer holds or that have ended meanwhile
    /// (cancelled through another node): their runs should stop.
    /// </summary>
    Task<IReadOnlyList<string>> RenewLeasesAsync(string owner, IReadOnlyCollection<string> instanceIds, DateTimeOffset expiresAt, CancellationToken ct = default);
    /// <summary>Instances still marked running whose lease has expired (their worker crashed).</summary>
    Task<IReadOnlyList<string>> FindOrphanedAsync(DateTimeOffset now, CancellationToken ct = default);
    /// <summary>
    /// Ends an instance that has not ended yet, whoever holds it: the state becomes <paramref name="status"/>
    /// (cancelled or faulted) with <paramref name="fault"/>, its bookmarks and timers go, in one
    /// transaction. A worker still running it cannot overwrite that (see <see cref="SaveAsync"/>).
    /// False when the instance does not exist or has already ended.
    /// </summary>
    /// <param name="change">Recorded in the instance's history (who cancelled it).</param>
    /// <param name="outbox">Added to the inbox in the same transaction (a pending error-flow start), only when the instance is ended.</param>
    Task<bool> EndAsync(string instanceId, FlowStatus status, FlowFault fault, CancellationToken ct = default, InstanceChange? change = null,
        InboxMessage? outbox = null);
    /// <summary>
    /// Puts a faulted instance back to running (a retry): its state, flow version, bookmarks, timers and
    /// <paramref name="journal"/>, all or nothing, and only while it is still faulted; false otherwise (it was
    /// retried meanwhile, or does not exist).
    /// </summary>
    Task<bool> ReopenAsync(FlowInstanceState state, int flowVersion, IReadOnlyList<JournalEntry> journal, CancellationToken ct = default);
    /// <summary>Appends entries to an instance's journal (a note written before a run, which the run's save may never follow).</summary>
    Task AppendJournalAsync(string instanceId, IReadOnlyList<JournalEntry> entries, CancellationToken ct = default);
    /// <summary>
    /// Suspended instances with a Delay bookmark whose timer row is missing (written by a version that saved
    /// the timer after the instance, then crashed in between): the timers are stored again and returned.
    /// </summary>
    Task<IReadOnlyList<TimerRecord>> RestoreMissingTimersAsync(CancellationToken ct = default);
}

public enum InboxStatus
{
    Pending,
    Waiting,
    Processed,
    Failed,
    /// <summary>Given up after too many attempts, or refused as it could never be delivered; the error says why.</summary>
    DeadLettered,
    /// <summary>An event nobody waited for within the retention time.</summary>
    Expired,
}

/// <summary>
/// A stimulus stored before it is acknowledged: a webhook delivery, a callback, an event. <see cref="Hash"/>
/// is the bookmark/trigger hash it targets.
/// </summary>
public sealed record InboxMessage
{
    public long Id { get; init; }
    public required string Kind { get; init; }
    public required string Hash { get; init; }
    public JsonObject Headers { get; init; } = [];
    public byte[] Body { get; init; } = [];
    public JsonNode? Payload { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public InboxStatus Status { get; init; } = InboxStatus.Pending;
    public int Attempts { get; init; }
    public string? Error { get; init; }
    public string? InstanceId { get; init; }
    /// <summary>
    /// Stored already claimed by this process (run queue owner) until <see cref="ClaimedUntil"/>: the node that stored it
    /// processes it at once, and other workers take it only if that claim runs out (the node died) or is handed back.
    /// </summary>
    public string? ClaimedBy { get; init; }
    public DateTimeOffset? ClaimedUntil { get; init; }
    /// <summary>
    /// What it weighs in memory as the inbox worker counts it (<see cref="RuntimeOptions.InboxBytesInHand"/>), in bytes: its
    /// stored text (body, payload and headers), set by the store that read it, or by the endpoint that received it (the
    /// body's length). Not stored; 0 when nobody measured it.
    /// </summary>
    public long Size { get; init; }
}

/// <summary>Deliveries and callbacks, stored before the endpoint answers 202, then processed.</summary>
public interface IInboxStore
{
    Task<long> AddAsync(InboxMessage message, CancellationToken ct = default);
    Task<InboxMessage?> GetAsync(long id, CancellationToken ct = default);
    /// <summary>Up to <paramref name="max"/> pending messages, oldest first.</summary>
    Task<IReadOnlyList<InboxMessage>> ListPendingAsync(int max, CancellationToken ct = default);
    /// <summary>Messages that arrived before their bookmark existed, waiting for it.</summary>
    Task<IReadOnlyList<InboxMessage>> ListWaitingAsync(string hash, CancellationToken ct = default);
    /// <summary>
    /// Records the outcome of one processing attempt: <see cref="InboxMessage.Attempts"/> grows by one; a
    /// null <paramref name="instanceId"/> keeps the instance already recorded.
    /// </summary>
    Task UpdateAsync(long id, InboxStatus status, string? error, string? instanceId, CancellationToken ct = default);
    /// <summary>Sets status, error and instance without counting an attempt (a null instance keeps the recorded one).</summary>
    Task SetStatusAsync(long id, InboxStatus status, string? error, string? instanceId, CancellationToken ct = default);
    /// <summary>Dead-lettered messages, newest first.</summary>
    Task<IReadOnlyList<InboxMessage>> ListDeadLettersAsync(int skip, int take, CancellationToken ct = default);
    /// <summary>
    /// Marks messages of <paramref name="kind"/> still waiting for a bookmark and received before
    /// <paramref name="receivedBefore"/> as expired; returns how many.
    /// </summary>
    Task<int> ExpireWaitingAsync(string kind, DateTimeOffset receivedBefore, CancellationToken ct = default);
}

/// <summary>A durable timer: resumes a bookmark or fires a trigger when due.</summary>
public sealed record TimerRecord(string Id, DateTimeOffset DueAt, string Kind, string? InstanceId, string? BookmarkId, string? TriggerId, JsonNode? Data)
{
    /// <summary>The timer of a recurring trigger's occurrence at <paramref name="due"/>; <paramref name="data"/> gives the next ones.</summary>
    public static TimerRecord ForTrigger(string triggerId, DateTimeOffset due, JsonNode? data) =>
        new($"trigger:{triggerId}:{due.UtcTicks}", due, TimerKinds.Trigger, null, null, triggerId, data?.DeepClone());
}

public interface ITimerStore
{
    /// <summary>Adds the timer, or replaces the one with the same id (unclaimed).</summary>
    Task AddAsync(TimerRecord timer, CancellationToken ct = default);
    /// <summary>
    /// Timers due at or before <paramref name="now"/>, earliest first. A timer another process has claimed
    /// (<see cref="ClaimDueAsync"/>) counts as due when its claim runs out, and is listed with that time.
    /// </summary>
    Task<IReadOnlyList<TimerRecord>> ListDueAsync(DateTimeOffset now, int max, CancellationToken ct = default);
    /// <summary>
    /// Takes up to <paramref name="max"/> due timers for <paramref name="owner"/> until <paramref name="claimUntil"/>,
    /// earliest first, with their own due time: no other process takes them before then (on PostgreSQL with
    /// <c>FOR UPDATE SKIP LOCKED</c>, so nodes never wait on each other). A timer whose claimer died is taken
    /// again once the claim has run out. Firing then deleting (or replacing) it ends the claim.
    /// </summary>
    Task<IReadOnlyList<TimerRecord>> ClaimDueAsync(string owner, DateTimeOffset now, int max, DateTimeOffset claimUntil, CancellationToken ct = default);
    /// <summary>
    /// Extends <paramref name="owner"/>'s claims on these timers to <paramref name="claimUntil"/>, so a live node keeps the
    /// timers it is firing (or waiting to fire, or has fired and not yet deleted) however long that takes; returns the ids
    /// still its own (a claim another process took after it ran out is not).
    /// </summary>
    Task<IReadOnlyCollection<string>> ExtendClaimsAsync(string owner, IReadOnlyCollection<string> ids, DateTimeOffset claimUntil, CancellationToken ct = default);
    Task<IReadOnlyList<TimerRecord>> ListAsync(CancellationToken ct = default);
    Task<bool> DeleteAsync(string id, CancellationToken ct = default);
    /// <summary>Deletes these timers (those that exist); a store may do it in one statement.</summary>
    async Task DeleteManyAsync(IReadOnlyCollection<string> ids, CancellationToken ct = default)
    {
        foreach (var id in ids) await DeleteAsync(id, ct);
    }
    Task DeleteForInstanceAsync(string instanceId, CancellationToken ct = default);
}

/// <summary>A trigger that starts flows: an HTTP endpoint, a schedule, a webhook event card activation.</summary>
public sealed record TriggerRecord(string Id, string FlowId, string Kind, string Hash, JsonObject Config, bool Enabled);

public interface ITriggerStore
{
    /// <summary>Adds the trigger, or replaces the one with the same id.</summary>
    Task SaveAsync(TriggerRecord trigger, CancellationToken ct = default);
    /// <summary>The enabled triggers with this hash (a disabled trigger never starts a flow).</summary>
    Task<IReadOnlyList<TriggerRecord>> FindByHashAsync(string hash, CancellationToken ct = default);
    Task<IReadOnlyList<TriggerRecord>> ListAsync(string? flowId = null, CancellationToken ct = default);
    Task<bool> DeleteAsync(string id, CancellationToken ct = default);
}

/// <summary>
/// The run queue every node takes work from, so several servers share one database without running anything
/// twice: stored stimuli (webhook deliveries, callbacks, events) and instances whose node died. Work is
/// claimed, not listed: on PostgreSQL one <c>UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)</c> per
/// batch, so two nodes never take the same row and never wait for each other; on SQLite (one node) a
/// conditional update does the same. Due timers are claimed through <see cref="ITimerStore.ClaimDueAsync"/>.
/// A node that dies leaves claims and leases that run out; a node that stops hands them back at once.
/// </summary>
public interface IRunQueue
{
    /// <summary>
    /// Takes up to <paramref name="max"/> pending messages, oldest first, for <paramref name="owner"/> until
    /// <paramref name="claimUntil"/>; a message claimed by a process that has not finished it (and whose claim
    /// has not run out) is skipped. Recording the message's outcome (<see cref="IInboxStore.UpdateAsync"/>,
    /// <see cref="IInboxStore.SetStatusAsync"/>) ends the claim. Taken oldest first only while their sizes
    /// (<see cref="InboxMessage.Size"/>) add up to no more than <paramref name="maxBytes"/>: the first that does not fit
    /// ends the claim, so a hash's messages are still taken in order. With <paramref name="oldestOfAnySize"/> the oldest is
    /// taken whatever its size (a caller that holds nothing must still get a message larger than its budget).
    /// </summary>
    Task<IReadOnlyList<InboxMessage>> ClaimInboxAsync(string owner, int max, DateTimeOffset now, DateTimeOffset claimUntil,
        long maxBytes = long.MaxValue, bool oldestOfAnySize = false, CancellationToken ct = default);
    /// <summary>
    /// Extends <paramref name="owner"/>'s claims on these messages to <paramref name="claimUntil"/>, so a live node keeps the
    /// stimuli it holds (waiting for a run slot, behind another of their hash, or being processed) however long that takes;
    /// returns the ids still its own (not one whose claim ran out and another process took, one handed back, or one whose
    /// outcome is recorded).
    /// </summary>
    Task<IReadOnlyCollection<long>> ExtendInboxClaimsAsync(string owner, IReadOnlyCollection<long> ids, DateTimeOffset claimUntil, CancellationToken ct = default);
    /// <summary>
    /// Leases to <paramref name="owner"/> (until <paramref name="leaseUntil"/>) up to <paramref name="max"/> instances
    /// left running whose lease ran out or was handed back (their node died or stopped), oldest first, and returns
    /// them: this node resumes them from their last saved state.
    /// </summary>
    Task<IReadOnlyList<string>> ClaimOrphanedAsync(string owner, int max, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken ct = default);
    /// <summary>
    /// A node that stops hands back everything <paramref name="owner"/> holds: instance leases, inbox and timer
    /// claims are cleared, so other nodes take them at once. Returns how many instances were handed back.
    /// </summary>
    Task<int> HandBackAsync(string owner, CancellationToken ct = default);
    /// <summary>
    /// Calls <paramref name="wake"/> whenever a node enqueues work anywhere in the cluster (PostgreSQL
    /// <c>LISTEN/NOTIFY</c>); never on a single-node database, where the worker's own poll is the fallback.
    /// Disposing the result unsubscribes.
    /// </summary>
    IDisposable SubscribeToWork(Action wake);
    Task NotifyWorkAsync(CancellationToken ct = default);
}

/// <summary>
/// Tells the stores' failures that pass without a code change (a full disk, a database that cannot be written or reached)
/// from the rest. The runtime logs those once in a while with a count instead of once per instance: under load, one line
/// per refused request would fill the log (and perhaps the same full disk).
/// </summary>
public interface IStoreFailures
{
    /// <returns>The cause in words (never a connection string), or null when <paramref name="exception"/> is not such a failure.</returns>
    string? TransientCause(Exception exception);
}
