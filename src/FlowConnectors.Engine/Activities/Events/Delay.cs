using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Events;

[Activity("Delay", Category = "Events",
    Description = "Suspends the flow for a duration (00:05:00, PT5M or milliseconds). The host's scheduler resumes it when due.")]
[WaitsFor(typeof(Stimuli.TimerStimulus))]
internal sealed class Delay : Activity
{
    public const string BookmarkName = Stimuli.TimerStimulus.BookmarkName;

    [Input(Required = true)] public TimeSpan Duration { get; set; }

    [Output(Description = "When the delay ends (ISO 8601).")] public DateTimeOffset ResumeAt { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (Duration < TimeSpan.Zero) throw new ActivityFaultException($"duration must not be negative, got {Duration}");
        ResumeAt = ResumeTime(context, Duration, "duration");
        if (Duration == TimeSpan.Zero) return ActivityResult.DoneTask;
        context.CreateBookmark(new Stimuli.TimerStimulus(ResumeAt));
        return ValueTask.FromResult(ActivityResult.Suspend);
    }

    /// <summary>
    /// When a wait of <paramref name="wait"/> from now ends, or a fault naming the input when that is past the last time the
    /// server keeps (the end of year 9999): a duration of 10,000 years was a fault reading "ArgumentOutOfRangeException: The
    /// added or subtracted value results in an un-representable DateTime".
    /// </summary>
    internal static DateTimeOffset ResumeTime(ActivityContext context, TimeSpan wait, string input)
    {
        var now = context.Clock.GetUtcNow();
        return wait <= DateTimeOffset.MaxValue - now
            ? now + wait
            : throw new ActivityFaultException($"{input} {wait} ends after {DateTimeOffset.MaxValue.Year}, the last year a wait can end in");
    }

    protected internal override ValueTask<ActivityResult> ResumeAsync(ActivityContext context, Bookmark bookmark, JsonNode? payload)
    {
        ResumeAt = DateTimeOffset.Parse(bookmark.Payload!["resumeAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        return ActivityResult.DoneTask;
    }
}
