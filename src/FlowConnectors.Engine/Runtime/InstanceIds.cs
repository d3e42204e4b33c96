namespace FlowConnectors.Engine.Runtime;

/// <summary>
/// Ids for new instances and bookmarks: 32 hex digits of a version-7 UUID, whose leading digits are the
/// creation time in milliseconds. The stores index instances (and their journals and bookmarks) by this id;
/// ids that grow with time are appended at the right edge of those B-trees, so a batch of new runs dirties a
/// few pages instead of one random page per run (random ids cost a page write, and often a page read, each).
/// </summary>
public static class InstanceIds
{
    /// <summary>A new id created at <paramref name="now"/> (the engine's clock, so time-skipping tests order ids too).</summary>
    public static string New(DateTimeOffset now) => Guid.CreateVersion7(now).ToString("N");
}
