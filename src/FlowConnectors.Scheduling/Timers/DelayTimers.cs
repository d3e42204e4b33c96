using System.Globalization;
using FlowConnectors.Engine;
using FlowConnectors.Runtime;

namespace FlowConnectors.Scheduling;

/// <summary>Timers that resume instances suspended on the Delay activity.</summary>
public static class DelayTimers
{
    /// <summary>The bookmark name the Delay activity suspends on; its payload is <c>{ "resumeAt": ISO 8601 }</c>.</summary>
    public const string BookmarkName = "delay";

    /// <summary>
    /// One timer per delay bookmark of a suspended instance (Kind "bookmark", due at the bookmark's
    /// resumeAt). Ids are stable (<c>bookmark:{instance}:{bookmark}</c>), so scheduling again replaces.
    /// </summary>
    public static IReadOnlyList<TimerRecord> FromBookmarks(FlowInstanceState state)
    {
        var timers = new List<TimerRecord>();
        foreach (var bookmark in state.Bookmarks)
        {
            if (bookmark.Name != BookmarkName) continue;
            var text = bookmark.Payload?["resumeAt"]?.GetValue<string>()
                       ?? throw new FlowStateException($"delay bookmark '{bookmark.Id}' of instance {state.InstanceId} has no resumeAt");
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var resumeAt))
                throw new FlowStateException($"delay bookmark '{bookmark.Id}' of instance {state.InstanceId} has an invalid resumeAt '{text}'");
            timers.Add(new TimerRecord($"bookmark:{state.InstanceId}:{bookmark.Id}", resumeAt.ToUniversalTime(), TimerKinds.Bookmark,
                state.InstanceId, bookmark.Id, null, null));
        }
        return timers;
    }
}
