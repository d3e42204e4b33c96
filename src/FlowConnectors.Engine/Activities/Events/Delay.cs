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
        ResumeAt = context.Clock.GetUtcNow() + Duration;
        if (Duration == TimeSpan.Zero) return ActivityResult.DoneTask;
        context.CreateBookmark(new Stimuli.TimerStimulus(ResumeAt));
        return ValueTask.FromResult(ActivityResult.Suspend);
    }

    protected internal override ValueTask<ActivityResult> ResumeAsync(ActivityContext context, Bookmark bookmark, JsonNode? payload)
    {
        ResumeAt = DateTimeOffset.Parse(bookmark.Payload!["resumeAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        return ActivityResult.DoneTask;
    }
}
