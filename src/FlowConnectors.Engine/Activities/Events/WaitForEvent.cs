using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Events;

[Activity("WaitForEvent", Category = "Events", DisplayName = "Wait for Event",
    Description = "Suspends the flow until an event with this name (and correlation id, if given) is delivered; its payload becomes 'payload'.")]
[WaitsFor(typeof(Stimuli.EventStimulus))]
internal sealed class WaitForEvent : Activity
{
    public const string BookmarkName = Stimuli.EventStimulus.BookmarkName;

    [Input(Required = true)] public string EventName { get; set; } = "";
    [Input(Description = "Only an event carrying this correlation id resumes the flow.")] public string? CorrelationId { get; set; }

    [Output] public JsonNode? Payload { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        context.CreateBookmark(new Stimuli.EventStimulus(EventName, CorrelationId));
        return ValueTask.FromResult(ActivityResult.Suspend);
    }

    protected internal override ValueTask<ActivityResult> ResumeAsync(ActivityContext context, Bookmark bookmark, JsonNode? payload)
    {
        Payload = payload;
        return ActivityResult.DoneTask;
    }

    /// <summary>The correlation payload an event delivery computes to find this bookmark.</summary>
    public static JsonObject StimulusOf(string eventName, string? correlationId) => new Stimuli.EventStimulus(eventName, correlationId).Correlation();
}
