namespace FlowConnectors.Persistence;

/// <summary>What <see cref="IWebhookDeliveryLog.ClaimAsync"/> found.</summary>
public enum DeliveryClaim
{
    /// <summary>First time seen (or seen so long ago that it expired): store the delivery.</summary>
    New,
    /// <summary>Already stored: a replay or a vendor's redelivery; acknowledge it, run nothing.</summary>
    Duplicate,
    /// <summary>Another request is storing the same delivery right now: answer so that the sender retries later.</summary>
    InProgress,
}

/// <summary>
/// Remembers verified webhook deliveries (by delivery id and by signature) for a window, so a captured
/// request sent again never starts a second run.
/// </summary>
public interface IWebhookDeliveryLog
{
    /// <summary>
    /// Claims every key of one delivery; <see cref="DeliveryClaim.New"/> only when none was seen within its
    /// window. A claim that was never completed (its process died before storing the delivery) is taken
    /// over after <paramref name="staleAfter"/>.
    /// </summary>
    Task<(DeliveryClaim Claim, long? InboxId)> ClaimAsync(IReadOnlyList<string> keys, DateTimeOffset now, DateTimeOffset expiresAt, TimeSpan staleAfter,
        CancellationToken ct = default);
    /// <summary>The delivery was stored as inbox message <paramref name="inboxId"/>.</summary>
    Task CompleteAsync(IReadOnlyList<string> keys, long inboxId, CancellationToken ct = default);
    /// <summary>Storing failed: forget the claim so the sender's retry is accepted.</summary>
    Task ReleaseAsync(IReadOnlyList<string> keys, CancellationToken ct = default);
}
