using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Events;

[Activity("WaitForCallback", Category = "Events", DisplayName = "Wait for Callback",
    Description = "Suspends until the callback URL of a token receives a POST (outcome 'received', body in 'payload'), or until the timeout passes ('timedOut').")]
[Outcomes("received", "timedOut")]
[WaitsFor(typeof(Stimuli.CallbackStimulus), typeof(Stimuli.TimerStimulus))]
internal sealed class WaitForCallback : Activity
{
    public const string BookmarkName = Stimuli.CallbackStimulus.BookmarkName;

    [Input(Required = true, Description = "The token from a Create Callback node.")] public string Token { get; set; } = "";
    [Input(Description = "How long to wait (e.g. 14.00:00:00); empty waits forever.")] public TimeSpan? Timeout { get; set; }
    [Input(Description = "Rules the callback's JSON body must meet, e.g. { \"request_id\": \"R-1\", \"status\": [\"APPROVED\", \"REJECTED\"] }: a field's required value (as text) or its allowed values (any case). A callback that breaks one is refused (422) and the wait goes on.")]
    public JsonObject? Accept { get; set; }

    [Output] public JsonNode? Payload { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        DateTimeOffset? resumeAt = null;
        if (Timeout is { } timeout)
        {
            if (timeout <= TimeSpan.Zero) throw new ActivityFaultException($"timeout must be positive, got {timeout}");
            resumeAt = Delay.ResumeTime(context, timeout, "timeout");
        }
        Wait(context, resumeAt);
        return ValueTask.FromResult(ActivityResult.Suspend);
    }

    protected internal override ValueTask<ActivityResult> ResumeAsync(ActivityContext context, Bookmark bookmark, JsonNode? payload)
    {
        if (bookmark.Name == Delay.BookmarkName) return ValueTask.FromResult(ActivityResult.Outcome("timedOut"));
        // The host refuses a callback that breaks the rules once this wait is saved; one that came
        // before (kept until the wait existed) is checked here, and the wait goes on, as it would have.
        var problems = CallbackRules.Check(bookmark.Data?["accept"] as JsonObject, payload);
        if (problems.Count > 0)
        {
            context.Log("warning", "callback refused: " + string.Join("; ", problems.Select(p => $"{p.Path} {p.Message}")));
            var resumeAt = (string?)bookmark.Data?["resumeAt"] is { } at ? DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
            Wait(context, resumeAt);
            return ValueTask.FromResult(ActivityResult.Suspend);
        }
        Payload = payload;
        return ValueTask.FromResult(ActivityResult.Outcome("received"));
    }

    private void Wait(ActivityContext context, DateTimeOffset? resumeAt)
    {
        JsonObject? data = null;
        if (Accept is { Count: > 0 } || resumeAt is not null)
        {
            data = [];
            if (Accept is { Count: > 0 }) data["accept"] = Accept.DeepClone();
            if (resumeAt is { } at) data["resumeAt"] = Values.ValueConverter.FormatDateTime(at);
        }
        context.CreateBookmark(new Stimuli.CallbackStimulus(Token), data);
        if (resumeAt is { } due) context.CreateBookmark(new Stimuli.TimerStimulus(due));
    }

    /// <summary>The correlation payload a POST to the callback URL computes to find this bookmark.</summary>
    public static JsonObject StimulusOf(string token) => new Stimuli.CallbackStimulus(token).Correlation();
}
