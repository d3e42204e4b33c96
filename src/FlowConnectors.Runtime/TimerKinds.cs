namespace FlowConnectors.Runtime;

/// <summary>The <c>TimerRecord.Kind</c> values the scheduler knows.</summary>
public static class TimerKinds
{
    /// <summary>Resumes a suspended instance through a bookmark (InstanceId, BookmarkId).</summary>
    public const string Bookmark = "bookmark";

    /// <summary>Starts a flow for a schedule trigger (TriggerId; Data holds the schedule spec JSON). Recurring.</summary>
    public const string Trigger = "trigger";
}
